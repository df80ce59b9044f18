"""Django's Redis cache with fewer round trips for the rate-limit counters.

Every rate-limited request counts itself twice (per address, per token), and django-ratelimit counts with
``cache.add`` then ``cache.incr``. Django's Redis client makes a new ``redis.Redis`` for every call (each
one builds a table of some 200 response callbacks) and answers ``incr`` with two round trips, EXISTS then
INCRBY. This client keeps one ``redis.Redis`` per connection pool and increments with one server-side
script that does the same two steps atomically: a counter that has expired is still "not found".
Everything else is Django's.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

# KEYS[1]: the counter; ARGV[1]: the step. Returns false (None in Python) when the key does not exist.
_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


class _Client(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_by_pool: dict[int, Any] = {}
        self._incr_script: Any = None

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django's, not in its stubs
        found = self._redis_by_pool.get(id(pool))
        if found is None:
            found = self._redis_by_pool[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return found

    def incr(self, key: Any, delta: int) -> int:
        client = self.get_client(key, write=True)
        if self._incr_script is None:
            self._incr_script = client.register_script(_INCR_EXISTING)
        value = self._incr_script(keys=[key], args=[delta], client=client)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return int(value)


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _Client
