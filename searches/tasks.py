"""Celery tasks for searches: take ids (or nothing), safe to run twice."""

from __future__ import annotations

from celery import shared_task

from . import alerts, engagement, matching


@shared_task(name="searches.match_events", acks_late=True)
def match_events(after_event_id: int | None = None) -> int:
    """Matches every listing event not yet matched (the cursor knows where it stopped;
    ``after_event_id`` is the importer's hint, not needed). Then sends ASAP alerts."""
    created = matching.match_pending_events()
    if created:
        # ASAP searches go now (in this task, so the alert cannot wait behind a busy queue).
        alerts.alerts_send_due()
    return created


@shared_task(name="searches.send_due_alerts", acks_late=True)
def send_due_alerts() -> int:
    return alerts.alerts_send_due()


@shared_task(name="searches.review_searches", acks_late=True)
def review_searches() -> dict:
    return engagement.searches_review()


@shared_task(name="searches.first_send", acks_late=True)
def first_send(search_id: int) -> int:
    from .models import SavedSearch

    search = SavedSearch.objects.filter(pk=search_id).first()
    return matching.first_send_matches(search) if search else 0
