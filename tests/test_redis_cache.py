"""The project's Redis cache backend: Django's, with one client per pool instead of per call."""

from django.core.cache import cache, caches

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
