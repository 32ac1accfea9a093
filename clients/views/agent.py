"""Back-office pages owned by clients/: the agent's home, contacts, profile and branding."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from notifications.models import OutboundEmail

from ..decorators import agent_required
from ..forms import AgentProfileForm, ContactEmailForm, ContactStatusForm
from ..models import Agent, ConsentEvent
from ..selectors import (
    agent_dashboard_counts,
    contacts_for_agent,
    get_contact_email_for_agent,
    get_contact_for_agent,
    invalid_emails_for_agent,
    preferences_for_agent,
)
from ..services import contact_email_remove as contact_email_remove_service
from ..services import contact_email_update, contact_set_status
from ..services import contact_restore as contact_restore_service


@agent_required
def agent_home(request):
    agent = request.agent
    recent = list(contacts_for_agent(agent).order_by("-created_at")[:8])
    return render(
        request,
        "clients/agent_home.html",
        {"counts": agent_dashboard_counts(agent), "recent_contacts": recent},
    )


@agent_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    # A separate copy: a failed form must not change the branding the page header shows.
    agent = Agent.objects.get(pk=request.agent.pk)
    form = AgentProfileForm(request.POST or None, request.FILES or None, instance=agent)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile and branding are saved.")
        return redirect("agent:profile_edit")
    return render(request, "clients/profile_edit.html", {"form": form})


@agent_required
@require_http_methods(["GET", "POST"])
def contact_restore(request, pk: int):
    """ "Click here to restore": the agent opts their client back in (status stays Inactive)."""
    contact = get_contact_for_agent(request.agent, pk)
    if request.method == "POST":
        if contact_restore_service(contact=contact, actor=request.user):
            messages.success(
                request,
                f"{contact.full_name} is opted back in. Their status is still Inactive: "
                "set it to Active when they should receive email again.",
            )
        else:
            messages.info(request, f"{contact.full_name} was not opted out.")
        return redirect("agent:contact_detail", pk=contact.pk)
    return render(request, "clients/contact_restore_confirm.html", {"contact": contact})


@agent_required
@require_POST
def contact_status(request, pk: int):
    contact = get_contact_for_agent(request.agent, pk)
    form = ContactStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status from the list.")
        return redirect("agent:contact_detail", pk=contact.pk)
    changed = contact_set_status(
        contact=contact,
        status=form.cleaned_data["status"],
        actor=request.user,
        via=ConsentEvent.Via.AGENT,
    )
    if changed:
        messages.success(request, f"{contact.full_name} is now {contact.get_status_display()}.")
    return redirect("agent:contact_detail", pk=contact.pk)


@agent_required
@require_POST
def contact_invite(request, pk: int):
    contact = get_contact_for_agent(request.agent, pk)
    try:
        from .contacts import send_invitation

        rows = send_invitation(contact, preferences_for_agent(request.agent).invitation_message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("agent:contact_detail", pk=contact.pk)
    suppressed = [row for row in rows if row.status == OutboundEmail.Status.SUPPRESSED]
    if suppressed:
        messages.warning(
            request,
            f"{contact.full_name} has a portal account, but the invitation was not sent: "
            f"{suppressed[0].get_suppressed_reason_display().lower()}.",
        )
    else:
        messages.success(request, f"Invitation sent to {contact.full_name}.")
    return redirect("agent:contact_detail", pk=contact.pk)


@agent_required
def invalid_emails(request):
    return render(
        request,
        "clients/invalid_emails.html",
        {"invalid_emails": invalid_emails_for_agent(request.agent)},
    )


@agent_required
@require_http_methods(["GET", "POST"])
def contact_email_edit(request, pk: int):
    contact_email = get_contact_email_for_agent(request.agent, pk)
    form = ContactEmailForm(request.POST or None, instance=contact_email)
    if request.method == "POST" and form.is_valid():
        contact_email_update(contact_email=contact_email, address=form.cleaned_data["address"])
        messages.success(
            request, f"Saved {contact_email.address} for {contact_email.contact.full_name}."
        )
        return redirect("agent:invalid_emails")
    return render(
        request, "clients/contact_email_edit.html", {"form": form, "contact_email": contact_email}
    )


@agent_required
@require_POST
def contact_email_remove(request, pk: int):
    contact_email = get_contact_email_for_agent(request.agent, pk)
    try:
        contact_email_remove_service(contact_email=contact_email)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Removed {contact_email.address} from {contact_email.contact.full_name}."
        )
    return redirect("agent:invalid_emails")
