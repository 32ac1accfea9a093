"""A task round-trips through the real Redis broker to a real worker process and back."""

import pytest

from portal_project.celery import app, ping


@pytest.mark.celery_worker
def test_task_round_trips_through_redis_and_a_worker(celery_worker_queue):
    app.conf.task_always_eager = False
    try:
        result = ping.apply_async(args=["hello from the test"], queue=celery_worker_queue)
        assert result.get(timeout=60) == "hello from the test"
        assert result.successful()
    finally:
        app.conf.task_always_eager = True


def test_tasks_are_autodiscovered_and_json_only():
    assert "portal.ping" in app.tasks
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert (
        app.conf.task_time_limit
        and app.conf.task_time_limit < app.conf.broker_transport_options["visibility_timeout"]
    )
