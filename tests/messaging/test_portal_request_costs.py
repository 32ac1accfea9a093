"""The portal's fixed per-request reads, made cheaper: the session row in one plain statement,
the agent card's fields in one plain statement, constant URLs reversed once. Same behaviour."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clients.context_processors import portal_card_fields
from clients.models import AgentPreferences
from clients.models import UserSession as Session
from clients.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_session_engine_is_the_plain_read_database_store():
    assert settings.SESSION_ENGINE == "clients.sessions"


def test_a_session_saves_loads_and_expires_like_djangos():
    store = SessionStore()
    store["answer"] = 42
    store.save()
    again = SessionStore(store.session_key)
    assert again["answer"] == 42
    assert Session.objects.filter(session_key=store.session_key).exists()

    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.get("answer") is None
    assert expired.session_key is None  # as Django's store: an expired key is dropped


def test_an_unknown_key_is_an_empty_session():
    store = SessionStore("x" * 32)
    assert dict(store.items()) == {} and store.session_key is None


def test_logout_and_a_deleted_session_end_the_login_at_once(client_contact):
    browser = Client()
    browser.force_login(client_contact.user)
    assert browser.get(reverse("portal:dashboard")).status_code == 200
    Session.objects.all().delete()  # e.g. logout elsewhere, or the admin clearing sessions
    response = browser.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_password_change_still_ends_other_sessions(client_contact):
    browser = Client()
    browser.force_login(client_contact.user)
    user = client_contact.user
    user.set_password("a-brand-new-password-123")
    user.save()
    assert browser.get(reverse("portal:dashboard")).status_code == 302


def test_card_fields_default_to_all_until_the_agent_chooses(agent):
    assert portal_card_fields(agent.pk) == set(AgentPreferences.CardField.values)
    AgentPreferences.objects.create(agent=agent, portal_card_fields=["email", "photo"])
    assert portal_card_fields(agent.pk) == {"email", "photo"}
    AgentPreferences.objects.filter(agent=agent).update(portal_card_fields=[])
    assert portal_card_fields(agent.pk) == set()


def test_the_agent_card_follows_portal_preferences(portal_client, agent):
    agent.phone_mobile = "860 555 0101"
    agent.save()
    assert "860 555 0101" in portal_client.get(reverse("portal:dashboard")).content.decode()
    AgentPreferences.objects.create(agent=agent, portal_card_fields=["email"])
    assert "860 555 0101" not in portal_client.get(reverse("portal:dashboard")).content.decode()


def test_link_is_url():
    template = engines["django"].from_string(
        "{% load listing_cards %}{% link 'portal:dashboard' %}|{% link 'portal:listing_detail' 7 %}"
        "|{% link 'portal:feed_item' pk %}"
    )
    assert template.render({"pk": 12}) == "|".join(
        [
            reverse("portal:dashboard"),
            reverse("portal:listing_detail", args=[7]),
            reverse("portal:feed_item", args=[12]),
        ]
    )
