"""Pages under load: gunicorn on loopback, ``wrk`` with 20 connections for a bounded time per
page, p50/p95 and requests per second read from wrk's own latency histogram (a Lua ``done``
hook prints them as JSON).

wrk rather than locust: a single C binary from Debian (``apt-get install -y wrk``), no Python
dependency, and on a 2-core machine it leaves the cores to gunicorn and PostgreSQL instead of
spending one on generating the load."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

LUA = """
local method, body, cookie = %(method)s, %(body)s, %(cookie)s
wrk.method = method
if body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if cookie ~= "" then wrk.headers["Cookie"] = cookie end
wrk.headers["Host"] = "127.0.0.1"
function done(summary, latency, requests)
  io.write("WRK_JSON " .. string.format(
    '{"requests": %%d, "duration_us": %%d, "non_2xx": %%d, "errors": %%d,'
    .. ' "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class Page:
    name: str
    path: str
    method: str = "GET"
    body: str = ""
    cookie: str = ""


def _lua_string(value: str) -> str:
    """A Lua long string: no escapes inside, whatever the value holds."""
    return f"[==[{value}]==]"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving the portal from the benchmark's database, on loopback."""

    def __init__(self, *, workers: int, env: dict[str, str]):
        self.port = free_port()
        self.workers = workers
        self.env = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log = tempfile.NamedTemporaryFile(
            prefix="bench-gunicorn-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(gunicorn),
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--error-logfile",
                self.log.name,
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5):  # noqa: S310
                    return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start; see {self.log.name}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def check(url: str, page: Page) -> int:
    """The page's status for one request (the load is meaningless on an error page)."""
    request = urllib.request.Request(  # noqa: S310 - loopback URL built here
        url + page.path,
        data=page.body.encode() if page.body else None,
        method=page.method,
        headers={"Cookie": page.cookie, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wrk(url: str, page: Page, *, seconds: int, connections: int = 20, threads: int = 2) -> dict:
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            LUA
            % {
                "method": _lua_string(page.method),
                "body": _lua_string(page.body),
                "cookie": _lua_string(page.cookie),
            }
        )
    try:
        result = subprocess.run(  # noqa: S603
            [
                binary,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                url + page.path,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        os.unlink(script.name)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {result.stdout}\n{result.stderr}")
    figures = json.loads(line.removeprefix("WRK_JSON "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures
