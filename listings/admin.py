"""MLS staff's view of listings and imports.

Listings, their history and import runs are read-only here: the feed is the source of truth and
``listings.services.listing_upsert`` is their only writer (an edit by hand would be overwritten
by the next import, and would leave no history event). Feeds are editable, so staff can point one
at a new URL or reset its high-water mark to replay everything.
"""

import json

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .models import (
    Listing,
    ListingEvent,
    ListingFeed,
    ListingImportRun,
    ListingMedia,
    OpenHouse,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ListingMediaInline(ReadOnlyMixin, admin.TabularInline):
    model = ListingMedia
    extra = 0
    fields = ["order", "preview", "caption", "media_key", "url", "image", "thumbnail"]
    readonly_fields = fields

    @admin.display(description="Photo")
    def preview(self, media):
        if not media.src:
            return "—"
        return format_html('<img src="{}" alt="" style="height:60px">', media.thumb_src)


class OpenHouseInline(ReadOnlyMixin, admin.TabularInline):
    model = OpenHouse
    extra = 0
    fields = ["start_time", "end_time", "remarks", "open_house_key"]
    readonly_fields = fields


class ListingEventInline(ReadOnlyMixin, admin.TabularInline):
    model = ListingEvent
    extra = 0
    fields = ["occurred_at", "kind", "old_status", "new_status", "old_price", "new_price"]
    readonly_fields = fields
    ordering = ["-occurred_at", "-id"]


@admin.register(Listing)
class ListingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "listing_id",
        "__str__",
        "standard_status",
        "list_price",
        "city",
        "modification_timestamp",
    ]
    list_filter = ["standard_status", "property_type", "city"]
    search_fields = ["listing_key", "listing_id", "street_name", "city", "postal_code"]
    inlines = [ListingEventInline, OpenHouseInline, ListingMediaInline]
    date_hierarchy = "modification_timestamp"
    show_full_result_count = False  # COUNT(*) over a whole MLS on every admin page is slow


@admin.register(ListingEvent)
class ListingEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "kind",
        "listing",
        "old_status",
        "new_status",
        "old_price",
        "new_price",
        "recorded_at",
    ]
    list_filter = ["kind"]
    list_select_related = ["listing"]
    search_fields = ["listing__listing_key", "listing__listing_id"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["listing"]
    show_full_result_count = False


@admin.register(OpenHouse)
class OpenHouseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["start_time", "end_time", "listing", "remarks"]
    list_select_related = ["listing"]
    search_fields = ["listing__listing_key", "listing__listing_id", "listing__city"]
    date_hierarchy = "start_time"
    raw_id_fields = ["listing"]


@admin.register(ListingFeed)
class ListingFeedAdmin(admin.ModelAdmin):
    list_display = ["name", "base_url", "high_water_mark", "last_run_at", "last_status", "runs"]
    readonly_fields = ["last_run_at", "last_status", "last_error", "runs"]
    fields = ["name", "base_url", "high_water_mark", *readonly_fields]
    actions = ["reset_high_water_mark"]

    @admin.display(description="Import runs")
    def runs(self, feed):
        url = reverse("admin:listings_listingimportrun_changelist") + f"?feed__id__exact={feed.pk}"
        return format_html('<a href="{}">Runs of this feed</a>', url)

    @admin.action(description="Reset the high-water mark (the next run fetches everything)")
    def reset_high_water_mark(self, request, queryset):
        count = queryset.update(high_water_mark=None)
        self.message_user(
            request, f"Reset {count} feed(s); their next run replays the whole feed.", messages.INFO
        )


@admin.register(ListingImportRun)
class ListingImportRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "started_at",
        "source",
        "feed",
        "status",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "finished_at",
    ]
    list_filter = ["status", "feed"]
    list_select_related = ["feed"]
    search_fields = ["source"]
    date_hierarchy = "started_at"
    exclude = ["errors"]
    readonly_fields = ["errors_table"]

    @admin.display(description="Refused records and failures")
    def errors_table(self, run):
        if not run.errors:
            return "None"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    "run" if error.get("index") is None else error["index"],
                    error.get("listing_key") or "—",
                    error.get("message", json.dumps(error)),
                )
                for error in run.errors
            ),
        )
        return format_html(
            "<table><thead><tr><th>Record</th><th>ListingKey</th><th>Why</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )


# --- CMAs and market reports: agents' work, shown to MLS staff for support (read-only) -------

from .models import Cma, CmaComparable, MarketReport  # noqa: E402


class CmaComparableInline(ReadOnlyMixin, admin.TabularInline):
    model = CmaComparable
    extra = 0
    fields = ["listing", "adjustment_amount", "adjustment_percent", "adjustment_note", "order"]
    readonly_fields = fields


@admin.register(Cma)
class CmaAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "agent", "contact", "status", "send_count", "updated_at"]
    list_filter = ["status", "property_type"]
    list_select_related = ["agent", "contact"]
    search_fields = ["title", "address", "agent__display_name"]
    raw_id_fields = ["agent", "contact", "subject_listing"]
    inlines = [CmaComparableInline]


@admin.register(MarketReport)
class MarketReportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "agent", "area_kind", "area_value", "period_months", "schedule"]
    list_display += ["status", "refreshed_month", "updated_at"]
    list_filter = ["schedule", "status", "area_kind"]
    list_select_related = ["agent"]
    search_fields = ["title", "area_value", "agent__display_name"]
    raw_id_fields = ["agent"]
    filter_horizontal = ["recipients"]
