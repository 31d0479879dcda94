"""The real Redis for the scale-out tests: db 5 of SOUSTRACE_TEST_REDIS_URL's server, a key prefix per test.

Skipped with the reason when Redis does not answer, except when SOUSTRACE_REQUIRE_REDIS=1 (CI), where a
missing server fails the run. Only this test's keys are deleted afterwards, never the whole db.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

REDIS_URL = os.environ.get("SOUSTRACE_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
REQUIRE_REDIS = os.environ.get("SOUSTRACE_REQUIRE_REDIS") == "1"


def _redis_problem() -> str | None:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.ping()
        client.close()
        return None
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}: {exc}"[:300]


@pytest.fixture
def redis_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The queue URL; SOUSTRACE_QUEUE_PREFIX is set (for this process and the workers it starts)."""
    problem = _redis_problem()
    if problem:
        if REQUIRE_REDIS:
            pytest.fail(f"SOUSTRACE_REQUIRE_REDIS=1 but {problem}")
        pytest.skip(problem)
    import redis

    prefix = f"soustrace-test-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("SOUSTRACE_QUEUE_PREFIX", prefix)
    monkeypatch.setenv("SOUSTRACE_ALLOW_PRIVATE_NETWORKS", "1")  # the farm is on loopback addresses
    yield REDIS_URL
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
