"""Celery interfaces over the outbox services: ids in, idempotent, short time limits."""

from celery import shared_task

from . import services

# Far below the broker's visibility timeout (1 h), so a message is never redelivered mid-send.
SEND_TIME_LIMIT = 60


@shared_task(
    name="notifications.send_email",
    queue="email",
    time_limit=SEND_TIME_LIMIT,
    soft_time_limit=SEND_TIME_LIMIT - 15,
    ignore_result=True,
)
def send_email(email_id: int) -> str:
    return services.email_send(email_id=email_id)


@shared_task(name="notifications.sweep_outbox", queue="email", time_limit=120, soft_time_limit=100)
def sweep_outbox() -> int:
    return services.outbox_sweep() + services.delivery_events_sweep()


@shared_task(
    name="notifications.process_delivery_event", queue="email", time_limit=60, soft_time_limit=45
)
def process_delivery_event(event_id: int) -> str:
    return services.delivery_event_process(event_id=event_id)
