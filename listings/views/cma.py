"""CMA pages: the agent's list, new (from a listing, a client or an address), edit (subject,
settings, comparables and their adjustments), preview, send; the client's portal page."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clients.decorators import agent_required, client_required

from .. import cma as cmas
from ..forms_analysis import AddByMlsForm, CmaForm, CmaStartForm, ComparableForm, SendForm
from ..market import reports_for_agent
from .common import map_settings, recipients_summary


def _errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@agent_required
def cma_list(request):
    context = {
        "cmas": cmas.cmas_for_agent(request.agent),
        "reports": reports_for_agent(request.agent),
        "tab": "cmas",
    }
    return render(request, "listings/cma_list.html", context)


@agent_required
@require_http_methods(["GET", "POST"])
def cma_new(request):
    agent = request.agent
    start = CmaStartForm(request.GET, agent=agent)
    listing = contact = None
    if start.is_valid():
        listing, contact = start.cleaned_data["listing"], start.cleaned_data["contact"]
    elif request.method == "GET":
        flash.error(request, _errors(start))
    initial = cmas.subject_facts_from_listing(listing) if listing else {}
    if contact and not listing:
        initial["title"] = f"CMA for {contact.full_name}"
    form = CmaForm(request.POST or None, initial=initial)
    if request.method == "POST" and not start.is_valid():
        form.add_error(None, _errors(start))
    if request.method == "POST" and start.is_valid() and form.is_valid():
        try:
            cma = cmas.cma_create(
                agent=agent, data=form.subject_data, contact=contact, subject_listing=listing
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = cma.comparable_rows.count()
            flash.success(
                request,
                f"Draft saved with {count} suggested comparable{'s' if count != 1 else ''}. "
                "Add, remove or adjust them below.",
            )
            return redirect("agent:cma_edit", pk=cma.pk)
    return render(
        request,
        "listings/cma_new.html",
        {"form": form, "listing": listing, "contact": contact, "query": request.GET.urlencode()},
    )


def _edit_context(cma, *, form=None, mls_form=None) -> dict:
    rows = cmas.comparable_rows(cma)
    summary = cmas.cma_summary(cma, rows=rows)
    suggestions = cmas.suggest_comparables(cma, exclude=[row.listing_id for row in rows])
    return {
        "cma": cma,
        "form": form or CmaForm(instance=cma),
        "mls_form": mls_form or AddByMlsForm(),
        "summary": summary,
        "suggestions": suggestions,
        "map_data": {"markers": summary.markers},
        **map_settings(),
    }


@agent_required
@require_http_methods(["GET", "POST"])
def cma_edit(request, pk: int):
    cma = cmas.get_cma_for_agent(request.agent, pk)
    form = CmaForm(request.POST or None, instance=cma)
    if request.method == "POST":
        if form.is_valid():
            try:
                cmas.cma_update(cma=cma, data=form.subject_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                flash.success(request, "CMA saved. Suggestions follow the new settings.")
                return redirect("agent:cma_edit", pk=cma.pk)
        cma.refresh_from_db()
    return render(request, "listings/cma_edit.html", _edit_context(cma, form=form))


@agent_required
@require_POST
def cma_comparables(request, pk: int):
    cma = cmas.get_cma_for_agent(request.agent, pk)
    if "mls" in request.POST:
        mls_form = AddByMlsForm(request.POST)
        if not mls_form.is_valid():
            flash.error(request, _errors(mls_form))
            return redirect("agent:cma_edit", pk=cma.pk)
        data = {"action": "add", "listing": mls_form.cleaned_data["mls"].pk}
    else:
        data = request.POST
    form = ComparableForm(data)
    if not form.is_valid():
        flash.error(request, _errors(form))
        return redirect("agent:cma_edit", pk=cma.pk)
    listing, action = form.cleaned_data["listing"], form.cleaned_data["action"]
    try:
        if action == "add":
            cmas.cma_comparable_add(cma=cma, listing=listing)
            flash.success(request, f"Added {listing.address_line} as a comparable.")
        elif action == "remove":
            cmas.cma_comparable_remove(cma=cma, listing=listing)
            flash.success(request, f"Removed {listing.address_line}.")
        else:
            cmas.cma_comparable_adjust(
                cma=cma,
                listing=listing,
                amount=form.cleaned_data["adjustment_amount"] or 0,
                percent=form.cleaned_data["adjustment_percent"] or 0,
                note=form.cleaned_data["adjustment_note"],
            )
            flash.success(request, f"Adjustment saved for {listing.address_line}.")
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    return redirect(reverse("agent:cma_edit", args=[cma.pk]) + "#comparables")


@agent_required
def cma_detail(request, pk: int):
    """The agent's preview: what the client sees (and prints)."""
    cma = cmas.get_cma_for_agent(request.agent, pk)
    summary = cmas.cma_summary(cma)
    context = {"cma": cma, "summary": summary, "map_data": {"markers": summary.markers}}
    return render(request, "listings/cma_detail.html", {**context, **map_settings()})


@agent_required
@require_http_methods(["GET", "POST"])
def cma_send(request, pk: int):
    cma = cmas.get_cma_for_agent(request.agent, pk)
    initial = {"send_no": cma.send_count + 1}
    if cma.contact_id:
        initial["recipients"] = [cma.contact_id]
    if request.method == "GET" and request.GET.get("to", "").isdigit():
        initial["recipients"] = [int(request.GET["to"])]
    form = SendForm(request.POST or None, agent=request.agent, initial=initial)
    if request.method == "POST" and form.is_valid():
        contacts = list(form.cleaned_data["recipients"])
        try:
            cmas.cma_send(
                cma=cma,
                contacts=contacts,
                note=form.cleaned_data["note"],
                send_no=form.cleaned_data["send_no"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            flash.success(request, f"CMA sent to {len(contacts)}: {recipients_summary(contacts)}.")
            return redirect("agent:cma_list")
    return render(request, "listings/cma_send.html", {"cma": cma, "form": form, "kind": "CMA"})


@client_required
def portal_cma(request, pk: int):
    cma = cmas.get_cma_for_client(request.client_contact, pk)
    summary = cmas.cma_summary(cma)
    context = {"cma": cma, "summary": summary, "map_data": {"markers": summary.markers}}
    return render(request, "listings/cma_portal.html", {**context, **map_settings()})
