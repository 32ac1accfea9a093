"""The Celery app. Configuration lives in Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal_project.settings.local")

app = Celery("portal_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="portal.ping", ignore_result=False, time_limit=30, soft_time_limit=20)
def ping(value: str = "pong") -> str:
    """Round-trip check for the broker and a worker (used by tests and the health page)."""
    return value
