"""CMAs: comparable selection rules, adjustments and the suggested range, delivery into the feed
and the outbox, isolation, hostile input and query counts. Also the market report pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from listings import cma as cmas
from listings import market
from listings.models import Cma, CmaComparable, MarketReport
from listings.tasks import reports_monthly_update
from messaging.models import FeedItem
from notifications.models import OutboundEmail
from tests.listings.factories import ListingFactory

LAT, LNG = Decimal("41.763700"), Decimal("-72.685100")
TODAY = timezone.localdate()


def subject(agent, **kwargs):
    fields = {
        "agent": agent,
        "title": "CMA for 12 Oak St",
        "address": "12 Oak St",
        "city": "Hartford",
        "postal_code": "06105",
        "latitude": LAT,
        "longitude": LNG,
        "bedrooms": 3,
        "living_area": 2000,
        "radius_miles": Decimal("1.0"),
        "closed_within_months": 6,
    }
    return Cma.objects.create(**{**fields, **kwargs})


def closed(price, *, days_ago=30, **kwargs):
    return ListingFactory(
        standard_status="Closed",
        close_price=Decimal(price),
        list_price=Decimal(price),
        close_date=TODAY - dt.timedelta(days=days_ago),
        living_area=kwargs.pop("living_area", 2000),
        **kwargs,
    )


def test_comparable_selection_rules(agent):
    cma = subject(agent)
    near = Decimal("41.770000")  # about 0.4 mi north
    kept = [
        closed("400000", latitude=near),
        ListingFactory(standard_status="Pending", living_area=2400, bedrooms_total=4),
        ListingFactory(standard_status="Active", living_area=1600, bedrooms_total=2),
    ]
    refused = [
        closed("400000", property_type="Land"),  # another type
        closed("400000", latitude=Decimal("41.800000")),  # 2.5 mi away
        closed("400000", living_area=2600),  # 30% larger
        ListingFactory(bedrooms_total=5),  # 2 beds more
        closed("400000", days_ago=250),  # closed 8 months ago
        ListingFactory(standard_status="Withdrawn"),
    ]
    cma.subject_listing = ListingFactory()  # the subject itself is never its own comparable
    cma.save()
    found = cmas.suggest_comparables(cma)
    assert {listing.pk for listing in found} == {listing.pk for listing in kept}
    assert not {listing.pk for listing in refused} & {listing.pk for listing in found}
    assert found[0].distance == pytest.approx(0, abs=0.01)
    cma.include_active = False
    cma.closed_within_months = 12
    assert {listing.pk for listing in cmas.suggest_comparables(cma)} == {
        kept[0].pk,
        kept[1].pk,
        refused[4].pk,
    }


def test_without_coordinates_the_zip_then_the_city_is_used(agent):
    same_zip = ListingFactory(latitude=None, longitude=None)
    same_city = ListingFactory(postal_code="06106", latitude=None, longitude=None)
    elsewhere = ListingFactory(city="Madison", postal_code="06443")
    cma = subject(agent, latitude=None, longitude=None)
    assert {item.pk for item in cmas.suggest_comparables(cma)} == {same_zip.pk}
    cma.postal_code = ""
    assert {item.pk for item in cmas.suggest_comparables(cma)} == {same_zip.pk, same_city.pk}
    assert elsewhere.pk not in {item.pk for item in cmas.suggest_comparables(cma)}


def test_adjustments_and_the_suggested_range(agent):
    cma = subject(agent)
    prices = ["400000", "420000", "440000", "460000"]
    for number, price in enumerate(prices):
        CmaComparable.objects.create(cma=cma, listing=closed(price), order=number)
    active = ListingFactory(list_price=Decimal("999000"))  # asking prices do not move the range
    CmaComparable.objects.create(cma=cma, listing=active, order=9)
    rows = list(cma.comparable_rows.select_related("listing"))
    cmas.cma_comparable_adjust(
        cma=cma, listing=rows[0].listing, amount=Decimal("0"), percent=Decimal("5"), note="pool"
    )
    cmas.cma_comparable_adjust(
        cma=cma, listing=rows[3].listing, amount=Decimal("-10000"), percent=0, note="no garage"
    )
    summary = cmas.cma_summary(cma)
    # Adjusted: 420,000 (400k + 5%), 420,000, 440,000, 450,000 (460k − 10k).
    assert sorted(r.adjusted_price for r in summary.rows if r.group == "closed") == [
        420_000,
        420_000,
        440_000,
        450_000,
    ]
    assert summary.adjusted_median == 430_000
    assert (summary.range_low, summary.range_high) == (420_000, 442_000)  # 25th / 75th pct
    assert summary.basis_label == "closed" and summary.basis_count == 4
    closed_group = next(g for g in summary.groups if g.key == "closed")
    assert (closed_group.count, closed_group.low, closed_group.median, closed_group.high) == (
        4,
        400_000,
        430_000,
        460_000,
    )
    assert closed_group.median_ppsf == 215
    assert any("2 of them adjusted" in line for line in summary.method)
    # Fewer than four: the median ± 3%.
    cma.comparable_rows.filter(listing__standard_status="Closed").exclude(pk=rows[1].pk).delete()
    summary = cmas.cma_summary(cma)
    assert (summary.adjusted_median, summary.range_low, summary.range_high) == (
        420_000,
        407_000,
        433_000,
    )


def test_new_cma_from_a_listing_keeps_the_best_suggestions(agent_client, agent):
    home = ListingFactory(living_area=2000)
    comps = [closed("400000") for _ in range(3)]
    page = agent_client.get(reverse("agent:cma_new") + f"?listing={home.pk}")
    assert page.status_code == 200 and home.address_line in page.content.decode()
    data = {
        "address": home.address_line,
        "city": "Hartford",
        "postal_code": "06105",
        "latitude": "41.7637",
        "longitude": "-72.6851",
        "property_type": "Residential",
        "bedrooms": "3",
        "living_area": "2000",
        "radius_miles": "1",
        "closed_within_months": "6",
        "area_tolerance_percent": "25",
        "beds_tolerance": "1",
        "include_active": "on",
        "include_closed": "on",
    }
    response = agent_client.post(reverse("agent:cma_new") + f"?listing={home.pk}", data)
    cma = Cma.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/cmas/{cma.pk}/edit/")
    assert cma.subject_listing == home
    assert {row.listing_id for row in cma.comparable_rows.all()} == {c.pk for c in comps}


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("living_area", "abc", "Enter a whole number from 100 to 100,000."),
        ("living_area", "9" * 30, "Enter a whole number from 100 to 100,000."),
        ("closed_within_months", "25", "Enter a whole number from 1 to 24."),
        ("radius_miles", "1e309", "Enter a number from 0.1 to 50."),
        ("latitude", "north", "Enter a number from -90 to 90."),
        ("address", "", "Enter the subject&#x27;s street address."),
    ],
)
def test_hostile_cma_input_is_answered_in_words(agent_client, field, value, message):
    data = {
        "address": "1 Main St",
        "city": "Hartford",
        "property_type": "Residential",
        "radius_miles": "1",
        "closed_within_months": "6",
        "area_tolerance_percent": "25",
        "beds_tolerance": "1",
        "include_closed": "on",
        field: value,
    }
    response = agent_client.post(reverse("agent:cma_new"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Cma.objects.exists()


def test_hostile_comparable_actions(agent_client, agent):
    cma = subject(agent)
    url = reverse("agent:cma_comparables", args=[cma.pk])
    cases = [
        ({"action": "add", "listing": "999999"}, "That listing does not exist"),
        ({"action": "add", "listing": "abc"}, "That listing does not exist"),
        ({"action": "explode", "listing": "1"}, "Select a valid choice"),
        ({"mls": "NOPE-1"}, "No listing with MLS # NOPE-1."),
    ]
    for data, message in cases:
        page = agent_client.post(url, data, follow=True)
        assert page.status_code == 200 and message in page.content.decode(), data
    comp = closed("400000")
    agent_client.post(url, {"action": "add", "listing": comp.pk})
    page = agent_client.post(
        url,
        {"action": "adjust", "listing": comp.pk, "adjustment_percent": "5000"},
        follow=True,
    )
    assert "Enter a number from -50 to 50." in page.content.decode()
    page = agent_client.post(url, {"action": "remove", "listing": ListingFactory().pk}, follow=True)
    assert "not one of this CMA" in page.content.decode()
    assert list(cma.comparable_rows.values_list("listing_id", flat=True)) == [comp.pk]


def test_starting_from_someone_elses_contact_is_refused(agent_client, other_agents_contact):
    page = agent_client.get(reverse("agent:cma_new") + f"?contact={other_agents_contact.pk}")
    assert page.status_code == 200 and "Choose one of your contacts." in page.content.decode()
    assert other_agents_contact.last_name not in page.content.decode()


def test_sending_a_cma_makes_feed_items_and_emails_once(
    agent_client, agent, client_contact, django_capture_on_commit_callbacks
):
    from tests.clients.factories import ClientContactFactory

    cma = subject(agent)
    CmaComparable.objects.create(cma=cma, listing=closed("400000"))
    opted_out = ClientContactFactory(agent=agent, first_name="Olive")
    url = reverse("agent:cma_send", args=[cma.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            url, {"recipients": [client_contact.pk], "note": "Here it is", "send_no": 1}
        )
        assert response.status_code == 302
        # A double submit of the same form sends nothing more.
        agent_client.post(url, {"recipients": [client_contact.pk], "send_no": 1})
    item = FeedItem.objects.get()
    assert item.category == "cmas" and item.payload == {"url": f"/portal/cmas/{cma.pk}/"}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [client_contact.user.email]
    assert "market analysis" in mail.outbox[0].subject
    cma.refresh_from_db()
    assert cma.status == "sent" and cma.send_count == 1
    # Opted out since: the feed still gets it, the email is suppressed by the outbox.
    opted_out.email_opted_out_at = timezone.now()
    opted_out.save()
    with django_capture_on_commit_callbacks(execute=True):
        cmas.cma_send(cma=cma, contacts=[opted_out], send_no=2)
    assert FeedItem.objects.filter(contact=opted_out, category="cmas").exists()
    assert OutboundEmail.objects.get(to_contact=opted_out).status == "suppressed"
    assert len(mail.outbox) == 1


def test_portal_cma_page_only_through_a_feed_item(
    agent, client_contact, portal_client, other_client_contact, django_assert_max_num_queries
):
    cma = subject(agent)
    for _ in range(12):
        CmaComparable.objects.create(cma=cma, listing=closed("400000"))
    url = reverse("portal:cma_detail", args=[cma.pk])
    assert portal_client.get(url).status_code == 404  # not sent to this client yet
    cmas.cma_send(cma=cma, contacts=[client_contact], send_no=1)
    with django_assert_max_num_queries(9):
        page = portal_client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "Suggested price range" in body
    assert "cma-map-data" in body and "@media print" not in body  # the stylesheet is external
    # Another agent's client, even with the id, sees nothing.
    other = portal_client.__class__()
    other.force_login(other_client_contact.user)
    assert other.get(url).status_code == 404


def test_agent_pages_and_isolation(agent_client, agent, other_agent, django_assert_max_num_queries):
    cma = subject(agent)
    for _ in range(10):
        CmaComparable.objects.create(cma=cma, listing=closed("400000"))
    for _ in range(10):
        closed("410000")
    with django_assert_max_num_queries(12):
        page = agent_client.get(reverse("agent:cma_edit", args=[cma.pk]))
    assert page.status_code == 200 and "Suggested (10)" in page.content.decode()
    with django_assert_max_num_queries(9):
        assert agent_client.get(reverse("agent:cma_list")).status_code == 200
    assert agent_client.get(reverse("agent:cma_detail", args=[cma.pk])).status_code == 200
    theirs = subject(other_agent)
    for name in ["agent:cma_edit", "agent:cma_detail", "agent:cma_send"]:
        assert agent_client.get(reverse(name, args=[theirs.pk])).status_code == 404


# --- market reports ---------------------------------------------------------------------------


def report_data(**overrides):
    data = {
        "area_kind": "city",
        "area_value": "Hartford",
        "property_type": "",
        "period_months": "12",
        "schedule": "monthly",
        "title": "",
        "note": "",
    }
    return {**data, **overrides}


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"period_months": "25"}, "Enter a whole number from 1 to 24."),
        ({"period_months": "twelve"}, "Enter a whole number from 1 to 24."),
        ({"period_months": "9" * 40}, "Enter a whole number from 1 to 24."),
        ({"area_value": ""}, "Enter a city."),
        ({"area_value": "<script>"}, "A city name has letters"),
        ({"area_kind": "zip", "area_value": "6105"}, "Enter a 5-digit ZIP code."),
        ({"area_kind": "shape", "area_shape_text": "1 2, 3"}, "Check the shape"),
        ({"area_kind": "moon"}, "Select a valid choice"),
    ],
)
def test_hostile_report_input_is_answered_in_words(agent_client, overrides, message):
    response = agent_client.post(reverse("agent:report_new"), report_data(**overrides))
    assert response.status_code == 200 and message in response.content.decode()
    assert not MarketReport.objects.exists()


def test_report_pages_send_and_monthly_update(
    agent_client,
    agent,
    client_contact,
    portal_client,
    other_agent,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    for days in (20, 50, 80):
        closed("400000", days_ago=days)
    response = agent_client.post(reverse("agent:report_new"), report_data())
    report = MarketReport.objects.get()
    assert (
        response.status_code == 302
        and report.title == "Hartford market report · All property types"
    )
    with django_assert_max_num_queries(9):
        page = agent_client.get(reverse("agent:report_detail", args=[report.pk]))
    body = page.content.decode()
    assert "<svg" in body and "Month by month" in body and "homes closed in Hartford" in body
    portal_url = reverse("portal:report_detail", args=[report.pk])
    assert portal_client.get(portal_url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(
            reverse("agent:report_send", args=[report.pk]),
            {"recipients": [client_contact.pk], "send_no": 1},
        )
    item = FeedItem.objects.get(category="reports")
    assert item.payload["url"] == portal_url and len(mail.outbox) == 1
    with django_assert_max_num_queries(9):
        assert portal_client.get(portal_url).status_code == 200
    assert list(report.recipients.all()) == [client_contact]
    # The first send counts as this month's update; next month's goes once.
    assert reports_monthly_update() == 0
    next_month = market.month_starts(1, today=TODAY + dt.timedelta(days=32))[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert len(market.report_monthly_update(report_id=report.pk, today=next_month)) == 1
        assert market.report_monthly_update(report_id=report.pk, today=next_month) == []
    update = FeedItem.objects.filter(category="reports").latest("id")
    assert update.title.startswith("Market update: ") and len(mail.outbox) == 2
    # Another agent: 404 on every page of the report.
    theirs = agent_client.__class__()
    theirs.force_login(other_agent.user)
    for name in ["agent:report_detail", "agent:report_edit", "agent:report_send"]:
        assert theirs.get(reverse(name, args=[report.pk])).status_code == 404


def test_a_stale_send_page_is_refused_not_swallowed(agent_client, agent, client_contact):
    from tests.clients.factories import ClientContactFactory

    cma = subject(agent)
    other = ClientContactFactory(agent=agent, first_name="Second")
    url = reverse("agent:cma_send", args=[cma.pk])
    agent_client.post(url, {"recipients": [client_contact.pk], "send_no": 1})
    page = agent_client.post(url, {"recipients": [other.pk], "send_no": 1})
    assert page.status_code == 200 and "just sent from another page" in page.content.decode()
    assert not FeedItem.objects.filter(contact=other).exists()
    agent_client.post(url, {"recipients": [other.pk], "send_no": 2})
    assert FeedItem.objects.filter(contact=other, category="cmas").exists()


def test_editing_keeps_a_title_and_rounds_pasted_coordinates(agent_client, agent):
    cma = subject(agent)
    data = {
        "title": "",
        "address": "12 Oak St",
        "city": "Hartford",
        "property_type": "Residential",
        "latitude": "41.76371234567",
        "longitude": "-72.68519876543",
        "radius_miles": "2",
        "closed_within_months": "12",
        "area_tolerance_percent": "20",
        "beds_tolerance": "0",
        "include_closed": "on",
    }
    response = agent_client.post(reverse("agent:cma_edit", args=[cma.pk]), data)
    assert response.status_code == 302
    cma.refresh_from_db()
    assert cma.title == "CMA for 12 Oak St"
    assert cma.latitude == Decimal("41.763712") and cma.longitude == Decimal("-72.685199")
    assert (cma.closed_within_months, cma.include_active) == (12, False)


@pytest.mark.parametrize("kind", ["cma", "report"])
def test_hostile_send_input(agent_client, agent, client_contact, other_agents_contact, kind):
    if kind == "cma":
        url = reverse("agent:cma_send", args=[subject(agent).pk])
    else:
        report = market.report_save(agent=agent, data={"area_kind": "city", "area_value": "X"})
        url = reverse("agent:report_send", args=[report.pk])
    cases = [
        ({"recipients": [other_agents_contact.pk], "send_no": 1}, "cannot receive this"),
        ({"recipients": ["abc"], "send_no": 1}, "cannot receive this"),
        ({"recipients": [client_contact.pk], "send_no": "abc"}, "Enter a whole number"),
        ({"recipients": [client_contact.pk], "send_no": "99"}, "reload the page"),
        ({"send_no": 1}, "Choose at least one recipient."),
    ]
    for data, message in cases:
        page = agent_client.post(url, data)
        assert page.status_code == 200 and message in page.content.decode(), data
    assert not FeedItem.objects.exists()
    assert other_agents_contact.last_name not in agent_client.get(url).content.decode()


def test_closed_within_counts_calendar_months():
    assert cmas.months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert cmas.months_before(dt.date(2026, 1, 15), 6) == dt.date(2025, 7, 15)
    assert cmas.months_before(dt.date(2026, 6, 30), 24) == dt.date(2024, 6, 30)


def test_mls_staff_see_cmas_and_reports_in_the_admin(client, agent, client_contact):
    from tests.clients.factories import UserFactory

    cma = subject(agent)
    CmaComparable.objects.create(cma=cma, listing=closed("400000"), adjustment_note="pool")
    report = market.report_save(agent=agent, data={"area_kind": "city", "area_value": "Hartford"})
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in [
        reverse("admin:listings_cma_changelist"),
        reverse("admin:listings_cma_change", args=[cma.pk]),
        reverse("admin:listings_marketreport_changelist"),
        reverse("admin:listings_marketreport_change", args=[report.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    assert (
        "pool" in client.get(reverse("admin:listings_cma_change", args=[cma.pk])).content.decode()
    )


def test_report_form_starts_from_a_city_or_a_drawn_shape(agent_client):
    page = agent_client.get(reverse("agent:report_new") + "?city=West Hartford").content.decode()
    assert 'value="West Hartford"' in page
    poly = "41.7 -72.8,41.8 -72.8,41.8 -72.7"
    page = agent_client.get(reverse("agent:report_new"), {"poly": poly}).content.decode()
    assert poly in page and 'value="shape" selected' in page
    response = agent_client.post(
        reverse("agent:report_new"),
        report_data(area_kind="shape", area_value="", area_shape_text=poly),
    )
    report = MarketReport.objects.get()
    assert response.status_code == 302 and report.area_shape == [
        [41.7, -72.8],
        [41.8, -72.8],
        [41.8, -72.7],
    ]
    assert report.title == "Drawn area market report · All property types"
