"""Counting a client's visits to a listing page: one upsert, right under concurrency, never an
error for a listing deleted meanwhile."""

import threading

import pytest
from django.db import connection

from listings.models import Listing, ListingView
from listings.services_reactions import listing_view_record
from tests.listings.factories import ListingFactory


@pytest.mark.django_db
def test_visits_count_up_and_keep_the_first_time(client_contact):
    listing = ListingFactory()
    listing_view_record(contact_id=client_contact.pk, listing_id=listing.pk)
    first = ListingView.objects.get(contact=client_contact, listing=listing)
    listing_view_record(contact_id=client_contact.pk, listing_id=listing.pk)
    again = ListingView.objects.get(pk=first.pk)
    assert again.view_count == 2
    assert again.first_viewed_at == first.first_viewed_at <= again.last_viewed_at


@pytest.mark.django_db
def test_a_listing_deleted_meanwhile_is_not_an_error(client_contact):
    listing = ListingFactory()
    Listing.objects.filter(pk=listing.pk).delete()
    listing_view_record(contact_id=client_contact.pk, listing_id=listing.pk)
    assert not ListingView.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_first_visits_from_many_tabs_at_once_all_count(client_contact):
    listing = ListingFactory()
    start = threading.Barrier(8)
    failures = []

    def visit():
        try:
            start.wait()
            listing_view_record(contact_id=client_contact.pk, listing_id=listing.pk)
        except Exception as error:  # noqa: BLE001 — reported below
            failures.append(error)
        finally:
            connection.close()

    tabs = [threading.Thread(target=visit) for _ in range(8)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()
    assert failures == []
    assert ListingView.objects.get(contact=client_contact, listing=listing).view_count == 8
