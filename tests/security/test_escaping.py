"""Every free-text field a hostile user can type is shown escaped wherever it is rendered.

Payloads go in the way people type them (the client's comment, message and search name through
the portal's own forms; the agent's contact names, notes, group, share note and document title
through the back-office services), then every page that shows them is fetched and checked: the
markup never appears raw, and the escaped text does."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import Contact
from clients.services import group_create
from messaging.services import share_document, share_listings
from searches.services import saved_search_create
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db


def payload(tag: str) -> str:
    """Breaks out of text, of a quoted attribute and of a <script> string, all at once."""
    return f'<script>alert("{tag}")</script>"\'><img src=x onerror=alert("{tag}")>'


RAW = re.compile(r"<script>alert\(|<img src=x onerror")


def escaped(tag: str) -> str:
    return f"&lt;script&gt;alert(&quot;{tag}&quot;)"


def assert_escaped(html: str, tags: list[str], where: str) -> None:
    raw = RAW.findall(html)
    assert not raw, f"{where}: hostile markup rendered raw: {raw[:3]}"
    for tag in tags:
        assert escaped(tag) in html, f"{where}: {tag} not shown (escaped) on the page"


@pytest.fixture
def hostile_world(
    agent, client_contact, agent_client, portal_client, django_capture_on_commit_callbacks
):
    listing = ListingFactory()
    Contact.objects.filter(pk=client_contact.pk).update(
        first_name=payload("first")[:100],
        last_name=payload("last")[:100],
        notes=payload("notes"),
    )
    contact = Contact.objects.get(pk=client_contact.pk)
    group = group_create(agent=agent, name=payload("group")[:100])
    contact.groups.add(group)
    with django_capture_on_commit_callbacks(execute=True):
        share_listings(agent=agent, contacts=[contact], listings=[listing], note=payload("note"))
        pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
        share_document(agent=agent, contacts=[contact], upload=pdf, title=payload("doctitle"))
        saved_search_create(
            agent=agent,
            contact=contact,
            name=payload("agentsearch"),
            criteria={},
            created_by=agent.user,
        )
        # What the client types, through the portal's forms.
        for url, data in [
            (reverse("portal:listing_comment", args=[listing.pk]), {"body": payload("comment")}),
            (reverse("portal:messages"), {"body": payload("message")}),
        ]:
            response = portal_client.post(url, data)
            assert response.status_code in (200, 302), (url, response.status_code)
        own = saved_search_create(
            agent=agent, contact=contact, name="mine", criteria={}, created_by=contact.user
        )
        response = portal_client.post(
            reverse("portal:search_rename", args=[own.pk]), {"name": payload("search")}
        )
        assert response.status_code in (200, 302)
        # The agent answers in the listing thread.
        agent_client.post(
            reverse("agent:contact_listing_comment", args=[contact.pk, listing.pk]),
            {"body": payload("reply")},
        )
    return contact, listing


def test_hostile_text_is_escaped_on_every_page_that_shows_it(
    hostile_world, agent_client, portal_client
):
    contact, listing = hostile_world
    agent_pages = {
        reverse("agent:contact_list"): ["first", "last"],
        reverse("agent:contact_detail", args=[contact.pk]): ["first", "notes", "group"],
        reverse("agent:contact_listings", args=[contact.pk]): ["comment", "reply"],
        reverse("agent:inbox"): ["first"],
        reverse("agent:message_thread", args=[contact.pk]): ["message"],
        reverse("agent:notifications"): ["first"],
        reverse("agent:group_list"): ["group"],
        reverse("agent:sent"): ["first"],
        reverse("agent:search_list"): ["agentsearch"],
        reverse("agent:home"): [],
    }
    portal_pages = {
        reverse("portal:dashboard"): ["first", "note"],
        reverse("portal:messages"): ["message"],
        reverse("portal:my_searches"): ["search", "agentsearch"],
        reverse("portal:favorites"): ["comment"],
        reverse("portal:listing_detail", args=[listing.pk]): ["comment", "reply"],
    }
    for browser, pages in ((agent_client, agent_pages), (portal_client, portal_pages)):
        for url, tags in pages.items():
            response = browser.get(url)
            assert response.status_code == 200, url
            assert_escaped(response.content.decode(), tags, url)


def test_hostile_text_is_escaped_in_html_emails(
    agent, client_contact, portal_client, django_capture_on_commit_callbacks
):
    from clients.models import AgentPreferences

    AgentPreferences.objects.update_or_create(
        agent=agent, defaults={"notify_on_message": True, "notify_on_comment": True}
    )
    Contact.objects.filter(pk=client_contact.pk).update(first_name=payload("first")[:100])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        portal_client.post(reverse("portal:messages"), {"body": payload("message")})
    htmls = [
        body
        for message in mail.outbox
        for body, kind in getattr(message, "alternatives", [])
        if kind == "text/html"
    ]
    assert htmls, "the agent was not emailed about the message"
    for html in htmls:
        assert not RAW.findall(html)
    assert any(escaped("message") in html or escaped("first") in html for html in htmls)
