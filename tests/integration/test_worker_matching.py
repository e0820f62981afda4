"""Matching through a real Celery worker on PostgreSQL and Redis: a profile change recomputes the
enterprise's matches after commit, and an admin's full recompute reports progress to the end."""

import datetime
import time

import pytest
from django.core.management import call_command

from accounts.models import Role
from incentives.models import Match, RecomputeJob
from tests import factories

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def wait_for(predicate, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_profile_change_and_full_recompute_run_in_the_worker(
    transactional_db, make_user, smtp_server, celery_worker_process
):
    call_command("load_catalogue", verbosity=0)  # transactional tests start from an empty database
    user = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    enterprise = user.enterprise
    today = datetime.date.today()
    # Saved by the profile's service; autocommit, so the recompute is sent at once. (Registering
    # sent one too, before the certificate: only the award's eligibility shows this one ran.)
    factories.qualification(
        enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=today - datetime.timedelta(days=30),
        expires_on=today + datetime.timedelta(days=1000),
    )

    assert wait_for(
        lambda: Match.objects.filter(
            enterprise=enterprise, item__key="ts2019-hitech-new", status="eligible"
        ).exists()
    ), "the worker did not recompute the enterprise"
    assert celery_worker_process.poll() is None
    award = Match.objects.get(enterprise=enterprise, item__key="ts2019-hitech-new")
    assert award.status == "eligible" and award.amount == 200000

    admin = make_user(Role.CATALOGUE_ADMIN)
    from incentives import services as catalogue

    job = catalogue.recompute_all_start(user=admin)
    assert wait_for(lambda: RecomputeJob.objects.get(pk=job.pk).status in ("done", "failed"), 180)
    job.refresh_from_db()
    assert (job.status, job.percent, job.error) == ("done", 100, "")
    assert job.matches_written >= Match.objects.filter(enterprise=enterprise).count()

    # The leadership dashboard's aggregates are computed by the same worker, with progress.
    from applications.models import Application, State
    from dashboard import selectors as dashboard_selectors
    from dashboard import services as dashboard
    from dashboard.models import Snapshot

    case = Application.objects.create(
        enterprise=enterprise,
        item=award.item,
        period=str(today.year),
        state=State.SUBMITTED,
        created_by=user,
        submitted_at=datetime.datetime.now(datetime.UTC),
    )
    case.lead_bureaus.set(award.item.measure.document.region.bureaus.filter(name="市科学技术局"))
    snapshot = dashboard.snapshot_request(year=today.year, city=None, by=admin)
    assert wait_for(lambda: Snapshot.objects.get(pk=snapshot.pk).status in ("done", "failed"), 120)
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.error, snapshot.percent) == ("done", "", 100)
    table = dashboard_selectors.performance(snapshot.data)
    assert table["total"]["received"] == 1
    assert table["by_bureau"][0]["name"] == "市科学技术局"
