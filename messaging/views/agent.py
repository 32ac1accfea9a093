"""The agent's side: email, share listings or a document, and the message threads."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clients.decorators import agent_required
from clients.selectors import get_contact_for_agent

from ..forms import ComposeEmailForm, MessageForm, ShareDocumentForm, ShareListingsForm
from ..selectors import sent_for_agent, thread_for_contact, threads_for_agent
from ..services import (
    message_email_send,
    message_send,
    messages_mark_read,
    share_document,
    share_listings,
)


def _initial_recipients(request) -> dict:
    if request.method == "GET" and request.GET.get("to", "").isdigit():
        return {"recipients": [int(request.GET["to"])]}
    return {}


def _sent_message(contacts) -> str:
    names = ", ".join(c.full_name for c in contacts[:3]) + ("…" if len(contacts) > 3 else "")
    count = len(contacts)
    return f"Sent to {count} client{'s' if count != 1 else ''}: {names}."


@agent_required
@require_http_methods(["GET", "POST"])
def compose_email(request):
    agent = request.agent
    form = ComposeEmailForm(request.POST or None, agent=agent, initial=_initial_recipients(request))
    if request.method == "POST" and form.is_valid():
        contacts = list(form.cleaned_data["recipients"])
        rows = message_email_send(
            agent=agent,
            contacts=contacts,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            send_key=str(form.cleaned_data["send_key"]),
        )
        sent_to = len({row.to_contact_id for row in rows if row.status != "suppressed"})
        names = ", ".join(c.full_name for c in contacts[:3]) + ("…" if len(contacts) > 3 else "")
        flash.success(
            request, f"Email sent to {sent_to} contact{'s' if sent_to != 1 else ''}: {names}."
        )
        return redirect("agent:contact_list")
    return render(request, "messaging/agent_compose.html", {"form": form})


@agent_required
@require_http_methods(["GET", "POST"])
def share_listings_view(request):
    agent = request.agent
    initial = _initial_recipients(request)
    if request.method == "GET":
        initial["listings"] = [pk for pk in request.GET.getlist("listing") if pk.isdigit()][:50]
    form = ShareListingsForm(request.POST or None, agent=agent, initial=initial)
    if request.method == "POST" and form.is_valid():
        contacts = list(form.cleaned_data["recipients"])
        share_listings(
            agent=agent,
            contacts=contacts,
            listings=form.cleaned_data["listings"],
            note=form.cleaned_data["note"],
        )
        flash.success(request, _sent_message(contacts))
        return redirect("agent:contact_list")
    listings = form["listings"].value() or []
    from listings.models import Listing

    chosen = list(Listing.objects.filter(pk__in=[p for p in listings if str(p).isdigit()])[:50])
    return render(request, "messaging/agent_share_listings.html", {"form": form, "chosen": chosen})


@agent_required
@require_http_methods(["GET", "POST"])
def share_document_view(request):
    agent = request.agent
    form = ShareDocumentForm(
        request.POST or None,
        request.FILES or None,
        agent=agent,
        initial=_initial_recipients(request),
    )
    if request.method == "POST" and form.is_valid():
        contacts = list(form.cleaned_data["recipients"])
        try:
            share_document(
                agent=agent,
                contacts=contacts,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            flash.success(request, _sent_message(contacts))
            return redirect("agent:contact_list")
    return render(request, "messaging/agent_share_document.html", {"form": form})


@agent_required
def sent(request):
    return render(request, "messaging/agent_sent.html", {"shares": sent_for_agent(request.agent)})


@agent_required
def inbox(request):
    return render(
        request, "messaging/agent_inbox.html", {"threads": threads_for_agent(request.agent)}
    )


@agent_required
@require_http_methods(["GET", "POST"])
def message_thread(request, pk: int):
    contact = get_contact_for_agent(request.agent, pk)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message_send(contact=contact, sender=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error)
        else:
            flash.success(request, f"Message sent to {contact.full_name}.")
            return redirect("agent:message_thread", pk=contact.pk)
    messages_mark_read(contact=contact, reader=request.user)
    return render(
        request,
        "messaging/agent_thread.html",
        {"form": form, "contact": contact, "thread": thread_for_contact(contact)},
    )
