"""MLS staff create agents from the command line; the agent chooses a password from an email."""

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from clients.models import Agent, User


def test_create_agent_sends_a_working_set_password_link(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_agent", "New.Agent@Example.com", "--name", "Nia Agent")
    agent = Agent.objects.select_related("user").get()
    assert agent.user.email == "new.agent@example.com"
    assert agent.user.role == User.Role.AGENT
    assert not agent.user.has_usable_password()

    (message,) = mail.outbox
    assert message.to == ["new.agent@example.com"]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", message.body).group(1)
    html = message.alternatives[0][0]
    assert link in html

    page = client.get(link, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = client.post(
        form_url, {"password1": "a-new-strong-pass-42", "password2": "a-new-strong-pass-42"}
    )
    assert response.status_code == 302
    agent.user.refresh_from_db()
    assert agent.user.check_password("a-new-strong-pass-42")

    # The link is single-use: the password change invalidates it.
    client.logout()
    reused = client.get(link, follow=True)
    assert b"password1" not in reused.content


def test_create_agent_refuses_a_duplicate_email(db):
    call_command("create_agent", "dup@example.com", "--no-email")
    with pytest.raises(CommandError, match="already an account"):
        call_command("create_agent", "DUP@example.com", "--no-email")
    assert Agent.objects.count() == 1


@pytest.mark.parametrize("bad", ["not-an-email", "", "a@", "x" * 300 + "@example.com"])
def test_create_agent_refuses_a_malformed_email(db, bad):
    with pytest.raises(CommandError):
        call_command("create_agent", bad, "--no-email")
    assert not User.objects.exists()


def test_password_reset_goes_through_the_outbox(client, agent, django_capture_on_commit_callbacks):
    from notifications.models import OutboundEmail

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": agent.user.email.upper()})
    assert response.status_code == 302
    row = OutboundEmail.objects.get()
    assert row.kind == "account" and row.status == "sent" and row.to_user == agent.user
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", message.body).group(1)
    page = client.get(link, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    client.post(form_url, {"password1": "brand-new-pass-77", "password2": "brand-new-pass-77"})
    agent.user.refresh_from_db()
    assert agent.user.check_password("brand-new-pass-77")


def test_password_reset_for_an_unknown_address_sends_nothing(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "stranger@example.com"})
    assert response.status_code == 302  # same answer as for a known address: no enumeration
    assert mail.outbox == []
