"""Whole portal pages in the cache (listings/page_cache.py): served again only while nothing
they show has changed, whoever changed it and however; never to anyone else; the CSRF token
fresh at each serve; flash messages, other methods and other pages never cached."""

import re
from types import SimpleNamespace

import pytest
from django.contrib import messages
from django.contrib.messages.storage.session import SessionStorage
from django.db import connection
from django.db.models import Max
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Agent, AgentPreferences, Contact, PortalVersion, User
from clients.services import portal_versions_prune
from clients.tasks import prune_portal_versions
from listings.models import Listing, ListingComment, ListingReaction, ListingView
from listings.page_cache import CSRF_PLACEHOLDER
from listings.selectors import listings_data_version
from messaging.models import FeedItem, Message
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/portal/"
SEARCH = "/portal/search/"


def quick_count(html: str, label: str) -> int:
    match = re.search(rf"<span>{label}</span><span class=\"quick__count[^\"]*\">(\d+)</span>", html)
    assert match, label
    return int(match.group(1))


def page(browser, url=DASHBOARD, **headers) -> str:
    response = browser.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)) | set(
        re.findall(r'"X-CSRFToken": "([^"]+)"', html)
    )


def served_from_cache(browser, url=DASHBOARD) -> bool:
    # A cached page renders no template: the test client sees no context.
    response = browser.get(url)
    assert response.status_code == 200
    return response.context is None


@pytest.fixture
def browser(client_contact):
    client = Client()
    client.force_login(client_contact.user)
    return client


def test_a_reload_is_served_from_the_cache_in_a_few_queries(browser):
    first = page(browser)
    with CaptureQueriesContext(connection) as queries:
        again = browser.get(DASHBOARD)
    assert again.context is None
    # one statement: the session, its user and everything the key needs (clients.sessions)
    assert len(queries) == 1
    assert "clients_session_read" in queries[0]["sql"]
    assert csrf_tokens(again.content.decode()) and CSRF_PLACEHOLDER not in first
    assert CSRF_PLACEHOLDER not in again.content.decode()


def test_the_search_landing_view_is_cached_and_a_search_with_criteria_is_not(browser):
    page(browser, SEARCH)
    assert served_from_cache(browser, SEARCH)
    page(browser, SEARCH + "?min_price=100000")
    assert not served_from_cache(browser, SEARCH + "?min_price=100000")


@pytest.mark.parametrize(
    "change",
    [
        "feed_item",
        "feed_item_opened",
        "message",
        "message_read_in_bulk",
        "reaction",
        "reaction_deleted",
        "comment",
    ],
)
def test_every_write_to_what_the_page_shows_moves_it(change, browser, client_contact, agent):
    listing = ListingFactory()
    item = FeedItem.objects.create(
        agent=agent, contact=client_contact, category="listings", title="One", share_key="one"
    )
    message = Message.objects.create(
        contact=client_contact, sender=agent.user, from_agent=True, body="hi"
    )
    reaction = ListingReaction.objects.create(contact=client_contact, listing=listing, kind="maybe")
    before = page(browser)
    assert served_from_cache(browser)
    label, expected = {
        "feed_item": ("New listings", 2),
        "feed_item_opened": ("New listings", 0),
        "message": ("Messages", 2),
        "message_read_in_bulk": ("Messages", 0),
        "reaction": ("Favorites", 1),
        "reaction_deleted": ("Maybes", 0),
        "comment": ("Commented", 1),
    }[change]
    if change == "feed_item":
        FeedItem.objects.create(
            agent=agent, contact=client_contact, category="listings", title="Two", share_key="2"
        )
    elif change == "feed_item_opened":
        FeedItem.objects.filter(pk=item.pk).update(opened_at="2026-01-01T00:00:00Z")
    elif change == "message":
        Message.objects.create(contact=client_contact, sender=agent.user, from_agent=True, body="x")
    elif change == "message_read_in_bulk":
        Message.objects.filter(pk=message.pk).update(read_at="2026-01-01T00:00:00Z")
    elif change == "reaction":
        ListingReaction.objects.create(
            contact=client_contact, listing=ListingFactory(), kind="favorite"
        )
    elif change == "reaction_deleted":
        reaction.delete()
    elif change == "comment":
        ListingComment.objects.create(
            contact=client_contact, listing=listing, author=client_contact.user, body="Nice"
        )
    after = page(browser)
    assert quick_count(after, label) == expected != quick_count(before, label)


