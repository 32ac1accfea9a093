"""Both roles log in through the real login page in Chromium and land on their own home."""

import pytest

from tests.clients.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, email, password=DEFAULT_PASSWORD):
    page.goto(f"{base_url}/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_client_lands_on_the_branded_portal(page, live_server, client_contact, screenshot):
    log_in(page, live_server.url, client_contact.user.email)
    assert page.url == f"{live_server.url}/portal/"
    agent = client_contact.agent
    assert page.get_by_text(agent.display_name).first.is_visible()
    tabs = page.get_by_role("navigation", name="Portal")
    for tab in ["Dashboard", "My Searches", "Favorites & Comments", "Search Listings"]:
        assert tabs.get_by_role("link", name=tab).count() == 1
    screenshot(page, "client-portal-dashboard")

    # The back-office is closed to clients, with a page that leads them home.
    response = page.goto(f"{live_server.url}/agent/")
    assert response.status == 403
    assert page.get_by_role("link", name="portal", exact=False).count() >= 1


def test_agent_lands_on_the_back_office(page, live_server, agent, client_contact, screenshot):
    log_in(page, live_server.url, agent.user.email)
    assert page.url == f"{live_server.url}/agent/"
    page.get_by_role("link", name="Contacts").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("O'Neil").first.is_visible()
    screenshot(page, "agent-contacts")


def test_portal_fits_a_phone_screen(phone_page, live_server, client_contact, screenshot):
    log_in(phone_page, live_server.url, client_contact.user.email)
    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, "the portal scrolls sideways on a phone"
    screenshot(phone_page, "client-portal-phone")


def test_wrong_password_shows_a_message_in_words(page, live_server, agent):
    log_in(page, live_server.url, agent.user.email, "wrong-password")
    assert "/accounts/login/" in page.url
    assert page.get_by_text("not correct").first.is_visible()
