from django.contrib import admin

from .models import Listing, ListingMedia


class ListingMediaInline(admin.TabularInline):
    model = ListingMedia
    extra = 0


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
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
    inlines = [ListingMediaInline]
    date_hierarchy = "modification_timestamp"
