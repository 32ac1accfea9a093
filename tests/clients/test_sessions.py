"""Sessions: a new key at login, and a password change ends every other session."""

from django.test import Client
from django.urls import reverse

from tests.clients.factories import DEFAULT_PASSWORD


def test_login_rotates_the_session_key(client, agent):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("account_login"), {"login": agent.user.email, "password": DEFAULT_PASSWORD})
    assert client.session.session_key != before


def test_password_change_ends_other_sessions_but_keeps_this_one(agent):
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        browser.post(
            reverse("account_login"), {"login": agent.user.email, "password": DEFAULT_PASSWORD}
        )
        assert browser.get(reverse("agent:home")).status_code == 200
    response = here.post(
        reverse("account_change_password"),
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "a-fresh-pass-991",
            "password2": "a-fresh-pass-991",
        },
    )
    assert response.status_code == 302
    assert here.get(reverse("agent:home")).status_code == 200
    assert elsewhere.get(reverse("agent:home")).status_code == 302  # sent to log in again
