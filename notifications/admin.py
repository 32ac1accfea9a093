from django.contrib import admin

from .models import DeliveryEvent, OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "to_address",
        "subject",
        "status",
        "suppressed_reason",
        "attempts",
    ]
    list_filter = ["status", "kind", "suppressed_reason"]
    search_fields = ["to_address", "subject", "idempotency_key", "provider_message_id"]
    raw_id_fields = ["agent", "to_contact", "to_user"]
    readonly_fields = [
        "idempotency_key",
        "provider_message_id",
        "sent_at",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(admin.ModelAdmin):
    list_display = [
        "received_at",
        "esp_name",
        "event_type",
        "recipient",
        "reject_reason",
        "processed_at",
    ]
    list_filter = ["event_type", "esp_name"]
    search_fields = ["recipient", "provider_message_id", "event_key"]
    raw_id_fields = ["outbound_email"]
