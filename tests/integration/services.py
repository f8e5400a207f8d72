"""Real services for integration tests: skipped on a bare laptop, required in CI.

``REDIS_URL`` names the Redis to use. Without it these tests skip, saying why; with
``ATTUNE_REQUIRE_SERVICES=1`` or ``CI=true`` in the environment they fail instead, so CI can
never go green by skipping them.
"""

import os

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
