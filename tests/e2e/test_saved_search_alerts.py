"""Saved searches in Chromium: the agent saves an automatic, screened search for a client from
Search Listings (only the alert settings that apply are shown), finds it on Saved searches,
approves screened matches, sees who is looking on a listing's page; the client changes how often
the alerts come and switches them off."""

import pytest
from django.utils import timezone

from searches.models import SavedSearch, SearchMatch, SearchTally
from tests.clients.factories import DEFAULT_PASSWORD, AgentFactory, ContactFactory
from tests.listings.factories import ListingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(browser, base, email, *, width=1280):
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text)
        if m.type == "error" and "Content Security" in m.text
        else 0,
    )
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.csp_errors = errors
    return page


def test_agent_saves_screens_and_client_tunes_alerts(
    browser, live_server, agent, client_contact, screenshot
):
    base = live_server.url
    client_contact.reverse_prospecting = True
    client_contact.save()
    homes = [
        ListingFactory(city="Hartford", street_name=name, list_price=price)
        for name, price in (("Elm", 385000), ("Oak", 429000), ("Birch", 512000))
    ]

    agent_page = login(browser, base, agent.user.email)
    agent_page.goto(f"{base}/agent/listings/?q=Hartford")
    agent_page.get_by_text("Save this search").first.click()
    panel = agent_page.locator(".save-search__panel")
    # Just for the agent: no alert settings, a hint instead.
    assert panel.locator("[data-save-alerts-hint]").is_visible()
    assert not panel.get_by_label("How often").is_visible()
    panel.get_by_label("Name this search").fill("Hartford starter homes")
    panel.get_by_label("For client").select_option(str(client_contact.pk))
    assert panel.get_by_label("How often").is_visible()
    assert not panel.get_by_label("On", exact=True).is_visible()
    panel.get_by_label("How often").select_option("weekly")
    assert panel.get_by_label("On", exact=True).is_visible()
    panel.get_by_label("On", exact=True).select_option("4")
    panel.get_by_label("Let me review matches before my client sees them").check()
    panel.get_by_role("button", name="Save search").click()
    agent_page.wait_for_load_state()
    assert "New matches will be emailed after your review." in agent_page.content()
    search = SavedSearch.objects.get(name="Hartford starter homes")
    assert (search.kind, search.frequency, search.send_weekday) == ("automatic", "weekly", 4)
    assert search.requires_screening and search.contact_id == client_contact.pk

    # A few more searches so the list reads like a real book of business.
    now = timezone.now()
    colonials = SavedSearch.objects.create(
        agent=agent,
        contact=client_contact,
        name="West Hartford colonials",
        criteria={"q": "West Hartford", "beds": 4, "type": "Residential"},
        kind="automatic",
        frequency="daily",
        emails_sent=38,
        last_alert_at=now,
        flagged_broad_at=now,
        created_by=agent.user,
    )
    cottages = SavedSearch.objects.create(
        agent=agent,
        contact=client_contact,
        name="Lake cottages",
        criteria={"q": "Coventry", "max_price": 350000},
        kind="automatic",
        frequency="weekly",
        slowed_from="daily",
        emails_sent=11,
        is_paused=True,
        paused_by="system",
        created_by=agent.user,
    )
    SearchTally.objects.create(search=colonials, match_count=612, last_match_at=now)
    SearchTally.objects.create(search=cottages, match_count=4)
    # "All current matches" went to the agent's queue first, since the search is screened.
    assert set(search.matches.values_list("listing_id", "state")) == {
        (home.pk, "screening") for home in homes
    }

    agent_page.goto(f"{base}/agent/searches/")
    agent_page.locator(".nav-count").wait_for()
    assert agent_page.locator(".nav-count").inner_text().startswith("3")
    assert agent_page.get_by_text("500+ matches — narrow it").is_visible()
    assert agent_page.get_by_text("Paused after no reply").first.is_visible()
    screenshot(agent_page, "searches_agent_list")

    agent_page.get_by_role("link", name="Review 3 matches").click()
    agent_page.wait_for_load_state()
    agent_page.get_by_label("Select all 3 homes for Hartford starter homes").check()
    assert agent_page.locator("[data-screening-count]").inner_text() == "3"
    agent_page.get_by_label("Elm St", exact=False).uncheck()
    assert agent_page.locator("[data-screening-count]").inner_text() == "2"
    screenshot(agent_page, "searches_screening")
    agent_page.get_by_role("button", name="Approve selected").click()
    agent_page.wait_for_load_state()
    assert "Approved 2 homes" in agent_page.content()
    states = dict(SearchMatch.objects.values_list("listing__street_name", "state"))
    assert states == {"Elm": "screening", "Oak": "ready", "Birch": "ready"}

    # Reverse prospecting on the listing page, loaded by htmx; another agent's client is a count.
    rival = AgentFactory(display_name="Rita Rival", public_email="rita@rival.example")
    secret = ContactFactory(agent=rival, first_name="Secret", reverse_prospecting=True)
    SavedSearch.objects.create(
        agent=rival, contact=secret, name="Rival wish", criteria={"q": "Hartford"}
    )
    agent_page.goto(f"{base}/agent/listings/{homes[1].pk}/")
    prospects = agent_page.locator("#prospects")
    prospects.wait_for()
    assert "Ann O'Neil" in prospects.inner_text()
    assert "Rita Rival" in prospects.inner_text() and "Secret" not in prospects.inner_text()
    prospects.scroll_into_view_if_needed()
    screenshot(agent_page, "listing_prospects")
    prospects.get_by_role("link", name="Send this listing to Ann O'Neil").click()
    agent_page.wait_for_load_state()
    assert agent_page.url.startswith(f"{base}/agent/share/listings/")
    assert not agent_page.csp_errors, agent_page.csp_errors

    # The client: My Searches, change how often, then switch alerts off.
    client_page = login(browser, base, client_contact.user.email)
    client_page.goto(f"{base}/portal/searches/")
    row = client_page.locator(f"#agent-search-{search.pk}")
    row.get_by_text("Alert settings").click()
    row.get_by_label("How often").select_option("daily")
    assert not row.get_by_label("On", exact=True).is_visible()
    row.get_by_label("At").select_option("18")
    row.get_by_label("Sold / closed").check()
    row.get_by_role("button", name="Save settings").click()
    client_page.wait_for_load_state()
    assert "Saved. Alerts for “Hartford starter homes”: Daily at 6:00 PM." in client_page.content()
    search.refresh_from_db()
    assert (search.frequency, search.send_hour) == ("daily", 18)
    client_page.locator(f"#agent-search-{search.pk}").get_by_role(
        "button", name="Turn alerts off"
    ).click()
    client_page.wait_for_load_state()
    assert "has been told" in client_page.content()
    search.refresh_from_db()
    assert search.client_alerts_off
    screenshot(client_page, "searches_portal_my_searches")
    assert not client_page.csp_errors, client_page.csp_errors


