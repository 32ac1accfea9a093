"""Issue 9's journey 2 in Chromium: the client follows the unsubscribe link in an email and
confirms; the agent's notice arrives; the agent restores the client from the notice's link; the
contact stays Inactive (no email reaches them) until the agent sets Active on the client's page;
then emails resume. Emails go through the file backend and are read as a mail client would."""

import re
from pathlib import Path

import pytest

from clients.models import Contact
from messaging.services import share_listings
from notifications.models import OutboundEmail
from tests.clients.factories import DEFAULT_PASSWORD, ContactEmailFactory, ContactFactory
from tests.listings.factories import ListingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CLIENT_ADDRESS = "liz.optout@example.com"


def emails_to(email_dir: Path, address: str) -> list[str]:
    texts = [path.read_text() for path in sorted(email_dir.glob("*.log"))]
    return [text for text in texts if re.search(rf"^To: .*{re.escape(address)}", text, re.M)]


def link_in(text: str, pattern: str) -> str:
    match = re.search(pattern, text)
    assert match, f"no link matching {pattern!r} in the email"
    return match.group(0)


def share_a_home(agent, contact, city: str):
    share_listings(
        agent=agent,
        contacts=[Contact.objects.get(pk=contact.pk)],
        listings=[ListingFactory(city=city)],
        note=f"A new home in {city}",
    )


def test_unsubscribe_notice_restore_and_reactivate(
    browser, live_server, agent, settings, tmp_path, screenshot
):
    email_dir = tmp_path / "emails"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(email_dir)
    settings.SITE_URL = live_server.url
    contact = ContactFactory(agent=agent, first_name="Liz", last_name="Optout", status="active")
    ContactEmailFactory(contact=contact, address=CLIENT_ADDRESS)

    share_a_home(agent, contact, "Madison")
    (first_email,) = emails_to(email_dir, CLIENT_ADDRESS)
    unsubscribe = link_in(first_email, re.escape(live_server.url) + r"/email/unsubscribe/\S+/")

    # The client, not logged in anywhere, follows the link from the email.
    client_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    client_page.goto(unsubscribe)
    assert client_page.get_by_role("button", name="Confirm Opt-Out").is_visible()
    screenshot(client_page, "journey-optout-1-confirm-page")
    contact.refresh_from_db()
    assert contact.email_opted_out_at is None  # opening the page changes nothing
    client_page.get_by_role("button", name="Confirm Opt-Out").click()
    client_page.get_by_text("You are unsubscribed").first.wait_for()
    screenshot(client_page, "journey-optout-2-unsubscribed")
    contact.refresh_from_db()
    assert contact.is_opted_out and contact.status == Contact.Status.INACTIVE

    # The agent's notice arrives, with a link to restore the client.
    (notice,) = emails_to(email_dir, agent.user.email)
    assert "Liz Optout" in notice and "unsubscribed" in notice
    restore = link_in(
        notice, re.escape(live_server.url) + rf"/agent/contacts/{contact.pk}/restore/"
    )

    agent_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    agent_page.goto(f"{live_server.url}/accounts/login/")
    agent_page.get_by_label("Email").fill(agent.user.email)
    agent_page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    agent_page.get_by_role("button", name="Sign in").click()
    agent_page.wait_for_url(re.compile(r".*/agent/.*"))
    agent_page.goto(restore)
    screenshot(agent_page, "journey-optout-3-agent-restore-confirm")
    agent_page.get_by_role("button", name="Yes, opt Liz back in").click()
    agent_page.wait_for_url(re.compile(rf".*/agent/contacts/{contact.pk}/.*"))
    assert agent_page.get_by_text("still Inactive").first.is_visible()
    screenshot(agent_page, "journey-optout-4-restored-still-inactive")
    contact.refresh_from_db()
    assert not contact.is_opted_out and contact.status == Contact.Status.INACTIVE

    # Restored but Inactive: what the agent sends now reaches no inbox.
    share_a_home(agent, contact, "Branford")
    assert len(emails_to(email_dir, CLIENT_ADDRESS)) == 1
    held = OutboundEmail.objects.filter(to_address=CLIENT_ADDRESS).latest("created_at")
    assert held.status == "suppressed" and held.suppressed_reason == "contact_inactive"

    # The agent sets the status to Active on the client's page; emails resume.
    agent_page.goto(f"{live_server.url}/agent/contacts/{contact.pk}/")
    agent_page.get_by_label("Status", exact=True).select_option("active")
    agent_page.locator(f"form[action='/agent/contacts/{contact.pk}/status/'] button").click()
    agent_page.wait_for_load_state()
    screenshot(agent_page, "journey-optout-5-set-active")
    contact.refresh_from_db()
    assert contact.status == Contact.Status.ACTIVE

    share_a_home(agent, contact, "Clinton")
    delivered = emails_to(email_dir, CLIENT_ADDRESS)
    assert len(delivered) == 2 and "Clinton" in delivered[-1]
