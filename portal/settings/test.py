"""Settings for pytest. The database is whatever DATABASE_URL says (SQLite by default,
PostgreSQL in CI); tasks run eagerly unless a test hands them to a real worker."""

import tempfile

from .base import *
from .base import env

# Demo and benchmark data generators (load_demo, benchmark): never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-used-anywhere-else-0123456789"  # noqa: S105 - tests only
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only

# A worker started by the integration tests gets EMAIL_URL pointing at a real SMTP server;
# everything else collects mail in memory.
if "EMAIL_URL" not in env:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default="memory://"))

MEDIA_ROOT = env.path("MEDIA_ROOT", default=tempfile.mkdtemp(prefix="portal-test-media-"))

# Tests roll the database back after each one, version numbers included: a page cached by one
# test could be served to the next. The caching tests switch a real cache on themselves.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    # Mail throttles count for real; tests/conftest.py empties the counts before each test.
    "throttle": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "portal-test-throttle",
    },
}
