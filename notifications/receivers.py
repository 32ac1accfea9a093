"""Framework integration only: anymail's tracking signal hands the event to a service."""

from anymail.signals import tracking
from django.dispatch import receiver

from .services import delivery_event_record


@receiver(tracking, dispatch_uid="notifications.delivery_event")
def on_tracking_event(sender, event, esp_name, **kwargs):
    delivery_event_record(
        esp_name=esp_name,
        event_id=event.event_id,
        event_type=event.event_type,
        recipient=event.recipient,
        message_id=event.message_id,
        reject_reason=event.reject_reason,
        description=event.description or event.mta_response,
        occurred_at=event.timestamp,
    )
