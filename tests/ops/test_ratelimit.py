"""Rate limits on the API and on residents' journey forms, failing closed when the counters cannot be kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from townhall.core.ops import ratelimit
from townhall.core.ops.ratelimit import Limit, client_ip, parse_rate

LIMITED = {
    "RATELIMIT_ENABLE": True,
    "RATELIMIT_API_IP": "3/m",
    "RATELIMIT_API_KEY": "2/m",
    "RATELIMIT_RESIDENT_POST": "2/m",
}
API = "/api/v1/definitions/"
FORM = "/services/mid-downs/report-missed-bin/"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()
    with override_settings(**LIMITED):
        yield
    cache.clear()


@pytest.mark.django_db
def test_the_api_answers_a_problem_with_a_stable_code_and_retry_after(client: Client) -> None:
    statuses = [client.get(API).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(API)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited" and body["status"] == 429 and body["title"] == "Too many requests"
    assert 1 <= int(response["Retry-After"]) <= 65
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_each_client_address_has_its_own_allowance(client: Client) -> None:
    for _ in range(3):
        client.get(API, REMOTE_ADDR="198.51.100.1")
    assert client.get(API, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.get(API, REMOTE_ADDR="198.51.100.2").status_code == 200


@pytest.mark.django_db
def test_an_api_key_is_limited_whichever_address_it_comes_from(client: Client) -> None:
    key = {"Authorization": "Bearer th_not_a_real_key"}
    assert client.get(API, REMOTE_ADDR="198.51.100.1", headers=key).status_code == 200
    assert client.get(API, REMOTE_ADDR="198.51.100.2", headers=key).status_code == 200
    response = client.get(API, REMOTE_ADDR="198.51.100.3", headers=key)
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"


@pytest.mark.django_db
def test_residents_form_posts_get_an_error_page(client: Client) -> None:
    # The service need not exist: the limit is checked before the view runs.
    assert client.post(FORM).status_code != 429
    assert client.post(FORM).status_code != 429
    response = client.post(FORM)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    assert "too many requests from your connection" in page
    assert response["X-Townhall-Error"] == "rate_limited" and int(response["Retry-After"]) >= 1


@pytest.mark.django_db
def test_reading_journey_pages_is_not_limited(client: Client) -> None:
    assert all(client.get(FORM).status_code != 429 for _ in range(5))


@pytest.mark.django_db
def test_webhooks_with_their_own_token_are_exempt(client: Client) -> None:
    statuses = [client.post("/api/v1/notifications/notify-callback").status_code for _ in range(5)]
    assert 429 not in statuses


class BrokenCache:
    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("cache server unreachable")

        return fail


@pytest.fixture
def cache_down(monkeypatch: Any) -> None:
    class Caches:
        def __getitem__(self, name: str) -> BrokenCache:
            return BrokenCache()

    monkeypatch.setattr(ratelimit, "caches", Caches())


@pytest.mark.django_db
def test_the_api_fails_closed_when_the_cache_is_down(client: Client, cache_down: None) -> None:
    response = client.get(API)
    assert response.status_code == 503
    assert response.json()["code"] == "rate_limit_unavailable"
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_residents_forms_fail_closed_when_the_cache_is_down(client: Client, cache_down: None) -> None:
    response = client.post(FORM)
    assert response.status_code == 503
    assert "We cannot take your answers at the moment." in response.content.decode()
    assert response["X-Townhall-Error"] == "rate_limit_unavailable"


@pytest.mark.django_db
def test_a_cache_that_silently_drops_counts_fails_closed(client: Client, monkeypatch: Any) -> None:
    """django-redis with IGNORE_EXCEPTIONS answers False and None instead of raising: still refused."""

    class Silent:
        def add(self, *args: Any, **kwargs: Any) -> bool:
            return False

        def incr(self, *args: Any, **kwargs: Any) -> None:
            raise ValueError("Key not found.")

    monkeypatch.setattr(ratelimit, "caches", {"default": Silent()})
    response = client.get(API)
    assert response.status_code == 503 and response.json()["code"] == "rate_limit_unavailable"


def test_rates_read_as_requests_per_window() -> None:
    assert parse_rate("300/m") == (300, 60)
    assert parse_rate("10/5m") == (10, 300)
    assert parse_rate("1000/d") == (1000, 86400)
    for bad in ("300", "300/fortnight", "many/m", "300/xm"):
        with pytest.raises(ImproperlyConfigured):
            parse_rate(bad)


def test_a_mistyped_rate_stops_the_middleware_loading() -> None:
    with override_settings(RATELIMIT_API_KEY="600 a minute"), pytest.raises(ImproperlyConfigured, match="600 a minute"):
        ratelimit.RateLimitMiddleware(lambda request: None)  # type: ignore[arg-type, return-value]


def test_a_window_holds_its_counter_until_it_turns_over() -> None:
    limit = Limit("api-ip", "198.51.100.1", "3/m")
    key, allowed, lives, left = limit.window(1_000_000)
    assert allowed == 3 and lives == 65 and 1 <= left <= 60
    assert limit.window(1_000_000 + left - 1)[0] == key  # the same window to its last second
    assert limit.window(1_000_000 + left)[0] != key  # then a new one, with its own counter
    assert "198.51.100.1" not in key  # who is counted is hashed, never kept
    neighbour = Limit("api-ip", "198.51.100.2", "3/m")
    assert neighbour.window(1_000_000)[0] != key


def test_the_client_address_comes_from_our_own_proxy_only(rf: Any) -> None:
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "10.0.0.5"  # no trusted proxy configured: the header is ignored
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "203.0.113.7"  # the entry our proxy appended, not the spoofed first one


def _redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _redis_cache(url: str) -> dict[str, Any]:
    import uuid

    from django.conf import settings

    return {
        "local": settings.CACHES["local"],  # the per-process cache is not the one under test
        "default": {
            "BACKEND": "townhall.core.ops.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # parallel test workers never share counters
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }


@pytest.mark.django_db
@pytest.mark.skipif(not _redis_answers(), reason="no Redis at 127.0.0.1:6379 (a fresh machine); CI has one")
def test_counters_in_a_real_redis_limit_the_api(client: Client) -> None:
    with override_settings(CACHES=_redis_cache("redis://127.0.0.1:6379/15")):
        statuses = [client.get(API, REMOTE_ADDR="198.51.100.9").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert client.get(API, REMOTE_ADDR="198.51.100.10").status_code == 200


@pytest.mark.skipif(not _redis_answers(), reason="no Redis at 127.0.0.1:6379 (a fresh machine); CI has one")
def test_redis_counts_every_counter_in_one_round_trip() -> None:
    from django.core.cache import caches

    def script_calls(redis: Any) -> int:
        return int(redis.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))

    with override_settings(CACHES=_redis_cache("redis://127.0.0.1:6379/15")):
        cache = caches["default"]
        redis = cache._cache.get_client()
        before = script_calls(redis)
        assert cache.count_hits([("by-address", 60), ("by-token", 120)]) == [1, 1]
        assert cache.count_hits([("by-address", 60), ("by-token", 120)]) == [2, 2]
        assert script_calls(redis) - before >= 2  # the server's own count (other tests may share it)
        assert cache.get("by-address") == 2  # the counters are ordinary cache integers
        assert 0 < redis.ttl(cache.make_key("by-address")) <= 60  # the expiry set when it was created, kept
        assert 60 < redis.ttl(cache.make_key("by-token")) <= 120
        cache.delete_many(["by-address", "by-token"])


@pytest.mark.skipif(not _redis_answers(), reason="no Redis at 127.0.0.1:6379 (a fresh machine); CI has one")
def test_redis_counting_survives_a_forgotten_script_and_a_dropped_connection() -> None:
    from django.core.cache import caches

    with override_settings(CACHES=_redis_cache("redis://127.0.0.1:6379/15")):
        cache = caches["default"]
        redis = cache._cache.get_client()
        assert cache.count_hits([("survivor", 60)]) == [1]
        redis.script_flush()  # as after the server restarts: the script must be loaded again
        assert cache.count_hits([("survivor", 60)]) == [2]
        own = cache._cache._connection()  # this thread's connection for counting
        own.send_command("CLIENT", "ID")
        redis.client_kill_filter(_id=own.read_response())  # the server drops it, as on a restart or a timeout
        assert cache.count_hits([("survivor", 60)]) == [3]  # made again once, not refused
        cache.delete("survivor")


def test_any_other_cache_counts_with_add_and_increment() -> None:
    from django.core.cache import caches

    cache = caches["local"]
    assert ratelimit.count(cache, [("a", 60), ("b", 60)]) == [1, 1]
    assert ratelimit.count(cache, [("a", 60)]) == [2]
    cache.delete("a")  # as an expired counter is: the next request starts a new count
    assert ratelimit.count(cache, [("a", 60), ("b", 60)]) == [1, 2]


@pytest.mark.django_db
def test_an_unreachable_redis_fails_closed(client: Client) -> None:
    import socket

    with socket.socket() as unused:  # a port nothing listens on: the connection is refused at once
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with override_settings(CACHES=_redis_cache(f"redis://127.0.0.1:{port}/0")):
        response = client.get(API)
    assert response.status_code == 503 and response.json()["code"] == "rate_limit_unavailable"


def test_redis_url_chooses_the_redis_cache() -> None:
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_BACKEND", "DJANGO_SETTINGS_MODULE"}}
    env["REDIS_URL"] = "redis://cache.internal:6379/0"
    code = "import json; from townhall import settings; print(json.dumps(settings.CACHES['default']))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["BACKEND"] == "townhall.core.ops.cache.RedisCache"
    assert found["LOCATION"] == "redis://cache.internal:6379/0"
