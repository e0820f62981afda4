"""Real Celery workers for the benchmark: N ``celery worker`` processes (solo pool, one task at a
time each) on the broker of CELERY_BROKER_URL or REDIS_URL and the benchmark's database, on a
queue of the run's own so that no other worker takes its tasks. A full recompute is started as
the portal starts it (``incentives.tasks.recompute_all_matches`` → a group of chunk tasks) and
timed until its job is done; each worker's peak RSS is read from ``/proc`` before it stops."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from celery import current_app as app
from django.conf import settings
from django.db import connection

from incentives.models import RecomputeChunk, RecomputeJob
from incentives.tasks import recompute_all_matches

ROOT = Path(settings.BASE_DIR)
LOG_DIR = ROOT / "var" / "benchmark-logs"


def broker_url() -> str:
    """The Redis the workers use, or "" when none is configured or it does not answer."""
    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
    if not url.startswith("redis"):
        return ""
    import redis  # only the benchmark asks Redis directly

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return ""
    return url


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (``/proc/<pid>/stat``), 0 when it is gone."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0  # utime, stime


def postgres_cpu_seconds() -> float:
    """CPU time of the whole PostgreSQL server on this machine so far: its live processes, and
    the backends that have ended (the postmaster's reaped children: cutime + cstime). A
    backend lives as long as its connection, and Celery closes a worker's connection after each
    task, so the live processes alone would miss most of the work. Server-wide: anything else
    using the server counts too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity")
        pids = [row[0] for row in cursor.fetchall()]
    parents = {int(fields[1]) for fields in map(_stat, pids) if fields}
    postmaster = next(iter(parents - set(pids)), None)
    fields = _stat(postmaster) if postmaster else []
    if not fields:  # a server on another machine
        return 0.0
    children = (int(fields[13]) + int(fields[14])) / TICK  # cutime, cstime
    live = sum(
        _cpu_seconds(int(name))
        for name in os.listdir("/proc")
        if name.isdigit() and (_stat(int(name)) or ["", ""])[1] == str(postmaster)
    )
    return _cpu_seconds(postmaster) + children + live


def _peak_rss_mib(pid: int) -> float:
    """VmHWM: the process's peak resident set, as the kernel counts it."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Workers:
    """``with Workers(2, broker) as workers: workers.recompute(on)``."""

    def __init__(self, count: int, broker: str):
        self.count = count
        self.broker = broker
        self.queue = f"benchmark-{os.getpid()}-{time.monotonic_ns()}"
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def __enter__(self) -> Workers:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        db = connection.settings_dict
        env = {
            **os.environ,
            "CELERY_BROKER_URL": self.broker,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "EMAIL_URL": "dummymail://",  # the run's notices: none reaches a real mailbox
            # One connection per worker for the whole run: its server process's CPU is read.
            "CONN_MAX_AGE": "86400",
        }
        for n in range(1, self.count + 1):
            log = LOG_DIR / f"worker-{self.count}-{n}.log"
            log.unlink(missing_ok=True)
            self.logs.append(log)
            command = [
                sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo",
                "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                "-Q", self.queue, "--hostname", f"bench{n}-of-{self.count}-{os.getpid()}@%h",
            ]  # fmt: skip
            output = log.open("w")
            # The command is this interpreter and fixed words: no input reaches it.
            worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)  # noqa: S603
            self.processes.append(worker)
        deadline = time.monotonic() + 120
        while not all(" ready." in log.read_text() for log in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                self.__exit__(None, None, None)
                raise RuntimeError(f"the benchmark's workers did not start: see {LOG_DIR}")
            time.sleep(0.2)
        # This process publishes to the workers' broker and queue.
        self._conf = {
            key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")
        }
        app.conf.task_always_eager = False
        app.conf.broker_url = self.broker
        app.conf.task_default_queue = self.queue
        app._pool = None
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if getattr(self, "_conf", None):
            for key, value in self._conf.items():
                app.conf[key] = value
            app._pool = None

    def peak_rss_mib(self) -> list[float]:
        return [_peak_rss_mib(process.pid) for process in self.processes]

    def recompute(self, on, timeout: float = 4 * 3600) -> dict:
        """A full recompute for ``on`` through the workers, timed from sending its first task to
        its job done."""
        job = RecomputeJob.objects.create(on=on)
        workers_before = sum(_cpu_seconds(p.pid) for p in self.processes)
        postgres_before = postgres_cpu_seconds()
        start = time.perf_counter()
        recompute_all_matches.delay(job.pk)
        deadline = time.monotonic() + timeout
        while True:
            job.refresh_from_db()
            if job.status in (RecomputeJob.Status.DONE, RecomputeJob.Status.FAILED):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"recompute job #{job.pk} not done after {timeout:.0f} s")
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        cpu_workers = sum(_cpu_seconds(p.pid) for p in self.processes) - workers_before
        cpu_postgres = postgres_cpu_seconds() - postgres_before
        if job.status == RecomputeJob.Status.FAILED:
            raise RuntimeError(f"recompute job #{job.pk} failed: {job.error}")
        chunks = RecomputeChunk.objects.filter(job=job)
        by_worker: dict[str, int] = {}
        for worker in chunks.values_list("worker", flat=True):
            by_worker[worker] = by_worker.get(worker, 0) + 1
        return {
            "seconds": seconds,
            "workers": self.count,
            "chunks": chunks.count(),
            "chunks_by_worker": by_worker,
            "rows": sum(chunks.values_list("rows", flat=True)),
            "written": sum(chunks.values_list("written", flat=True)),
            "rss_mib": max(self.peak_rss_mib()),
            "rss_mib_each": self.peak_rss_mib(),
            # CPU seconds the run took: the workers' own (Python), and the PostgreSQL server's
            # (``postgres_cpu_seconds``: server-wide).
            "cpu_workers": cpu_workers,
            "cpu_postgres": cpu_postgres,
        }
