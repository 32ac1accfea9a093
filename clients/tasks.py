"""Celery interfaces of clients/: ids in, a service does the work."""

from celery import shared_task

from .services import contact_import_run


@shared_task(
    name="clients.import_contacts", acks_late=True, time_limit=15 * 60, soft_time_limit=14 * 60
)
def import_contacts(import_id: int) -> str:
    return contact_import_run(import_id=import_id)
