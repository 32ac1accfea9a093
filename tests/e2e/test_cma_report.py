"""Issue 8 in Chromium: the agent starts a CMA from a listing, adjusts a comparable and sends it;
the client opens it from the Dashboard feed (map markers drawn, no CSP refusals); a market report
renders its SVG charts; the print stylesheet hides the chrome."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.clients.factories import DEFAULT_PASSWORD
from tests.listings.factories import ListingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_cma_from_listing_to_the_clients_portal(
    browser, page, live_server, agent, client_contact, screenshot
):
    today = timezone.localdate()
    home = ListingFactory(living_area=2000)
    for number, price in enumerate(["410000", "430000", "450000", "470000"]):
        ListingFactory(
            standard_status="Closed",
            list_price=Decimal(price),
            close_price=Decimal(price),
            close_date=today - dt.timedelta(days=20 + number * 15),
            latitude=Decimal("41.7650") + number * Decimal("0.001"),
        )
    login(page, live_server.url, agent.user.email)
    page.goto(f"{live_server.url}/agent/listings/{home.pk}/")
    page.get_by_role("link", name="Start a CMA").click()
    page.get_by_role("button", name="Find comparables").click()
    page.wait_for_load_state()
    assert "4 suggested comparables" in page.content()
    assert page.locator(".range__value").inner_text().startswith("$")
    page.get_by_label("Percent adjustment for comparable 1").fill("5")
    page.get_by_label("Reason for the adjustment of comparable 1").fill("Finished basement")
    page.locator(".adjust-form").first.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Adjustment saved" in page.content()
    page.wait_for_selector("[data-cma-map][data-marker-count='5']")
    screenshot(page, "cma-1-edit")
    page.get_by_role("link", name="Send to clients").click()
    page.get_by_label(client_contact.full_name).check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    assert "CMA sent to 1" in page.content()

    client = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    login(client, live_server.url, client_contact.user.email)
    client.locator("#feed h3 a", has_text="CMA for").first.click()
    client.wait_for_load_state()
    assert "/portal/cmas/" in client.url
    client.wait_for_selector("[data-cma-map][data-marker-count='5']")
    assert "Finished basement" in client.content()
    screenshot(client, "cma-2-portal-phone")
    client.emulate_media(media="print")
    assert not client.locator(".portal-header").is_visible()
    assert client.locator(".report__range").is_visible()


def test_market_report_page_has_charts_and_table(page, live_server, agent, screenshot):
    today = timezone.localdate()
    for days in (10, 40, 70, 100):
        ListingFactory(
            standard_status="Closed",
            close_price=Decimal("400000"),
            close_date=today - dt.timedelta(days=days),
            listing_contract_date=today - dt.timedelta(days=days + 30),
        )
    login(page, live_server.url, agent.user.email)
    page.goto(f"{live_server.url}/agent/reports/new/")
    page.get_by_label("City or ZIP code").fill("Hartford")
    page.get_by_label("Period (months)").fill("6")
    page.get_by_role("button", name="Create report").click()
    page.wait_for_load_state()
    assert page.locator("svg.chart").count() == 4
    assert page.locator("table tbody tr").count() == 6
    assert "homes closed in Hartford" in page.content()
    screenshot(page, "report-1-agent")


def test_cma_and_report_pages_have_no_serious_accessibility_violations(
    browser, live_server, agent, client_contact
):
    from listings import cma as cmas
    from listings import market
    from listings.models import Cma, CmaComparable
    from tests.e2e.test_accessibility import violations

    today = timezone.localdate()
    cma = Cma.objects.create(
        agent=agent,
        title="CMA for 1 Elm St",
        address="1 Elm St",
        city="Hartford",
        latitude=Decimal("41.7637"),
        longitude=Decimal("-72.6851"),
        living_area=1850,
    )
    for days in (20, 50):
        comp = ListingFactory(
            standard_status="Closed",
            close_price=Decimal("400000"),
            close_date=today - dt.timedelta(days=days),
        )
        CmaComparable.objects.create(cma=cma, listing=comp)
    cmas.cma_send(cma=cma, contacts=[client_contact], send_no=1)
    report = market.report_save(
        agent=agent, data={"area_kind": "city", "area_value": "Hartford", "period_months": 6}
    )
    market.report_send(report=report, contacts=[client_contact], send_no=1)
    found = {}
    for user, width, paths in [
        (
            agent.user,
            1280,
            [
                "/agent/cmas/",
                "/agent/cmas/new/",
                f"/agent/cmas/{cma.pk}/edit/",
                f"/agent/cmas/{cma.pk}/",
                f"/agent/cmas/{cma.pk}/send/",
                "/agent/reports/",
                "/agent/reports/new/",
                f"/agent/reports/{report.pk}/",
            ],
        ),
        (client_contact.user, 390, [f"/portal/cmas/{cma.pk}/", f"/portal/reports/{report.pk}/"]),
    ]:
        page = browser.new_context(
            viewport={"width": width, "height": 900}, bypass_csp=True
        ).new_page()
        login(page, live_server.url, user.email)
        for path in paths:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            problems = violations(page)
            if problems:
                found[path] = problems
    assert not found, found
