"""Contact Management: the list, Quick Add, Add/Edit, groups, columns, bulk actions, the Advanced
menu (summary, import, export, portal accounts) and Portal Preferences."""

from __future__ import annotations

import contextlib
import inspect
import secrets
from datetime import timedelta

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messaging.services import portal_invite
from notifications.models import OutboundEmail

from ..columns import COLUMNS, clean_columns
from ..decorators import agent_required
from ..exports import SUMMARY_COLUMNS, contacts_csv, passwords_csv, summary_csv
from ..forms import (
    BulkActionForm,
    ColumnsForm,
    ContactFilterForm,
    ContactForm,
    GroupForm,
    ImportUploadForm,
    PortalAccountsForm,
    PortalPreferencesForm,
    QuickAddForm,
    SummaryPeriodForm,
    email_formset,
)
from ..importing import ImportFileError
from ..models import AgentPreferences, Contact, ContactImport
from ..selectors import (
    ContactFilters,
    client_overview,
    consent_history,
    contact_list_columns,
    contact_summary,
    contact_table,
    contacts_by_ids_for_agent,
    contacts_for_agent,
    get_contact_for_agent,
    get_contact_import_for_agent,
    get_group_for_agent,
    groups_for_agent,
    invalid_email_count_for_agent,
    preferences_for_agent,
)
from ..services import (
    contact_delete,
    contact_delete_summary,
    contact_import_progress,
    contact_import_run,
    contact_import_upload,
    contact_quick_add,
    contact_save,
    contact_set_status,
    contacts_group_add,
    contacts_group_remove,
    contacts_set_status,
    group_create,
    group_delete,
    group_rename,
    portal_accounts_create,
    preferences_update,
)
from ..tasks import import_contacts

PAGE_SIZES = [25, 50, 100]
# Bigger files are imported by a Celery task while the page shows progress.
IMPORT_INLINE_MAX_ROWS = 2_000
PASSWORDS_TTL = 15 * 60

# messaging.services.portal_invite gains ``message`` (the agent's default invitation message) with
# this issue; until then invitations go without it.
_INVITE_TAKES_MESSAGE = "message" in inspect.signature(portal_invite).parameters


def send_invitation(contact: Contact, message: str) -> list[OutboundEmail]:
    if _INVITE_TAKES_MESSAGE and message:
        return portal_invite(contact=contact, message=message)
    return portal_invite(contact=contact)


def _invitation_outcome(contact: Contact, rows: list[OutboundEmail]) -> str:
    suppressed = [row for row in rows if row.status == OutboundEmail.Status.SUPPRESSED]
    if suppressed:
        return suppressed[0].get_suppressed_reason_display().lower()
    return ""


# --- The list ------------------------------------------------------------------------------