def test_changes_to_the_client_their_agent_and_the_listings_move_it(browser, client_contact, agent):
    listing = ListingFactory(list_price=500000, standard_status="Active")
    page(browser)
    assert served_from_cache(browser)

    Contact.objects.filter(pk=client_contact.pk).update(first_name="Renamed")
    assert "Renamed" in page(browser)

    Agent.objects.filter(pk=agent.pk).update(display_name="Brand New Name")
    assert "Brand New Name" in page(browser)

    User.objects.filter(pk=client_contact.user.pk).update(email="moved@example.com")
    assert "moved@example.com" in page(browser)

    AgentPreferences.objects.update_or_create(agent=agent, defaults={"portal_card_fields": []})
    assert served_from_cache(browser) is False

    page(browser)
    Listing.objects.filter(pk=listing.pk).update(list_price=123456)
    assert served_from_cache(browser) is False


def test_a_client_never_gets_another_clients_page(browser, client_contact, other_client_contact):
    FeedItem.objects.create(
        agent=other_client_contact.agent,
        contact=other_client_contact,
        category="listings",
        title="Only for the other client",
        share_key="other",
    )
    other = Client()
    other.force_login(other_client_contact.user)
    assert "Only for the other client" in page(other)
    mine = page(browser)
    assert "Only for the other client" not in mine
    assert client_contact.first_name in mine


def test_the_token_is_fresh_at_each_serve_and_logging_out_from_a_cached_page_works(
    client_contact,
):
    first = Client(enforce_csrf_checks=True)
    first.force_login(client_contact.user)
    page(first)
    second = Client(enforce_csrf_checks=True)
    second.force_login(client_contact.user)  # another browser: another CSRF cookie
    html = page(second)
    assert served_from_cache(second)
    (token,) = csrf_tokens(html)
    response = second.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert page(first)  # the first browser's session is untouched
    assert second.get(DASHBOARD).status_code == 302  # logged out


def test_flash_messages_are_shown_and_never_cached(browser, client_contact):
    page(browser)
    session = browser.session
    storage = SessionStorage(SimpleNamespace(session=session))
    storage.add(messages.SUCCESS, "Saved your search")
    storage.update(HttpResponse())
    session.save()
    assert "Saved your search" in page(browser)
    assert "Saved your search" not in page(browser)  # shown once, not from a cache


def test_htmx_filters_are_cached_apart_from_the_full_page(browser):
    full = page(browser, DASHBOARD + "?category=listings")
    fragment = page(browser, DASHBOARD + "?category=listings", HX_Request="true")
    assert "<html" in full and "<html" not in fragment
    assert "<html" not in page(browser, DASHBOARD + "?category=listings", HX_Request="true")
    assert "<html" in page(browser, DASHBOARD + "?category=listings")


def test_the_cache_can_be_turned_off(browser, settings):
    settings.PORTAL_PAGE_CACHE = False
    page(browser)
    assert not served_from_cache(browser)


