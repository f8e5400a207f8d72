"""Test settings: production code paths, with fast hashing and in-memory mail and broker."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("SECURE_SSL", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from practice.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks are called directly in tests; the integration tests start a real worker on Redis.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
STATIC_ROOT = None  # static files come from the finders in tests
WHITENOISE_USE_FINDERS = True

if REDIS_URL:  # noqa: F405
    # Tests empty the cache between tests (FLUSHDB), so it gets a Redis database of its own,
    # never the broker's.
    from urllib.parse import urlsplit, urlunsplit

    # Under pytest-xdist each worker process gets its own database (15, 14, ...), so one
    # worker's FLUSHDB never wipes another's rate-limit counters mid-test.
    _worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    _parts = urlsplit(REDIS_URL)  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": urlunsplit(_parts._replace(path=f"/{15 - _worker}")),
            "OPTIONS": REDIS_CACHE_OPTIONS,  # noqa: F405
        }
    }
