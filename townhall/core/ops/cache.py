"""Django's Redis cache, with the rate-limit counters counted in one round trip.

Every rate-limited API request adds to two counters (per address, per token). This backend counts any
number of them with one server-side script (``count_hits``, which ``core/ops/ratelimit.py`` uses when the
cache has it): each counter is incremented, and given its expiry when the increment created it. Django's
Redis client also makes a new ``redis.Redis`` for every call (each one builds a table of some 200 response
callbacks); this one keeps one per connection pool. Everything else is Django's.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

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


class _Client(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_by_pool: dict[int, Any] = {}
        self._count_script: Any = None

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django's, not in its stubs
        found = self._redis_by_pool.get(id(pool))
        if found is None:
            found = self._redis_by_pool[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return found

    def count_hits(self, keys: list[str], lives: list[int]) -> list[int]:
        client = self.get_client(write=True)
        if self._count_script is None:
            self._count_script = client.register_script(_COUNT_HITS)
        return [int(n) for n in self._count_script(keys=keys, args=lives, client=client)]


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _Client

    def count_hits(self, keys: list[tuple[str, int]]) -> list[int]:
        """Add one to each counter (key, seconds it lives once created) in one round trip; the counts."""
        made = [self.make_and_validate_key(key) for key, _ in keys]
        client: _Client = self._cache  # type: ignore[assignment]  # self._class is _Client
        return client.count_hits(made, [lives for _, lives in keys])