def test_saved_search_pages_have_no_serious_accessibility_violations(
    browser, live_server, agent, client_contact
):
    from tests.e2e.test_accessibility import check

    base = live_server.url
    client_contact.reverse_prospecting = True
    client_contact.save()
    home = ListingFactory(city="Hartford")
    screened = SavedSearch.objects.create(
        agent=agent,
        contact=client_contact,
        name="Screened",
        criteria={"q": "Hartford"},
        kind="automatic",
        requires_screening=True,
        flagged_broad_at=timezone.now(),
        created_by=agent.user,
    )
    SearchMatch.objects.create(
        search=screened, listing=home, reason="new", state="screening", matched_at=timezone.now()
    )
    SavedSearch.objects.create(
        agent=agent,
        contact=client_contact,
        name="Mine",
        kind="automatic",
        created_by=client_contact.user,
    )
    found: dict[str, list] = {}
    for email, width, paths in [
        (
            agent.user.email,
            1280,
            [
                "/agent/searches/",
                "/agent/searches/screening/",
                f"/agent/searches/{screened.pk}/edit/",
                f"/agent/searches/{screened.pk}/delete/",
                f"/agent/listings/{home.pk}/",
            ],
        ),
        (client_contact.user.email, 390, ["/portal/searches/"]),
    ]:
        page = browser.new_context(
            viewport={"width": width, "height": 900}, bypass_csp=True
        ).new_page()
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        for path in paths:
            check(page, base + path, found)
    assert not found, found
