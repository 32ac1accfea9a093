"""The read-replica router: listing reads go to the replica only when one is configured and
only outside a transaction; everything else, every write and every migration stays on default."""

import json
import sys

import pytest
from django.db import transaction

from clients.models import Contact
from listings.models import Listing, ListingMedia
from portal_project.db_router import ReadReplicaRouter

ROUTER = ReadReplicaRouter()
MODELS = ["listings.Listing", "listings.ListingMedia"]


@pytest.fixture
def replica(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    settings.REPLICA_READ_MODELS = MODELS


def test_listing_reads_go_to_the_replica_and_the_rest_stays_on_default(replica, transactional_db):
    assert ROUTER.db_for_read(Listing) == "replica"
    assert ROUTER.db_for_read(ListingMedia) == "replica"
    assert ROUTER.db_for_read(Contact) is None
    assert ROUTER.db_for_write(Listing) == "default"
    assert ROUTER.allow_migrate("default", "listings") and not ROUTER.allow_migrate(
        "replica", "listings"
    )


def test_reads_inside_a_transaction_stay_on_the_primary(replica, transactional_db):
    with transaction.atomic():
        assert ROUTER.db_for_read(Listing) is None


def test_without_a_replica_nothing_is_routed(settings, db):
    settings.REPLICA_READ_MODELS = MODELS
    assert "replica" not in settings.DATABASES
    assert ROUTER.db_for_read(Listing) is None


def test_settings_add_the_replica_and_router_from_the_environment():
    from tests.test_settings_modes import run

    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([sorted(s.DATABASES), s.DATABASE_ROUTERS, "
        "s.DATABASES.get('replica', {}).get('HOST'), s.REPLICA_READ_MODELS]))"
    )
    result = run(
        "portal_project.settings.local",
        {
            "DATABASE_URL": "postgres://app@primary.internal:5432/portal",
            "DATABASE_REPLICA_URL": "postgres://app@replica.internal:5432/portal",
        },
        sys.executable,
        "-c",
        probe,
    )
    assert result.returncode == 0, result.stderr
    databases, routers, host, models = json.loads(result.stdout.strip().splitlines()[-1])
    assert databases == ["default", "replica"]
    assert routers == ["portal_project.db_router.ReadReplicaRouter"]
    assert host == "replica.internal" and "listings.Listing" in models
