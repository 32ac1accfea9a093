"""Back-office pages owned by clients/: the agent's home, contacts, profile and branding."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..decorators import agent_required
from ..forms import AgentProfileForm, ContactSearchForm
from ..selectors import agent_dashboard_counts, contacts_for_agent, get_contact_for_agent

CONTACTS_PER_PAGE = 50


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
def contact_list(request):
    form = ContactSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    contacts = contacts_for_agent(request.agent, query=query)
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "clients/contact_list.html",
        {"form": form, "query": query, "page": page, "contacts": list(page.object_list)},
    )


@agent_required
def contact_detail(request, pk: int):
    contact = get_contact_for_agent(request.agent, pk)
    return render(request, "clients/contact_detail.html", {"contact": contact})


@agent_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    agent = request.agent
    form = AgentProfileForm(request.POST or None, request.FILES or None, instance=agent)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile and branding are saved.")
        return redirect("agent:profile_edit")
    return render(request, "clients/profile_edit.html", {"form": form})
