"""Pages reached from an alert email without logging in: the signed token is the authority.
GET shows, POST acts (a link scanner's GET changes nothing)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..forms import AlertSettingsForm
from ..models import SavedSearch
from ..services import search_client_alerts, search_keep_sending, search_settings_update
from ..tokens import read_search_token


def _search_from_token(token: str) -> SavedSearch | None:
    search_id = read_search_token(token)
    if search_id is None:
        return None
    return (
        SavedSearch.objects.select_related("agent", "contact")
        .filter(pk=search_id, contact__isnull=False)
        .first()
    )


def _invalid_link(request):
    return render(request, "notifications/invalid_link.html", {"agent": None}, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request, token: str):
    search = _search_from_token(token)
    if search is None:
        return _invalid_link(request)
    contact = search.contact
    form = AlertSettingsForm(
        request.POST or None,
        for_client=True,
        initial={
            "frequency": search.frequency,
            "send_hour": search.send_hour,
            "send_weekday": search.send_weekday,
            "change_types": search.change_types,
        },
    )
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action in ("pause", "resume"):
            search_client_alerts(contact=contact, search=search, on=action == "resume")
            messages.success(
                request,
                "Alerts for this search are paused."
                if action == "pause"
                else "Alerts for this search are back on.",
            )
            return redirect(request.path)
        if form.is_valid():
            search_settings_update(search=search, changes=form.cleaned_data, by_client=contact)
            if search.is_paused or search.client_alerts_off:
                search_client_alerts(contact=contact, search=search, on=True)
            messages.success(request, "Saved. Your alerts follow the new settings.")
            return redirect(request.path)
    search.refresh_from_db()
    return render(
        request,
        "searches/email_manage.html",
        {"search": search, "form": form, "agent": search.agent, "contact": contact},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def keep(request, token: str):
    search = _search_from_token(token)
    if search is None:
        return _invalid_link(request)
    context = {"search": search, "agent": search.agent}
    if request.method == "POST":
        search = search_keep_sending(search=search)
        context["search"] = search
        return render(request, "searches/email_keep_done.html", context)
    return render(request, "searches/email_keep_confirm.html", context)
