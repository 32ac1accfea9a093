from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clients.decorators import agent_required

from ..forms import ComposeEmailForm
from ..services import message_email_send


@agent_required
@require_http_methods(["GET", "POST"])
def compose_email(request):
    agent = request.agent
    initial = {}
    if request.method == "GET" and request.GET.get("to", "").isdigit():
        initial["recipients"] = [int(request.GET["to"])]
    form = ComposeEmailForm(request.POST or None, agent=agent, initial=initial)
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
        messages.success(
            request, f"Email sent to {sent_to} contact{'s' if sent_to != 1 else ''}: {names}."
        )
        return redirect("agent:contact_list")
    return render(request, "messaging/agent_compose.html", {"form": form})
