"""Django's Redis cache, with the rate-limit counters counted in one round trip.

Every rate-limited API request adds to two counters (per address, per token). This backend counts any
number of them with one server-side script (``count_hits``, which ``core/ops/ratelimit.py`` uses when the
cache has it): each counter is incremented, and given its expiry when the increment created it. The script
is sent on a connection each thread keeps for itself, as the command and its reply and nothing more:
redis-py's command path (its pool, retry wrapper, response callbacks and observability hooks) cost a
rate-limited request about as much as all its other middleware together. A dropped connection is made
again once, then the error goes to the rate limit, which refuses the request (it fails closed).
Django's Redis client also makes a new ``redis.Redis`` for every call (each one builds a table of some 200
response callbacks); this one keeps one per connection pool. Everything else is Django's.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError

# KEYS: the counters; ARGV[i]: the seconds KEYS[i] lives once created. Returns the counts, in order.
_COUNT_HITS = """
local counts = {}
for i, key in ipairs(KEYS) do
    counts[i] = redis.call('INCR', key)
    if counts[i] == 1 then
        redis.call('EXPIRE', key, ARGV[i])
    end
end
return counts
"""
_COUNT_HITS_SHA = hashlib.sha1(_COUNT_HITS.encode()).hexdigest()  # noqa: S324  # Redis names scripts by SHA-1


class _Client(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_by_pool: dict[int, Any] = {}
        self._own = threading.local()  # each thread's connection for count_hits

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django's, not in its stubs
        found = self._redis_by_pool.get(id(pool))
        if found is None:
            found = self._redis_by_pool[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return found

    def _connection(self) -> Any:
        connection = getattr(self._own, "connection", None)
        if connection is None:
            pool = self._get_connection_pool(True)  # type: ignore[attr-defined]  # Django's, not in its stubs
            connection = self._own.connection = pool.connection_class(**pool.connection_kwargs)
        return connection

    def count_hits(self, keys: list[str], lives: list[int]) -> list[int]:
        connection = self._connection()
        for attempt in range(3):
            try:
                connection.send_command("EVALSHA", _COUNT_HITS_SHA, len(keys), *keys, *lives)
                return [int(n) for n in connection.read_response()]
            except NoScriptError:  # the server has not seen the script since it started: load it, send again
                connection.send_command("SCRIPT", "LOAD", _COUNT_HITS)
                connection.read_response()
            except RedisConnectionError:  # dropped, and closed: made again on the next send (a timeout is not)
                if attempt:
                    raise
        raise RedisConnectionError("Redis kept refusing the rate-limit script")


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _Client

    def count_hits(self, keys: list[tuple[str, int]]) -> list[int]:
        """Add one to each counter (key, seconds it lives once created) in one round trip; the counts."""
        made = [self.make_key(key) for key, _ in keys]  # the rate limit's own keys: hex, digits and names
        client: _Client = self._cache  # type: ignore[assignment]  # self._class is _Client
        return client.count_hits(made, [lives for _, lives in keys])
