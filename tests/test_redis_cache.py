"""The project's Redis cache backend: Django's, with one client per pool instead of per call,
and a Redis outage that costs the cache, never the request."""

import pytest
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from portal_project.redis_cache import RedisCache, RedisCacheClient


def test_the_cache_is_the_project_backend_and_it_reuses_its_client():
    backend = caches["default"]
    assert isinstance(backend, RedisCache) and isinstance(backend._cache, RedisCacheClient)
    first = backend._cache.get_client(write=True)
    assert backend._cache.get_client(write=True) is first
    assert backend._cache.get_client() is first  # one server: reads and writes share its pool


def test_values_round_trip_and_expire_as_with_djangos_backend():
    cache.set("redis-cache-test", {"a": [1, 2]}, 30)
    assert cache.get("redis-cache-test") == {"a": [1, 2]}
    assert cache.get_many(["redis-cache-test", "missing"]) == {"redis-cache-test": {"a": [1, 2]}}
    cache.delete("redis-cache-test")
    assert cache.get("redis-cache-test") is None
    cache.set("redis-cache-test", 1, 0)  # a zero timeout stores nothing, as Django's
    assert cache.get("redis-cache-test") is None


def test_the_cache_gives_up_on_a_silent_redis():
    pool = caches["default"]._cache._get_connection_pool(write=True)
    assert pool.connection_kwargs["socket_timeout"] == 1.0
    assert pool.connection_kwargs["socket_connect_timeout"] == 0.5


DOWN = {
    "default": {
        "BACKEND": "portal_project.redis_cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    }
}


def test_with_redis_down_reads_miss_writes_drop_and_add_goes_on(settings, caplog):
    settings.CACHES = DOWN
    assert cache.get("anything", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("a") is False
    cache.set("a", 1)
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # Django's "keys not stored"
    assert cache.add("lock", True) is True  # a lock or once-only mark: go on without Redis
    assert cache.touch("a") is False and cache.delete("a") is False
    cache.delete_many(["a", "b"])
    assert "Redis unreachable" in caplog.text


@pytest.mark.django_db
def test_clients_can_log_in_while_redis_is_down(client_contact, settings):
    client_contact.user.set_password("correct horse battery")
    client_contact.user.save()
    settings.CACHES = DOWN
    browser = Client()
    response = browser.post(
        reverse("account_login"),
        {"login": client_contact.user.email, "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert browser.get(reverse("portal:dashboard")).status_code == 200
