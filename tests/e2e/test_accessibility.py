"""axe-core in every main page of both faces: no violation of impact serious or critical."""

import json
from pathlib import Path

import pytest

from messaging.services import share_listings
from notifications.tokens import make_contact_token
from tests.clients.factories import DEFAULT_PASSWORD, ContactEmailFactory, ContactFactory
from tests.listings.factories import ListingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
# The pages forbid inline scripts; only this test bypasses that, to inject axe-core.
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


def violations(page) -> list[dict]:
    page.add_script_tag(content=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:3]],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def log_in(page, base, email, password=DEFAULT_PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def check(page, url, found):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    problems = violations(page)
    if problems:
        found[url] = problems


def test_main_pages_have_no_serious_accessibility_violations(
    browser, live_server, agent, client_contact
):
    base = live_server.url
    listing = ListingFactory()
    other = ContactFactory(agent=agent, first_name="Opt", last_name="Out")
    ContactEmailFactory(contact=other, address="opt@example.com")
    share_listings(agent=agent, contacts=[client_contact], listings=[listing], note="Look!")
    found: dict[str, list] = {}

    # Not logged in: login, password reset, the opt-out and opt-in pages.
    anonymous = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    ).new_page()
    for path in [
        "/accounts/login/",
        "/accounts/password/reset/",
        f"/email/unsubscribe/{make_contact_token(other.pk, 'unsubscribe')}/",
        f"/email/opt-in/{make_contact_token(other.pk, 'opt_in')}/",
    ]:
        check(anonymous, base + path, found)

    agent_page = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    ).new_page()
    log_in(agent_page, base, agent.user.email)
    for path in [
        "/agent/",
        "/agent/contacts/",
        f"/agent/contacts/{client_contact.pk}/",
        "/agent/contacts/new/",
        "/agent/listings/",
        f"/agent/listings/{listing.pk}/",
        "/agent/searches/",
        "/agent/settings/profile/",
        "/agent/messages/",
        "/agent/notifications/",
        f"/agent/share/listings/?listing={listing.pk}",
    ]:
        check(agent_page, base + path, found)

    client_page = browser.new_context(
        viewport={"width": 390, "height": 844}, bypass_csp=True
    ).new_page()
    log_in(client_page, base, client_contact.user.email)
    for path in [
        "/portal/",
        "/portal/searches/",
        "/portal/favorites/",
        "/portal/search/",
        f"/portal/listings/{listing.pk}/",
        "/portal/messages/",
    ]:
        check(client_page, base + path, found)

    if found:
        pytest.fail(json.dumps(found, indent=1))