def _list_context(request, *, quick_add_form=None) -> dict:
    agent = request.agent
    form = ContactFilterForm(request.GET or None, agent=agent)
    filters = form.filters() if form.is_bound else ContactFilters()
    preferences = preferences_for_agent(agent)
    columns = clean_columns(preferences.contact_list_columns)
    contacts, sort_column, descending = contact_table(
        agent, filters=filters, columns=columns, sort=request.GET.get("sort")
    )
    try:
        per_page = int(request.GET.get("per_page", 50))
    except ValueError:
        per_page = 50
    per_page = per_page if per_page in PAGE_SIZES else 50
    page = Paginator(contacts, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    header = []
    for key in columns:
        next_sort = f"-{key}" if key == sort_column and not descending else key
        query = sort_params.copy()
        query["sort"] = next_sort
        header.append(
            {
                "key": key,
                "label": COLUMNS[key].label,
                "numeric": COLUMNS[key].numeric,
                "sorted": key == sort_column,
                "descending": descending,
                "url": f"?{query.urlencode()}",
            }
        )
    groups = list(groups_for_agent(agent))
    return {
        "form": form,
        "filters": filters,
        "query": filters.query,
        "page": page,
        "contacts": list(page.object_list),
        "columns": columns,
        "header": header,
        "querystring": params.urlencode(),
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "groups": groups,
        "statuses": Contact.Status.choices,
        "quick_add_form": quick_add_form or QuickAddForm(agent=agent),
        "quick_add_collapsed": preferences.quick_add_collapsed and quick_add_form is None,
        "bulk_actions": BulkActionForm.ACTIONS,
        "invalid_email_count": invalid_email_count_for_agent(agent),
    }


@agent_required
@require_GET
def contact_list(request):
    return render(request, "clients/contact_list.html", _list_context(request))


@agent_required
@require_POST
def contact_quick_add_view(request):
    form = QuickAddForm(request.POST, agent=request.agent)
    if not form.is_valid():
        context = _list_context(request, quick_add_form=form)
        return render(request, "clients/contact_list.html", context, status=400)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            contact = contact_quick_add(
                agent=request.agent,
                actor=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
            rows = (
                send_invitation(contact, preferences_for_agent(request.agent).invitation_message)
                if data["portal"]
                else None
            )
    except ValidationError as error:
        form.add_error(None, " ".join(error.messages))
        context = _list_context(request, quick_add_form=form)
        return render(request, "clients/contact_list.html", context, status=400)
    if rows is None:
        messages.success(request, f"Added {contact.full_name}.")
    elif reason := _invitation_outcome(contact, rows):
        messages.warning(
            request,
            f"Added {contact.full_name} with a portal account, but the invitation was not sent: "
            f"{reason}.",
        )
    else:
        messages.success(
            request, f"Added {contact.full_name} and sent the portal invitation to {data['email']}."
        )
    return redirect("agent:contact_list")


@agent_required
@require_POST
def quick_add_toggle(request):
    collapsed = request.POST.get("collapsed")
    if collapsed not in {"0", "1"}:
        collapsed = "0" if preferences_for_agent(request.agent).quick_add_collapsed else "1"
    preferences_update(agent=request.agent, quick_add_collapsed=collapsed == "1")
    if request.headers.get("HX-Request") or request.headers.get("X-Requested-With"):
        return HttpResponse(status=204)
    return redirect("agent:contact_list")


# --- Add / Edit / Delete -------------------------------------------------------------------


def _contact_form_page(request, contact: Contact | None):
    agent = request.agent
    if request.method == "POST":
        form = ContactForm(request.POST, instance=contact, agent=agent)
        add_one = "add_email" in request.POST
        formset = email_formset(request.POST, contact=contact, add_one=add_one)
        if not add_one and form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                saved = contact_save(
                    agent=agent,
                    actor=request.user,
                    contact=contact,
                    fields={k: v for k, v in data.items() if k not in {"groups", "status"}},
                    emails=formset.entries(),
                    groups=list(data["groups"]),
                    status=data["status"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                verb = "Saved" if contact else "Added"
                messages.success(request, f"{verb} {saved.full_name}.")
                return redirect("agent:contact_detail", pk=saved.pk)
    else:
        form = ContactForm(instance=contact, agent=agent)
        formset = email_formset(contact=contact)
    return render(
        request,
        "clients/contact_form.html",
        {
            "form": form,
            "formset": formset,
            "contact": contact,
            "groups": list(groups_for_agent(agent)),
        },
        status=400 if request.method == "POST" else 200,
    )


@agent_required
@require_http_methods(["GET", "POST"])
def contact_create(request):
    return _contact_form_page(request, None)


@agent_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int):
    return _contact_form_page(request, get_contact_for_agent(request.agent, pk))


@agent_required
@require_http_methods(["GET", "POST"])
def contact_delete_view(request, pk: int):
    contact = get_contact_for_agent(request.agent, pk)
    if request.method == "POST":
        name = contact_delete(contact=contact)
        messages.success(request, f"Deleted {name}.")
        return redirect("agent:contact_list")
    return render(
        request,
        "clients/contact_delete.html",
        {"contact": contact, "deleted": contact_delete_summary(contact)},
    )


@agent_required
@require_POST
def contact_deactivate(request, pk: int):
    contact = get_contact_for_agent(request.agent, pk)
    if contact_set_status(
        contact=contact, status=Contact.Status.INACTIVE, actor=request.user, via="agent"
    ):
        messages.success(
            request, f"{contact.full_name} is now Inactive and receives no email from you."
        )
    return redirect("agent:contact_detail", pk=contact.pk)


@agent_required
def contact_detail(request, pk: int):
    from ..forms import ContactStatusForm

    contact = get_contact_for_agent(request.agent, pk)
    return render(
        request,
        "clients/contact_detail.html",
        {
            "contact": contact,
            "status_form": ContactStatusForm(initial={"status": contact.status}),
            "consent_events": consent_history(contact),
            "overview": client_overview(contact),
        },
    )


# --- Groups ----------------------------------------------------------------------------------


@agent_required
@require_http_methods(["GET", "POST"])
def group_list(request):
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = group_create(agent=request.agent, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error.message_dict.get("name", error.messages))
        else:
            messages.success(request, f"Added the group “{group.name}”.")
            return redirect(request.POST.get("next") or reverse("agent:group_list"))
    return render(
        request,
        "clients/groups.html",
        {"form": form, "groups": list(groups_for_agent(request.agent).order_by("name"))},
        status=400 if form.errors else 200,
    )


@agent_required
@require_POST
def group_rename_view(request, pk: int):
    group = get_group_for_agent(request.agent, pk)
    form = GroupForm(request.POST)
    if form.is_valid():
        old = group.name
        try:
            group_rename(group=group, name=form.cleaned_data["name"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Renamed “{old}” to “{group.name}”.")
    else:
        messages.error(request, "Give the group a name.")
    return redirect("agent:group_list")


@agent_required
@require_POST
def group_delete_view(request, pk: int):
    group = get_group_for_agent(request.agent, pk)
    name = group.name
    group_delete(group=group)
    messages.success(request, f"Removed the group “{name}”. Its contacts are still here.")
    return redirect("agent:group_list")


# --- Customize Contact List ----------------------------------------------------------------


@agent_required
@require_http_methods(["GET", "POST"])
def columns_customize(request):
    if request.method == "POST":
        known = [key for key in request.POST.getlist("columns") if key in COLUMNS]
        form = ColumnsForm({"columns": known})
        if form.is_valid():
            if "reset" in request.POST:
                chosen: list[str] = []
            else:
                chosen = form.cleaned_data["columns"]
            preferences_update(agent=request.agent, contact_list_columns=chosen)
            messages.success(request, "Your contact list columns are saved.")
            return redirect("agent:contact_list")
        messages.error(request, "Choose columns from the list.")
    selected = contact_list_columns(request.agent)
    return render(
        request,
        "clients/columns.html",
        {
            "selected": [COLUMNS[k] for k in selected],
            "available": [c for k, c in COLUMNS.items() if k not in selected],
        },
    )


# --- Bulk actions --------------------------------------------------------------------------


@agent_required
@require_POST
def contacts_bulk(request):
    form = BulkActionForm(request.POST, agent=request.agent)
    if not form.is_valid():
        if "ids" in form.errors and any(not str(v).isdigit() for v in request.POST.getlist("ids")):
            raise Http404("No such contact")
        first_error = next(iter(form.errors.values()))[0]
        messages.error(request, first_error)
        return redirect("agent:contact_list")
    data = form.cleaned_data
    contacts = list(contacts_by_ids_for_agent(request.agent, data["ids"]).order_by("id"))
    action, count = data["action"], len(contacts)
    noun = f"{count} contact{'s' if count != 1 else ''}"
    if action == "accounts":
        query = "&".join(f"ids={c.pk}" for c in contacts if not c.user_id)
        if not query:
            messages.info(request, "Every selected contact already has a portal account.")
            return redirect("agent:contact_list")
        return redirect(f"{reverse('agent:portal_accounts')}?{query}")
    if action == "export":
        return _csv_response(contacts_csv(Contact.objects.filter(pk__in=data["ids"])), "contacts")
    if action == "group_add":
        added = contacts_group_add(contacts=contacts, group=data["group"])
        messages.success(request, f"Added {added} of {noun} to “{data['group'].name}”.")
    elif action == "group_remove":
        removed = contacts_group_remove(contacts=contacts, group=data["group"])
        messages.success(request, f"Removed {removed} of {noun} from “{data['group'].name}”.")
    elif action == "status":
        changed = contacts_set_status(contacts=contacts, status=data["status"], actor=request.user)
        label = Contact.Status(data["status"]).label
        messages.success(request, f"Set {changed} of {noun} to {label}.")
    elif action == "invite":
        _invite_many(request, contacts)
    return redirect(request.POST.get("next") or reverse("agent:contact_list"))


def _invite_many(request, contacts) -> None:
    message = preferences_for_agent(request.agent).invitation_message
    sent, problems = 0, []
    for contact in contacts:
        try:
            with transaction.atomic():
                rows = send_invitation(contact, message)
        except ValidationError as error:
            problems.append(f"{contact.full_name}: {' '.join(error.messages)}")
            continue
        reason = _invitation_outcome(contact, rows)
        if reason:
            problems.append(f"{contact.full_name}: {reason}")
        else:
            sent += 1
    if sent:
        messages.success(request, f"Sent {sent} portal invitation{'s' if sent != 1 else ''}.")
    if problems:
        shown = "; ".join(problems[:5]) + (
            f" and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        messages.warning(request, f"Not sent to {len(problems)}: {shown}.")


# --- Export ----------------------------------------------------------------------------------


def _csv_response(data: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@agent_required
@require_GET
def contacts_export(request):
    return _csv_response(contacts_csv(contacts_for_agent(request.agent)), "contacts")


# --- Import ----------------------------------------------------------------------------------


@agent_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_import = contact_import_upload(
                agent=request.agent,
                upload=form.cleaned_data["file"],
                delimiter=form.cleaned_data["delimiter"],
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect("agent:import_preview", token=contact_import.token)
    return render(
        request,
        "clients/import_upload.html",
        {"form": form, "recent": list(request.agent.contact_imports.all()[:5])},
        status=400 if form.errors else 200,
    )


@agent_required
@require_GET
def import_preview(request, token):
    contact_import = get_contact_import_for_agent(request.agent, token)
    if contact_import.status != ContactImport.Status.PREVIEWED:
        return redirect("agent:import_status", token=token)
    return render(
        request,
        "clients/import_preview.html",
        {"contact_import": contact_import, "summary": contact_import.summary},
    )


def _dispatch_import(pk: int) -> None:
    # A broker outage leaves the import queued: the status page dispatches it again.
    with contextlib.suppress(Exception):
        import_contacts.delay(pk)


@agent_required
@require_POST
def import_confirm(request, token):
    contact_import = get_contact_import_for_agent(request.agent, token)
    if contact_import.status != ContactImport.Status.PREVIEWED:
        return redirect("agent:import_status", token=token)
    if contact_import.total_rows <= IMPORT_INLINE_MAX_ROWS:
        contact_import_run(import_id=contact_import.pk)
        contact_import.refresh_from_db()
        if contact_import.status == ContactImport.Status.DONE:
            messages.success(
                request,
                f"Imported {contact_import.original_name}: {contact_import.created_count} new, "
                f"{contact_import.merged_count} merged into existing contacts"
                + (
                    f", {contact_import.error_count} rows skipped."
                    if contact_import.error_count
                    else "."
                ),
            )
            return redirect("agent:contact_list")
        return redirect("agent:import_status", token=token)
    ContactImport.objects.filter(
        pk=contact_import.pk, status=ContactImport.Status.PREVIEWED
    ).update(status=ContactImport.Status.QUEUED)
    transaction.on_commit(lambda: _dispatch_import(contact_import.pk))
    return redirect("agent:import_status", token=token)


@agent_required
@require_GET
def import_status(request, token):
    contact_import = get_contact_import_for_agent(request.agent, token)
    stale = timezone.now() - timedelta(minutes=2)
    if contact_import.status == ContactImport.Status.QUEUED and contact_import.created_at < stale:
        _dispatch_import(contact_import.pk)
    done = contact_import_progress(contact_import)
    total = contact_import.total_rows or 1
    context = {
        "contact_import": contact_import,
        "done": done,
        "percent": min(100, round(100 * done / total)),
        "finished": contact_import.status
        in {ContactImport.Status.DONE, ContactImport.Status.FAILED},
    }
    template = (
        "clients/_import_progress.html"
        if request.headers.get("HX-Request")
        else "clients/import_status.html"
    )
    return render(request, template, context)


# --- Portal accounts -------------------------------------------------------------------------


def _selected_contacts(request, form):
    if form.cleaned_data["scope"] == "selected":
        if not form.cleaned_data["ids"]:
            return None
        return list(contacts_by_ids_for_agent(request.agent, form.cleaned_data["ids"]))
    return list(
        contacts_for_agent(request.agent).filter(user__isnull=True).order_by("last_name", "id")
    )


@agent_required
@require_http_methods(["GET", "POST"])
def portal_accounts(request):
    """Create Portal Accounts (temporary passwords) and … with Invite (emails, no passwords)."""
    with_invite = request.GET.get("invite") == "1" or request.POST.get("invite") == "1"
    agent = request.agent
    if request.method == "POST":
        form = PortalAccountsForm(request.POST)
        if not form.is_valid():
            raise Http404("No such contact")
        contacts = _selected_contacts(request, form)
        if contacts is None:
            messages.error(request, "Select contacts first.")
            return redirect("agent:contact_list")
        if with_invite:
            _invite_many(request, [c for c in contacts if not c.user_id])
            return redirect("agent:contact_list")
        results = portal_accounts_create(contacts=contacts, with_password=True)
        created = [r for r in results if r.password]
        token = secrets.token_urlsafe(24)
        if created:
            # Kept briefly and only for the one download; the page itself is the other showing.
            cache.set(
                f"portal-passwords:{agent.pk}:{token}",
                [
                    {"name": r.contact.full_name, "username": r.username, "password": r.password}
                    for r in created
                ],
                PASSWORDS_TTL,
            )
        response = render(
            request,
            "clients/portal_accounts_result.html",
            {
                "created": created,
                "skipped": [r for r in results if r.skipped],
                "token": token,
            },
        )
        response["Cache-Control"] = "no-store"
        return response
    without = contacts_for_agent(agent).filter(user__isnull=True)
    return render(
        request,
        "clients/portal_accounts.html",
        {
            "with_invite": with_invite,
            "without_count": without.count(),
            "without_email_count": without.filter(emails__isnull=True).count(),
            "ids": [i for i in request.GET.getlist("ids") if i.isdigit()],
            "invitation_message": preferences_for_agent(agent).invitation_message,
        },
    )


@agent_required
@require_GET
def portal_accounts_download(request, token: str):
    key = f"portal-passwords:{request.agent.pk}:{token}"
    rows = cache.get(key)
    cache.delete(key)
    if not rows:
        return render(request, "clients/portal_accounts_gone.html", status=410)
    return _csv_response(passwords_csv(rows), "portal-accounts")


# --- Contact Summary -----------------------------------------------------------------------


@agent_required
@require_GET
def contact_summary_view(request):
    period_form = SummaryPeriodForm(request.GET or None)
    period = period_form.cleaned_data.get("period") if period_form.is_valid() else ""
    period = period or "30"
    since = None if period == "all" else timezone.now() - timedelta(days=int(period))
    filter_form = ContactFilterForm(request.GET or None, agent=request.agent)
    filters = filter_form.filters() if filter_form.is_bound else ContactFilters()
    rows = contact_summary(request.agent, since=since, until=None, filters=filters)
    if request.GET.get("format") == "csv":
        return _csv_response(summary_csv(rows), f"contact-summary-{period}")
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    return render(
        request,
        "clients/contact_summary.html",
        {
            "period_form": period_form,
            "period": period,
            "periods": SummaryPeriodForm.PERIODS,
            "page": page,
            "rows": list(page.object_list),
            "columns": SUMMARY_COLUMNS,
            "querystring": params.urlencode(),
        },
    )


# --- Portal Preferences --------------------------------------------------------------------


@agent_required
@require_http_methods(["GET", "POST"])
def portal_preferences(request):
    preferences = preferences_for_agent(request.agent)
    if request.method == "GET" and not preferences.pk:
        preferences.portal_card_fields = list(AgentPreferences.CardField.values)
    form = PortalPreferencesForm(request.POST or None, instance=preferences)
    if request.method == "POST" and form.is_valid():
        preferences_update(
            agent=request.agent,
            **{name: form.cleaned_data[name] for name in PortalPreferencesForm.Meta.fields},
        )
        messages.success(request, "Your portal preferences are saved.")
        return redirect("agent:portal_preferences")
    return render(request, "clients/portal_preferences.html", {"form": form})
