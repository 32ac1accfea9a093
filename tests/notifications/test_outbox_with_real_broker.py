"""The outbox against a real Redis broker and real worker processes: broker outages lose
nothing, and racing workers send once."""

import time

import pytest
from django.urls import reverse

from notifications.models import OutboundEmail
from notifications.services import email_enqueue, outbox_sweep
from tests.clients.factories import ContactEmailFactory, ContactFactory
from tests.conftest import celery_broker

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout=45.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def test_invitation_while_the_broker_is_down_is_sent_once_it_is_back(
    client, agent, private_redis, worker_factory, capsys
):
    contact = ContactFactory(agent=agent, first_name="Dee")
    ContactEmailFactory(contact=contact, address="dee@example.com")
    client.force_login(agent.user)
    private_redis.stop()

    with celery_broker(private_redis.url):
        started = time.monotonic()
        response = client.post(reverse("agent:contact_invite", args=[contact.pk]))
        elapsed = time.monotonic() - started
    # The request succeeds; the email waits in the outbox.
    assert response.status_code == 302
    row = OutboundEmail.objects.get(kind="invitation")
    assert row.status == "queued" and row.dispatched_at is None
    with capsys.disabled():
        print(f"\n[measure] invitation request with the broker down took {elapsed:.2f} s")

    private_redis.start()
    worker = worker_factory(private_redis.url).start()
    with celery_broker(private_redis.url):
        assert outbox_sweep() == 1
        assert wait_for(lambda: OutboundEmail.objects.get(pk=row.pk).status == "sent")
        assert outbox_sweep() == 0  # nothing left to send, nothing sent twice
    time.sleep(1)
    files = worker.sent_emails()
    assert len(files) == 1
    assert "dee@example.com" in files[0].read_text()


def test_two_workers_racing_on_one_row_send_it_once(agent, worker_factory, settings):
    contact = ContactFactory(agent=agent)
    ContactEmailFactory(contact=contact, address="race@example.com")
    broker = settings.CELERY_BROKER_URL
    queue = f"race-{int(time.time() * 1000)}"
    workers = [worker_factory(broker, queues=queue).start(name=f"w{i}") for i in range(2)]
    with celery_broker(broker) as app:
        (row,) = email_enqueue(
            kind=OutboundEmail.Kind.SHARE,
            template="portal_invitation",
            context={
                "agent_name": "D",
                "contact_first_name": "R",
                "invitation_url": "x",
                "login_email": "y",
            },
            idempotency_key="race-1",
            to_contact=contact,
        )
        # Both workers get the same row several times over, at the same moment.
        for _ in range(6):
            app.send_task("notifications.send_email", args=[row.pk], queue=queue)
        assert wait_for(lambda: OutboundEmail.objects.get(pk=row.pk).status == "sent")
    time.sleep(2)  # let any duplicate attempt finish before counting
    row.refresh_from_db()
    assert row.attempts == 1
    assert len(workers[0].sent_emails()) == 1  # both workers write to the same folder
