"""Back-office pages owned by clients/: the agent's home, contacts, profile and branding."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
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


# --- The client's homes: reactions and comment threads (the agent's side) ---------------------
# Reactions and comments belong to listings/; these pages show them for one of the agent's
# contacts and let the agent answer a thread.


def _contact_listings_context(request, contact) -> dict:
    from listings.forms import CommentForm
    from listings.selectors import FAVORITE_GROUPS, favorites_for_contact

    group = request.GET.get("group")
    group = group if group in {key for key, _, _ in FAVORITE_GROUPS} else None
    try:
        page = max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        page = 1
    groups = favorites_for_contact(contact=contact, group=group, page=page)
    return {
        "contact": contact,
        "groups": groups,
        "group": group,
        "is_empty": not group and not any(g.total for g in groups),
        "comment_form": CommentForm(),
    }


@agent_required
def contact_listings(request, pk: int):
    """What the client marked and said about homes: the partial for the contact page (htmx),
    or a page of its own (without JavaScript, and for "show all")."""
    # The contact's emails and groups (which the scoped getter prefetches) are not shown here.
    contact = get_object_or_404(contacts_for_agent(request.agent).prefetch_related(None), pk=pk)
    context = _contact_listings_context(request, contact)
    if request.headers.get("HX-Request") and not context["group"]:
        return render(request, "clients/_contact_listings.html", context)
    return render(request, "clients/contact_listings.html", context)


@agent_required
@require_POST
def contact_listing_comment(request, pk: int, listing_pk: int):
    """The agent answers a client's comment thread about a listing."""
    from listings.forms import CommentForm
    from listings.selectors import favorite_card, get_listing
    from listings.services_reactions import comment_add

    contact = get_contact_for_agent(request.agent, pk)
    listing = get_listing(listing_pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        comment_add(
            contact=contact, author=request.user, listing=listing, body=form.cleaned_data["body"]
        )
        form = CommentForm()
        note = f"Reply posted — {contact.first_name or contact.full_name} sees it in their portal."
    else:
        note = ""
    if request.headers.get("HX-Request"):
        context = {
            "contact": contact,
            "listing": favorite_card(contact=contact, listing=listing),
            "group_key": "commented" if request.POST.get("group") == "commented" else "listing",
            "comment_form": form,
            "note": note,
        }
        return render(request, "clients/_contact_listing_card.html", context)
    if note:
        messages.success(request, note)
    else:
        for error in form.errors.get("body", []):
            messages.error(request, error)
    return redirect(f"{reverse('agent:contact_listings', args=[contact.pk])}#listing-{listing.pk}")
