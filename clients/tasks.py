"""Celery interfaces of clients/: ids in, a service does the work."""

from celery import shared_task

from .services import contact_import_run, portal_versions_prune


@shared_task(
    name="clients.import_contacts", acks_late=True, time_limit=15 * 60, soft_time_limit=14 * 60
)
def import_contacts(import_id: int) -> str:
    return contact_import_run(import_id=import_id)


@shared_task(name="clients.prune_portal_versions", acks_late=True, time_limit=10 * 60)
def prune_portal_versions() -> int:
    return portal_versions_prune()
