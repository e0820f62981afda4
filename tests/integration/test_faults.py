"""Faults, with real servers: Redis stopped while enterprises submit, a worker killed with SIGKILL
in the middle of a recompute, PostgreSQL restarted under the portal. Nothing is lost, nothing is
done twice, and the portal recovers without a restart of its own."""

import datetime
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import BureauPosition, Role
from applications import notifications, services
from applications.models import Notification
from incentives.models import IncentiveItem, Match, RecomputeJob
from tests import factories
from tests.applications.conftest import attach_all
from tests.integration.conftest import broker_idle, start_worker, stop_worker, use_broker

pytestmark = [pytest.mark.faults, pytest.mark.redis, pytest.mark.postgres]
FIGURES = Path(__file__).resolve().parents[2] / "var" / "reliability"


def wait_for(predicate, timeout=120, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def record(name: str, **figures) -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / "faults.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = figures
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1))


def qualified_enterprise(make_user, n):
    user = make_user(Role.ENTERPRISE, is_enterprise_admin=True, email=f"boss{n}@qiye.example.cn")
    today = datetime.date.today()
    factories.qualification(
        user.enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=today - datetime.timedelta(days=5),
        expires_on=today + datetime.timedelta(days=900),
    )
    return user


def test_redis_stopped_pages_answer_and_every_notice_arrives_after(
    transactional_db, client, make_user, smtp_server, own_redis, monkeypatch
):
    call_command("load_catalogue", verbosity=0)
    controller, mailbox = smtp_server
    make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER, email="shenhe@kjj.example.cn")
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    worker = start_worker(
        own_redis.url,
        email_url=f"smtp://{controller.hostname}:{controller.port}",
        name="faults-redis",
    )
    use_broker(monkeypatch, own_redis.url)
    try:
        # Registered while Redis is up: a profile change queues its recompute at once.
        users = [qualified_enterprise(make_user, n) for n in range(3)]
        own_redis.stop()  # Redis goes down
        started = time.monotonic()
        assert client.get(reverse("incentives:catalogue")).status_code == 200
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["broker"]["ok"] is False
        cases = []
        for user in users:
            application = services.application_start(user=user, item=item)
            attach_all(application, user)
            cases.append(
                services.transition(application_id=application.pk, user=user, action="submit")
            )
        assert time.monotonic() - started < 60, "pages must not hang on a dead broker"
        rows = Notification.objects.filter(application__in=cases)
        expected = rows.count()
        assert (
            expected > 0 and rows.filter(status="pending").count() == expected
        )  # waiting in the outbox

        own_redis.start()  # Redis is back
        notifications.resend_pending(older_than_seconds=0)
        assert wait_for(lambda: rows.filter(status="sent").count() == expected), list(
            rows.values_list("channel", "status", "attempts", "last_error")
        )
        emails = rows.filter(channel="email").count()
        # Only the cases' notices count: the matching also mails each enterprise that its new
        # certificate qualifies it for an award (not through the outbox).
        recipients = set(rows.filter(channel="email").values_list("email", flat=True))

        def case_mail():
            return [m for m in mailbox.messages if str(m["To"]) in recipients]

        assert wait_for(lambda: len(case_mail()) >= emails, timeout=30)
        # Until the worker has run every task it still holds, a duplicate could yet arrive.
        assert wait_for(lambda: broker_idle(own_redis.url), timeout=660), "tasks left on Redis"
        assert len(case_mail()) == emails  # each once
        record(
            "redis_down",
            notices=expected,
            delivered=expected,
            lost=0,
            duplicates=len(case_mail()) - emails,
        )
    finally:
        stop_worker(worker)


