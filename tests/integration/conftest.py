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


@pytest.fixture
def celery_worker_process(redis_url, smtp_server, monkeypatch):
    """A real `celery worker` process on the test Redis, delivering mail to the test SMTP server.

    The test Redis database is emptied first: REDIS_URL for tests must name a database used by
    tests only (like Django's test database)."""
    redis.Redis.from_url(redis_url).flushdb()
    controller, _ = smtp_server
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / "celery-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"smtp://{controller.hostname}:{controller.port}",
    }
    if connection.vendor == "postgresql":
        # The worker works on the test database, where the test's committed rows are.
        db = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "portal", "worker",
                "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                "--hostname", f"test-worker-{os.getpid()}@%h",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    # The web side of the test publishes to the same Redis instead of running tasks eagerly.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", redis_url)
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        print(f"\n--- Celery worker log ({log_path}) ---\n{log_path.read_text()[-4000:]}")
