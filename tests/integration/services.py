"""Real services for integration tests: skipped on a bare laptop, required in CI.

``REDIS_URL`` names the Redis to use. Without it these tests skip, saying why; with
``ATTUNE_REQUIRE_SERVICES=1`` or ``CI=true`` in the environment they fail instead, so CI can
never go green by skipping them.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest


def services_required() -> bool:
    return os.environ.get("ATTUNE_REQUIRE_SERVICES") == "1" or os.environ.get("CI") == "true"


def skip_or_fail(reason: str) -> None:
    if services_required():
        pytest.fail(f"{reason} (required: ATTUNE_REQUIRE_SERVICES=1 or CI=true)")
    pytest.skip(reason)


def redis_url() -> str:
    """The test Redis, or a skip (a failure in CI) when REDIS_URL is unset."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        skip_or_fail("needs a Redis server: set REDIS_URL, for example redis://127.0.0.1:6379/2")
    return url


def broker_url_beside(cache_url: str) -> str:
    """The same Redis server, on the database next to ``cache_url``'s.

    With REDIS_URL set, the test cache lives in REDIS_URL's database and the suite flushes it
    between tests (``cache.clear()`` is FLUSHDB), which would also wipe a broker's queues and
    bindings there. A real worker's broker therefore gets a database of its own.
    """
    parts = urlsplit(cache_url)
    path = parts.path.strip("/")
    db = int(path) if path.isdigit() else 0
    other = db + 1 if db < 15 else db - 1
    return urlunsplit(parts._replace(path=f"/{other}"))