def test_a_worker_killed_mid_chunk_hands_it_on_and_the_result_is_the_same(
    transactional_db, make_user, smtp_server, own_redis, monkeypatch
):
    """Two workers share a full recompute's chunks; one is killed with SIGKILL while it runs a
    chunk. The other finishes the job — the lost chunk included, once its message comes back
    (the broker's visibility timeout) — and the rows are those of a clean run."""
    call_command("load_catalogue", verbosity=0)
    # At this size a chunk is one enterprise (progress shows in about fifty steps), each a few
    # tens of milliseconds: 60 enterprises leave time to kill a worker in the middle.
    for n in range(60):
        qualified_enterprise(make_user, n)
    admin = make_user(Role.CATALOGUE_ADMIN)
    controller, _ = smtp_server
    email_url = f"smtp://{controller.hostname}:{controller.port}"
    # A dead worker's task comes back after this many seconds.
    first, second = (
        start_worker(own_redis.url, email_url=email_url, name=name, CELERY_VISIBILITY_TIMEOUT="5")
        for name in ("faults-kill-1", "faults-kill-2")
    )
    use_broker(monkeypatch, own_redis.url)
    from incentives import services as catalogue
    from incentives.models import RecomputeChunk

    try:
        job = catalogue.recompute_all_start(user=admin)

        def running_on_first():
            return (
                RecomputeChunk.objects.filter(
                    job=job,
                    worker__startswith="faults-kill-1",
                    started_at__isnull=False,
                    finished_at__isnull=True,
                )
                .values_list("pk", flat=True)
                .first()
            )

        assert wait_for(
            lambda: RecomputeJob.objects.get(pk=job.pk).done >= 3 and running_on_first(),
            120,
            interval=0.005,
        ), "the first worker never ran a chunk"
        os.kill(first.pid, signal.SIGKILL)  # killed in the middle of the recompute
        killed_at = timezone.now()
        first.wait(timeout=10)
        lost = RecomputeChunk.objects.filter(
            job=job, worker__startswith="faults-kill-1", finished_at__isnull=True
        ).first()
        progress_at_kill = RecomputeJob.objects.get(pk=job.pk)
        assert progress_at_kill.status == "running"
        assert progress_at_kill.done < progress_at_kill.total
        assert wait_for(lambda: RecomputeJob.objects.get(pk=job.pk).status == "done", 240), (
            "not handed on"
        )
    finally:
        stop_worker(second)
        print(first.log_path.read_text()[-2000:])
    job.refresh_from_db()
    chunks = RecomputeChunk.objects.filter(job=job)
    # Every chunk finished, each counted once; the second worker ran the lost one again.
    assert job.done == job.total == chunks.count() + 1
    assert not chunks.filter(finished_at__isnull=True).exists()
    assert job.matches_written == sum(chunks.values_list("rows", flat=True))
    if lost is not None:  # the kill landed inside a chunk (it nearly always does)
        lost.refresh_from_db()
        assert lost.attempts >= 2 and lost.worker.startswith("faults-kill-2")
        assert lost.finished_at > killed_at
    survivors = set(chunks.values_list("worker", flat=True))
    assert any(w.startswith("faults-kill-2") for w in survivors)
    after_kill = sorted(Match.objects.values_list("enterprise_id", "item_id", "status", "amount"))
    from incentives import matching

    Match.objects.all().delete()
    matching.all_recompute()  # the same work done cleanly, in this process
    clean = sorted(Match.objects.values_list("enterprise_id", "item_id", "status", "amount"))
    assert after_kill == clean
    record(
        "worker_sigkill",
        workers=2,
        tasks_killed=1,
        chunks=chunks.count(),
        chunks_run_again=chunks.filter(attempts__gt=1).count(),
        matches=len(clean),
        differences=0,
    )


def test_postgresql_restarted_under_the_portal(transactional_db, client):
    call_command("load_catalogue", verbosity=0)
    assert client.get(reverse("incentives:catalogue")).status_code == 200
    clusters = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=True
    ).stdout.split()
    version, cluster = clusters[0], clusters[1]
    subprocess.run(["pg_ctlcluster", version, cluster, "restart"], check=True, timeout=120)
    # The test's own connection died with the server; the portal's requests reconnect themselves.
    connection.close()
    answers = [client.get(reverse("incentives:catalogue")).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    assert client.get("/healthz").json()["database"]["ok"] is True
    record("postgres_restart", restarts=1, failed_requests=answers.count(500))
