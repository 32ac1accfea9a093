"""The one email builder: renders templates/emails/<name>.subject.txt, .txt and .html with the
agent's branding, and the links and headers every email to a client carries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.template import Context, engines
from django.template.engine import Engine
from django.template.loader import render_to_string
from django.urls import reverse

from .tokens import make_contact_token


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    headers: dict[str, str]


@cache
def _plain_text_engine() -> Engine:
    """The project's template engine without HTML autoescaping, for subjects and text parts."""
    html_engine = engines["django"].engine
    return Engine(
        dirs=html_engine.dirs,
        app_dirs=html_engine.app_dirs,
        autoescape=False,
        libraries=html_engine.libraries,
        builtins=html_engine.builtins,
    )


def _render_plain(name: str, context: dict) -> str:
    return _plain_text_engine().get_template(name).render(Context(context, autoescape=False))


def absolute_url(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else f"{settings.SITE_URL}{path}"


def brand_context(agent) -> dict:
    """Plain values for the email header and footer, so templates never touch models."""
    if agent is None:
        return {"brand": None, "brand_color": "#1f5fa8", "brand_text_color": "#ffffff"}
    return {
        "brand": {
            "name": agent.display_name,
            "title": agent.title,
            "brokerage": agent.brokerage_name,
            "address_lines": agent.office_address_lines,
            "phone": agent.phone_mobile or agent.phone_office,
            "email": agent.contact_email,
            "website": agent.website,
            "photo_url": absolute_url(agent.photo.url) if agent.photo else "",
            "logo_url": absolute_url(agent.logo.url) if agent.logo else "",
        },
        "brand_color": agent.brand_color,
        "brand_text_color": agent.brand_text_color,
    }


def unsubscribe_url(contact_id: int) -> str:
    token = make_contact_token(contact_id, "unsubscribe")
    return absolute_url(reverse("notifications:unsubscribe", args=[token]))


def opt_in_url(contact_id: int) -> str:
    token = make_contact_token(contact_id, "opt_in")
    return absolute_url(reverse("notifications:opt_in", args=[token]))


def render_email(
    *, template: str, context: dict, agent=None, contact_id: int | None = None
) -> RenderedEmail:
    full_context = {
        "site_url": settings.SITE_URL,
        "site_name": settings.SITE_NAME,
        **brand_context(agent),
        **context,
    }
    headers: dict[str, str] = {}
    if contact_id is not None:
        # Every email to a client can be stopped from the email itself (RFC 2369 and RFC 8058).
        link = unsubscribe_url(contact_id)
        full_context["unsubscribe_url"] = link
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    subject = _render_plain(f"emails/{template}.subject.txt", full_context)
    return RenderedEmail(
        subject=" ".join(subject.split())[:255],
        text=_render_plain(f"emails/{template}.txt", full_context),
        html=render_to_string(f"emails/{template}.html", full_context),
        headers=headers,
    )
