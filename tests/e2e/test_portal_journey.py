"""Issue 6's journey in Chromium: the invitation email's link → set a password → the branded
Dashboard with the agent's card and feed → filter the feed → favorite and comment on a home →
the agent sees both. Emails go through the file backend, as a real mail client would read them."""

import re
from pathlib import Path

import pytest

from clients.models import Contact
from messaging.services import share_listings
from tests.clients.factories import DEFAULT_PASSWORD, ContactEmailFactory, ContactFactory
from tests.listings.factories import ListingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def read_link(email_dir: Path, pattern: str) -> str:
    texts = [path.read_text() for path in sorted(email_dir.glob("*.log"))]
    for text in reversed(texts):
        match = re.search(pattern, text)
        if match:
            return match.group(0)
    raise AssertionError(f"no email with {pattern!r} in {email_dir}")


def test_invitation_to_dashboard_to_favorite_and_comment(
    browser, live_server, agent, settings, tmp_path, screenshot
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "emails")
    settings.SITE_URL = live_server.url
    contact = ContactFactory(agent=agent, first_name="Nora", last_name="Journey")
    ContactEmailFactory(contact=contact, address="nora@example.com")
    homes = ListingFactory.create_batch(2, city="Guilford")

    agent_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    agent_page.goto(f"{live_server.url}/accounts/login/")
    agent_page.get_by_label("Email").fill(agent.user.email)
    agent_page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    agent_page.get_by_role("button", name="Sign in").click()
    agent_page.goto(f"{live_server.url}/agent/contacts/{contact.pk}/")
    agent_page.get_by_role("button", name="Invite Nora to the portal").click()
    agent_page.wait_for_load_state()
    screenshot(agent_page, "journey-1-agent-invites")

    share_listings(
        agent=agent,
        contacts=[Contact.objects.get(pk=contact.pk)],
        listings=homes,
        note="Two homes near the green",
    )

    link = read_link(tmp_path / "emails", re.escape(live_server.url) + r"/portal/invitation/\S+")
    client_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    client_page.goto(link)
    passwords = client_page.locator("input[type=password]")
    passwords.nth(0).fill("nora-portal-pass-42")
    passwords.nth(1).fill("nora-portal-pass-42")
    screenshot(client_page, "journey-2-set-password")
    client_page.get_by_role("button", name="Open my portal").click()
    client_page.wait_for_url(f"{live_server.url}/portal/")

    assert client_page.get_by_role("heading", name=agent.display_name).first.is_visible()
    assert client_page.get_by_text("2 homes from").first.is_visible()
    screenshot(client_page, "journey-3-dashboard")

    client_page.select_option("#feed-category", "documents")
    client_page.wait_for_url(re.compile(r".*category=documents.*"))
    assert client_page.get_by_text("2 homes from").count() == 0
    client_page.select_option("#feed-category", "listings")
    client_page.select_option("#feed-period", "1")
    client_page.wait_for_url(re.compile(r".*period=1.*"))
    assert client_page.get_by_text("2 homes from").first.is_visible()

    client_page.goto(f"{live_server.url}/portal/listings/{homes[0].pk}/")
    client_page.locator("#reactions button[value=favorite]").click()
    client_page.wait_for_selector("#reactions button[value=clear][aria-pressed=true]")
    client_page.locator("textarea[name=body]").fill("Love the porch. Can we see it Saturday?")
    client_page.get_by_role("button", name="Post comment").click()
    client_page.wait_for_selector("text=Love the porch")
    screenshot(client_page, "journey-4-favorite-and-comment")

    agent_page.goto(f"{live_server.url}/agent/contacts/{contact.pk}/")
    body = agent_page.locator("body").inner_text()
    assert "Love the porch" in body
    assert "Marked Favorite" in body
    screenshot(agent_page, "journey-5-agent-sees-activity")
