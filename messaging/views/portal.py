"""The client's side: Dashboard with the feed, an item, a shared document, the message thread."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from clients.decorators import client_required
from listings.page_cache import cached_portal_page

from ..forms import FeedFilterForm, MessageForm
from ..selectors import (
    dashboard_counts,
    dashboard_feed_page,
    get_document_for_client,
    get_feed_item_for_client,
    thread_for_contact,
)
from ..services import feed_item_open, message_send, messages_mark_read

FEED_PAGE_SIZE = 20


@cached_portal_page()
@client_required
def dashboard(request):
    contact = request.client_contact
    form = FeedFilterForm(request.GET or None)
    category, period = "all", "all"
    if form.is_valid():
        category = form.cleaned_data["category"] or "all"
        period = form.cleaned_data["period"] or "all"
    page = dashboard_feed_page(
        contact,
        category=category,
        period=period,
        number=request.GET.get("page"),
        per_page=FEED_PAGE_SIZE,
    )
    context = {
        "form": form,
        "category": category,
        "period": period,
        "page": page,
        "items": page.object_list,
        "counts": dashboard_counts(contact),
    }
    if request.headers.get("HX-Request"):
        return render(request, "messaging/_feed.html", context)
    return render(request, "messaging/portal_dashboard.html", context)


@client_required
def feed_item(request, pk: int):
    item = get_feed_item_for_client(request.client_contact, pk)
    feed_item_open(item=item)
    # Items made by other apps (CMAs, reports, search alerts) live on their own portal page.
    target = item.payload.get("url", "")
    if target.startswith("/portal/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts=None
    ):
        return redirect(target)
    return render(request, "messaging/portal_feed_item.html", {"item": item})


@client_required
def document_download(request, pk: int):
    document = get_document_for_client(request.client_contact, pk)
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=False,
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@client_required
@require_http_methods(["GET", "POST"])
def thread(request):
    contact = request.client_contact
    form = MessageForm(request.POST or None, initial={"listing": request.GET.get("listing")})
    if request.method == "POST" and form.is_valid():
        try:
            message_send(
                contact=contact,
                sender=request.user,
                body=form.cleaned_data["body"],
                listing=form.cleaned_data["listing"],
            )
        except ValidationError as error:
            form.add_error("body", error)
        else:
            flash.success(request, f"Message sent to {contact.agent.display_name}.")
            return redirect("portal:messages")
    messages_mark_read(contact=contact, reader=request.user)
    return render(
        request,
        "messaging/portal_thread.html",
        {"form": form, "thread": thread_for_contact(contact)},
    )
