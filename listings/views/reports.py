"""Market report pages: the agent's list, new, edit (with the live figures), send; the client's
portal page."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clients.decorators import agent_required, client_required

from .. import market
from ..charts import report_charts
from ..cma import cmas_for_agent
from ..forms_analysis import ReportForm, SendForm
from .common import recipients_summary


def _report_context(report) -> dict:
    stats = market.report_stats(report)
    return {
        "report": report,
        "stats": stats,
        "charts": report_charts(stats),
        "type_label": market.describe_type(report.property_type),
    }


@agent_required
def report_list(request):
    context = {
        "cmas": cmas_for_agent(request.agent),
        "reports": market.reports_for_agent(request.agent),
        "tab": "reports",
    }
    return render(request, "listings/cma_list.html", context)


@agent_required
@require_http_methods(["GET", "POST"])
def report_new(request):
    initial = {}
    if request.method == "GET" and request.GET.get("city"):
        initial = {"area_kind": "city", "area_value": request.GET["city"][:100]}
    elif request.method == "GET" and request.GET.get("poly"):
        # The shape drawn on Search Listings, as its address carries it; validated on submit.
        initial = {"area_kind": "shape", "area_shape_text": request.GET["poly"][:5000]}
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = market.report_save(agent=request.agent, data=form.report_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            flash.success(request, "Report saved. Check the figures, then send it.")
            return redirect("agent:report_detail", pk=report.pk)
    return render(request, "listings/report_form.html", {"form": form, "report": None})


@agent_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk: int):
    report = market.get_report_for_agent(request.agent, pk)
    form = ReportForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        try:
            market.report_save(agent=request.agent, data=form.report_data, report=report)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            flash.success(request, "Report saved.")
            return redirect("agent:report_detail", pk=report.pk)
    if request.method == "POST":
        report.refresh_from_db()
    return render(request, "listings/report_form.html", {"form": form, "report": report})


@agent_required
def report_detail(request, pk: int):
    report = market.get_report_for_agent(request.agent, pk)
    return render(request, "listings/report_detail.html", _report_context(report))


@agent_required
@require_http_methods(["GET", "POST"])
def report_send(request, pk: int):
    report = market.get_report_for_agent(request.agent, pk)
    initial = {
        "send_no": report.send_count + 1,
        "recipients": list(report.recipients.values_list("pk", flat=True)),
    }
    form = SendForm(request.POST or None, agent=request.agent, initial=initial)
    if request.method == "POST" and form.is_valid():
        contacts = list(form.cleaned_data["recipients"])
        try:
            market.report_send(
                report=report,
                contacts=contacts,
                note=form.cleaned_data["note"],
                send_no=form.cleaned_data["send_no"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            flash.success(
                request, f"Report sent to {len(contacts)}: {recipients_summary(contacts)}."
            )
            return redirect("agent:report_list")
    return render(
        request, "listings/report_send.html", {"report": report, "form": form, "kind": "report"}
    )


@client_required
def portal_report(request, pk: int):
    report = market.get_report_for_client(request.client_contact, pk)
    return render(request, "listings/report_portal.html", _report_context(report))
