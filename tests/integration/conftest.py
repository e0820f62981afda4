"""Real services for integration tests: an SMTP server that keeps what it receives, and a Celery
worker process consuming from real Redis."""

import contextlib
import email
import os
import socket
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import connection
from kombu import pools as kombu_pools

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / "var" / "test-logs"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailboxHandler:
    """Keeps every message the SMTP server accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float) -> list:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.arrived.wait(timeout=deadline - time.monotonic())
            return list(self.messages)


@pytest.fixture
def smtp_server():
    handler = MailboxHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    with contextlib.suppress(AssertionError):  # a test may have stopped it already
        controller.stop()


def start_worker(broker_url: str, *, email_url: str, name: str = "celery-worker", **env_extra):
    """Start a real `celery worker` process on this broker, working on the test database."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{name}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": email_url,
        **env_extra,
    }
    if connection.vendor == "postgresql":
        # The worker works on the test database, where the test's committed rows are.
        db = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    log = log_path.open("a")
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
            "--hostname", f"{name}-{os.getpid()}-{time.monotonic_ns()}@%h",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker.log_path = log_path
    return worker


def stop_worker(worker) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)
    print(f"\n--- Celery worker log ({worker.log_path}) ---\n{worker.log_path.read_text()[-4000:]}")


def broker_idle(broker_url: str, queue: str = "celery") -> bool:
    """Whether the broker holds no task at all: none waiting in the queue and none handed to a
    worker and not yet acknowledged. Tasks are acknowledged late, so that covers a task running
    and a retry the worker holds for later (its countdown)."""
    client = redis.Redis.from_url(broker_url)
    waiting = sum(
        client.llen(key) for key in client.scan_iter(match=f"{queue}*", _type="list")
    )  # the queue and its priority lists
    return waiting == 0 and client.hlen("unacked") == 0


def use_broker(monkeypatch, broker_url: str) -> None:
    """The test process publishes to this broker instead of running tasks eagerly. The app's
    connection pools remember the broker they were made for, so they are made afresh."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", broker_url)
    # kombu keeps one pool per broker URL in a process-wide registry: empty it, so that this
    # test (and the next) connects afresh instead of reusing a pool made for a stopped server.
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)


@pytest.fixture
def celery_worker_process(redis_url, smtp_server, monkeypatch):
    """A real `celery worker` process on the test Redis, delivering mail to the test SMTP server.

    The test Redis database is emptied first: REDIS_URL for tests must name a database used by
    tests only (like Django's test database)."""
    redis.Redis.from_url(redis_url).flushdb()
    controller, _ = smtp_server
    (LOG_DIR / "celery-worker.log").unlink(missing_ok=True)
    worker = start_worker(redis_url, email_url=f"smtp://{controller.hostname}:{controller.port}")
    use_broker(monkeypatch, redis_url)
    try:
        yield worker
    finally:
        stop_worker(worker)


class OwnRedis:
    """A redis-server of the test's own, on a free port, that the test may stop and start."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.workdir = workdir
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()
