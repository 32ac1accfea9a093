"""Django's Redis cache, with one client per connection pool, that a Redis outage cannot turn
into an error page.

- Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call,
  and each one fills its table of ~170 response callbacks: ~0.1 ms of CPU a call, the price of
  a cached page's whole Redis GET again. A client is only a pool and that table, and redis-py
  clients are safe to share between threads, so one per pool does.
- Everything this project keeps in the cache can be rebuilt or done without (shared results,
  cached pages, import previews, login rate limits), so when Redis refuses or stops answering
  (with the socket timeouts of ``CACHE_REDIS_OPTIONS``) a read is a miss, a write is dropped and
  ``add`` reports success, and the request goes on. For the login rate limits (allauth) that
  means no limit while Redis is down, rather than nobody able to log in; it is logged.

Selected in ``CACHES``.
"""

import logging
from functools import wraps

from django.core.cache.backends import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
OUTAGE = (RedisConnectionError, RedisTimeoutError)


class RedisCacheClient(redis.RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients_by_pool", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


def _outage_answer(answer):
    """The method, answering ``answer(*args, **kwargs)`` when Redis is unreachable."""

    def decorate(method):
        @wraps(method)
        def tolerant(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except OUTAGE as error:
                logger.warning("cache %s skipped, Redis unreachable: %s", method.__name__, error)
                return answer(*args, **kwargs)

        return tolerant

    return decorate


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    @_outage_answer(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_outage_answer(lambda keys, version=None: {})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_outage_answer(lambda key, version=None: False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_outage_answer(lambda *args, **kwargs: None)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_outage_answer(lambda data, *args, **kwargs: list(data))
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    # "Stored": callers use add as a lock or a once-only mark, and must go on without Redis.
    @_outage_answer(lambda *args, **kwargs: True)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_outage_answer(lambda *args, **kwargs: False)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_outage_answer(lambda *args, **kwargs: False)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_outage_answer(lambda *args, **kwargs: None)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)