def test_a_cache_outage_costs_the_cache_never_the_page(browser, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal_project.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert "Quick access" in page(browser)


def latest_versions() -> dict[int, int]:
    return dict(
        PortalVersion.objects.values("contact_id")
        .annotate(latest=Max("version"))
        .values_list("contact_id", "latest")
    )


def test_the_version_moves_once_per_statement_for_every_client_it_names(agent):
    contacts = [Contact.objects.create(agent=agent, first_name=f"C{number}") for number in range(3)]
    FeedItem.objects.bulk_create(
        FeedItem(agent=agent, contact=contact, category="listings", title="t", share_key="s")
        for contact in contacts
    )
    versions = latest_versions()
    assert set(versions) == {contact.pk for contact in contacts}
    assert PortalVersion.objects.count() == 3  # one row per client for the one statement
    FeedItem.objects.filter(contact=contacts[0]).delete()
    moved = latest_versions()
    assert moved[contacts[0].pk] > versions[contacts[0].pk]
    assert moved[contacts[1].pk] == versions[contacts[1].pk]


def test_pruning_keeps_every_clients_version(agent, client_contact, browser):
    others = [Contact.objects.create(agent=agent, first_name=f"C{n}") for n in range(3)]
    for _ in range(4):
        for contact in [client_contact, *others]:
            Message.objects.create(contact=contact, sender=agent.user, from_agent=True, body="x")
    page(browser)
    assert served_from_cache(browser)
    before = latest_versions()
    assert PortalVersion.objects.count() == 16
    assert portal_versions_prune() == 12
    assert latest_versions() == before and PortalVersion.objects.count() == 4
    assert served_from_cache(browser)  # the key did not move
    assert prune_portal_versions.apply().get() == 0  # the hourly task; nothing left to drop


def test_deleting_a_client_with_a_feed_leaves_nothing_half_written(client_contact, agent):
    FeedItem.objects.create(
        agent=agent, contact=client_contact, category="listings", title="t", share_key="s"
    )
    client_contact.delete()  # the feed goes first and writes a version: no constraint breaks
    assert not Contact.objects.filter(pk=client_contact.pk).exists()


def test_who_may_see_the_page_is_decided_before_the_cache(browser, client_contact, agent):
    page(browser)
    assert Client().get(DASHBOARD).status_code == 302  # anonymous: to the login page
    agents_browser = Client()
    agents_browser.force_login(agent.user)
    assert agents_browser.get(DASHBOARD).status_code == 403
    User.objects.filter(pk=client_contact.user.pk).update(must_change_password=True)
    response = browser.get(DASHBOARD)
    assert response.status_code == 302 and "password" in response["Location"]
    User.objects.filter(pk=client_contact.user.pk).update(must_change_password=False)
    Contact.objects.filter(pk=client_contact.pk).update(user=None)
    assert browser.get(DASHBOARD).status_code == 404  # no portal any more


def test_with_a_replica_the_data_version_is_read_where_the_listings_are(
    browser, client_contact, monkeypatch
):
    from listings import page_cache

    asked = []

    def data_version_on_the_replica():
        asked.append(True)
        return listings_data_version()

    monkeypatch.setattr(page_cache, "_listings_database", lambda: "replica")
    monkeypatch.setattr(page_cache, "listings_data_version", data_version_on_the_replica)
    listing = ListingFactory(standard_status="Active")
    page(browser, SEARCH)
    assert served_from_cache(browser, SEARCH) and asked
    Listing.objects.filter(pk=listing.pk).update(list_price=777777)
    assert not served_from_cache(browser, SEARCH)


def test_a_listing_page_is_cached_and_every_visit_still_counts(browser, client_contact):
    listing = ListingFactory(standard_status="Active")
    url = reverse("portal:listing_detail", args=[listing.pk])
    page(browser, url)
    assert served_from_cache(browser, url)
    assert served_from_cache(browser, url)
    visits = ListingView.objects.get(contact=client_contact, listing=listing)
    assert visits.view_count == 3

    ListingComment.objects.create(
        contact=client_contact, listing=listing, author=client_contact.user, body="Love the porch"
    )
    assert "Love the porch" in page(browser, url)
    ListingReaction.objects.create(contact=client_contact, listing=listing, kind="favorite")
    assert not served_from_cache(browser, url)


def test_a_listing_gone_since_its_page_was_cached_is_not_found(browser):
    listing = ListingFactory(standard_status="Active")
    url = reverse("portal:listing_detail", args=[listing.pk])
    page(browser, url)
    Listing.objects.filter(pk=listing.pk).delete()
    assert browser.get(url).status_code == 404
    assert browser.get(reverse("portal:listing_detail", args=[10**9])).status_code == 404


def test_pages_expire_within_the_timeout_at_spread_times(browser, agent):
    from django.core.cache import caches

    from listings.page_cache import PAGE_TIMEOUT

    redis = caches["default"]._cache.get_client()
    ttls = set()
    for number in range(12):  # twelve pages: the feed filtered twelve ways
        page(browser, f"{DASHBOARD}?page={number + 2}")
    for key in redis.scan_iter("*portal-page:*"):
        ttls.add(redis.ttl(key))
    assert len(ttls) > 1
    assert all(PAGE_TIMEOUT * 3 // 4 - 1 <= ttl <= PAGE_TIMEOUT for ttl in ttls)


def test_a_redis_that_stops_answering_costs_the_cache_never_the_page(browser, settings):
    import socket

    silent = socket.socket()  # accepts connections (the kernel does) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        settings.CACHES = {
            "default": {
                "BACKEND": "portal_project.redis_cache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
                "OPTIONS": settings.CACHE_REDIS_OPTIONS,
            }
        }
        assert "Quick access" in page(browser)
    finally:
        silent.close()


@pytest.mark.django_db(transaction=True)
def test_bulk_shares_to_overlapping_clients_in_opposite_orders_never_deadlock(agent):
    import threading

    from django.db import transaction

    contacts = [Contact.objects.create(agent=agent, first_name=f"C{n}") for n in range(12)]
    start = threading.Barrier(2)
    failures = []

    def share(order, rounds=15):
        try:
            start.wait()
            for number in range(rounds):
                with transaction.atomic():  # a share: several statements, one transaction
                    for contact in order:
                        FeedItem.objects.create(
                            agent=agent,
                            contact=contact,
                            category="listings",
                            title="t",
                            share_key=f"{number}-{contact.pk}-{order[0].pk}",
                        )
        except Exception as error:  # noqa: BLE001 — reported below
            failures.append(error)
        finally:
            connection.close()

    # Row by row in opposite orders is the worst case for lock order: each statement locks one
    # client's version row, held to commit.
    forward = threading.Thread(target=share, args=(contacts,))
    backward = threading.Thread(target=share, args=(contacts[::-1],))
    forward.start(), backward.start()
    forward.join(), backward.join()
    assert failures == []


# --- The copy each process keeps in front of Redis (LocalPages) ---------------------------------


def test_a_page_is_kept_in_this_process_and_still_moves_with_every_write(browser, client_contact):
    from django.core.cache import cache

    page(browser)
    cache.clear()  # Redis lost it (a restart, an eviction): this process still has it
    assert served_from_cache(browser)
    Contact.objects.filter(pk=client_contact.pk).update(first_name="Moved")
    assert "Moved" in page(browser)  # a new key: rebuilt, not the process's old copy


def test_a_copy_expires_when_the_redis_copy_does(browser, monkeypatch):
    from listings import page_cache

    page(browser)
    later = page_cache.time() + page_cache.PAGE_TIMEOUT + 1
    monkeypatch.setattr(page_cache, "time", lambda: later)
    assert not served_from_cache(browser)


def test_the_copies_are_bounded_least_recently_used_out_first(settings):
    from listings.page_cache import LocalPages

    settings.PORTAL_PAGE_CACHE_LOCAL_BYTES = 3 * (1000 + 1024)
    pages = LocalPages()
    far = 10**12
    for name in "abc":
        pages.put(name, (b"x" * 1000, [], None, far))
    assert pages.get("a", 0) is not None  # "a" used: "b" is now the oldest
    pages.put("d", (b"x" * 1000, [], None, far))
    assert pages.get("b", 0) is None
    assert all(pages.get(name, 0) is not None for name in "acd")
    pages.put("huge", (b"x" * 10**6, [], None, far))  # larger than the bound: not kept
    assert pages.get("huge", 0) is None and pages.size <= settings.PORTAL_PAGE_CACHE_LOCAL_BYTES
    settings.PORTAL_PAGE_CACHE_LOCAL_BYTES = 0  # off
    pages.clear()
    pages.put("e", (b"x", [], None, far))
    assert pages.get("e", 0) is None and pages.size == 0


def test_a_value_of_the_older_format_in_redis_is_a_miss(browser):
    from django.core.cache import cache

    from listings.page_cache import local_pages

    page(browser)
    local_pages.clear()
    key = next(k for k in cache._cache.get_client().keys("*portal-page:*"))
    cache._cache.get_client().set(key, cache._cache._serializer.dumps((b"old", [], None)))
    assert "<html" in page(browser)  # rebuilt, not b"old"
