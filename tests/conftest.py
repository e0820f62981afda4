"""Shared fixtures, and the rules for tests that need real servers.

Tests marked ``postgres``, ``redis`` or ``browser`` need PostgreSQL, Redis (with a Celery worker
the test starts) or Debian's Chromium. Where the server is missing they are skipped with a reason
saying how to run them; with PORTAL_REQUIRE_SERVICES=1 (set by .ci/run) a missing server fails the
run instead, so CI cannot pass by skipping.
"""

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from demo.accounts import demo_load
from organisations import services as organisation_services

# Timing is not what these properties test; a busy 2-core CI machine must not fail them.
hypothesis_settings.register_profile(
    "portal", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("portal")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1):
            return url
    except OSError:
        return None


MISSING = {
    "postgres": (
        lambda: settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        "needs PostgreSQL: set DATABASE_URL=postgres://user:pass@127.0.0.1:5432/portal "
        "(.ci/run installs and starts one)",
    ),
    "redis": (
        lambda: _redis_url() is None,
        "needs Redis and a Celery worker: start redis-server and set "
        "REDIS_URL=redis://127.0.0.1:6379/15 (.ci/run does both)",
    ),
    "faults": (
        lambda: (
            os.environ.get("PORTAL_FAULT_TESTS") != "1"
            or shutil.which("redis-server") is None
            or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
        ),
        "stops and restarts servers (Redis, a worker, PostgreSQL): needs root, redis-server and "
        "PostgreSQL; set PORTAL_FAULT_TESTS=1 (.ci/run does)",
    ),
    "browser": (
        lambda: shutil.which(CHROMIUM) is None,
        "needs Debian's Chromium: apt-get install -y chromium fonts-noto-cjk "
        "(or set CHROMIUM_PATH)",
    ),
}


def pytest_runtest_setup(item):
    for marker, (is_missing, how) in MISSING.items():
        if item.get_closest_marker(marker) and is_missing():
            if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
                pytest.fail(f"PORTAL_REQUIRE_SERVICES=1 but this test {how}")
            pytest.skip(how)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with what the run command loads: regions, bureaus and the whole
    seed catalogue (each test then runs in a transaction that is rolled back)."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_catalogue", verbosity=0)


@pytest.fixture(autouse=True)
def mail_throttles_start_empty():
    """No test inherits mail counted by another against the throttles (portal/throttles.py)."""
    from portal.throttles import throttles_clear

    throttles_clear()


@pytest.fixture
def redis_url() -> str:
    url = _redis_url()
    assert url, "the redis marker should have skipped this test"
    return url


@pytest.fixture
def organisations(db):
    """Regions and bureaus from the data file, loaded the way the run command loads them."""
    return organisation_services.organisations_load()


@pytest.fixture
def demo_accounts(organisations):
    """The demo enterprise and one account per kind of user, keyed by username."""
    return {account["username"]: account for account in demo_load()}


@pytest.fixture
def make_user(organisations):
    """Create accounts the way users and the admin site do (tests/factories.py: ``user``): an
    enterprise account without an enterprise comes with a newly registered one."""
    from tests import factories

    return factories.user
