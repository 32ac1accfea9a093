"""The portal invitation link: choose a password and land on the portal; a link that no longer
works says so and lets the client ask their agent for a new one."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from notifications.emails import absolute_url
from notifications.models import AgentNotification, OutboundEmail
from notifications.services import agent_notify, email_enqueue

from ..models import Contact
from ..services import invitation_accept as invitation_accept_service
from ..services import invitation_user


def _contact_of(user) -> Contact | None:
    if user is None:
        return None
    return Contact.objects.select_related("agent", "agent__user").filter(user=user).first()


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request, uidb36: str, key: str):
    user, valid = invitation_user(uidb36=uidb36, key=key)
    contact = _contact_of(user)
    if not valid or contact is None:
        return render(
            request,
            "clients/invitation_invalid.html",
            {
                "contact": contact,
                "uidb36": uidb36,
                "key": key,
                "brand_agent": contact and contact.agent,
            },
            status=410 if contact else 404,
        )
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation_accept_service(user=user, password=form.cleaned_data["new_password1"])
        agent_notify(
            agent=contact.agent,
            kind="invitation_accepted",
            contact=contact,
            text=f"{contact.full_name} accepted your portal invitation",
            link=reverse("agent:contact_detail", args=[contact.pk]),
        )
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, f"Welcome, {contact.first_name}! Your portal is ready.")
        return redirect("portal:dashboard")
    return render(
        request,
        "clients/invitation_accept.html",
        {"form": form, "contact": contact, "brand_agent": contact.agent},
    )


@require_POST
def invitation_request(request, uidb36: str, key: str):
    """The client asks their agent for a new invitation (the link was used, old or damaged)."""
    user, _ = invitation_user(uidb36=uidb36, key=key)
    contact = _contact_of(user)
    if contact is None:
        return render(request, "clients/invitation_invalid.html", {"contact": None}, status=404)
    agent = contact.agent
    asked_lately = AgentNotification.objects.filter(
        agent=agent,
        contact=contact,
        kind="invitation_requested",
        created_at__gte=timezone.now() - timedelta(hours=1),
    ).exists()
    if not asked_lately:
        agent_notify(
            agent=agent,
            kind="invitation_requested",
            contact=contact,
            text=f"{contact.full_name} asked for a new portal invitation",
            link=reverse("agent:contact_detail", args=[contact.pk]),
        )
    email_enqueue(
        kind=OutboundEmail.Kind.AGENT_NOTICE,
        template="agent_invitation_request",
        context={
            "agent_name": agent.display_name,
            "contact_name": contact.full_name,
            "contact_url": absolute_url(reverse("agent:contact_detail", args=[contact.pk])),
        },
        # One notice per client per hour, however often the button is pressed.
        idempotency_key=f"invitation-request:{contact.pk}:{timezone.now():%Y%m%d%H}",
        agent=agent,
        to_user=agent.user,
    )
    return render(
        request,
        "clients/invitation_invalid.html",
        {"contact": contact, "requested": True, "brand_agent": agent},
    )
