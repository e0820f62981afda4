#!/usr/bin/env python3
"""The README's two commands, for a fresh machine with nothing but python3.

    python3 scripts/dev.py run    # environment, install, migrate SQLite, load data, serve :8000
    python3 scripts/dev.py test   # environment, install, run the whole test suite

Each command creates .venv/ next to manage.py when it is missing and installs the pinned lock
file into it (again only when the lock file changed). Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import venv
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
LOCKS = {"run": ROOT / "requirements" / "base.lock", "test": ROOT / "requirements" / "dev.lock"}


def say(message: str) -> None:
    print(f"\033[1;34m==>\033[0m {message}", flush=True)


def fail(message: str) -> NoReturn:
    print(f"\033[1;31mError:\033[0m {message}", file=sys.stderr)
    sys.exit(1)


def run(*args: str | Path, env: dict | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        fail(f"command failed ({result.returncode}): {' '.join(str(a) for a in args)}")


def _bootstrap_pip() -> None:
    """Debian's python3 without python3-venv has no ensurepip: fetch pip's wheel from PyPI,
    check its published SHA-256, and let the wheel install itself."""
    say("This python3 has no ensurepip; fetching pip from PyPI instead")
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:
        release = json.load(response)
    wheel = next(f for f in release["urls"] if f["packagetype"] == "bdist_wheel")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        with urllib.request.urlopen(wheel["url"], timeout=120) as response:
            path.write_bytes(response.read())
        if hashlib.sha256(path.read_bytes()).hexdigest() != wheel["digests"]["sha256"]:
            fail("the downloaded pip wheel does not match PyPI's checksum")
        run(PYTHON, f"{path}/pip", "install", "--no-index", "--quiet", path)


def ensure_environment(lock: Path) -> None:
    if not PYTHON.exists():
        say(f"Creating the virtual environment in {VENV.relative_to(ROOT)}/")
        has_ensurepip = importlib.util.find_spec("ensurepip") is not None
        venv.EnvBuilder(with_pip=has_ensurepip, clear=True).create(VENV)
        if not has_ensurepip:
            _bootstrap_pip()
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = VENV / f".installed-{lock.stem}"
    if stamp.exists() and stamp.read_text() == digest:
        say(f"Dependencies of {lock.name} already installed")
        return
    say(f"Installing the pinned dependencies of {lock.relative_to(ROOT)}")
    run(PYTHON, "-m", "pip", "install", "-qq", "--disable-pip-version-check",
        "--require-hashes", "-r", lock)  # fmt: skip
    stamp.write_text(digest)


def command_run(options: argparse.Namespace) -> None:
    ensure_environment(LOCKS["run"])
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.local"}
    manage = (PYTHON, ROOT / "manage.py")
    say("Migrating the SQLite database")
    run(*manage, "migrate", "--noinput", "-v", "0", env=env)
    say("Loading the catalogue")
    run(*manage, "load_catalogue", env=env)
    say("Loading the demo enterprise and accounts")
    run(*manage, "load_demo", env=env)
    address = f"127.0.0.1:{options.port}"
    say(f"Serving the portal at http://{address}/ (Ctrl-C stops it)")
    os.chdir(ROOT)
    os.execve(PYTHON, [str(PYTHON), "manage.py", "runserver", address], env)


def command_test(options: argparse.Namespace, pytest_args: list[str]) -> None:
    ensure_environment(LOCKS["test"])
    say("Running the test suite")
    os.chdir(ROOT)
    os.execv(PYTHON, [str(PYTHON), "-m", "pytest", *pytest_args])


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - any python3 may run this file
        fail(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="set up and serve the portal with demo data")
    run_parser.add_argument("--port", type=int, default=8000)
    sub.add_parser("test", help="set up and run the whole test suite (extra args go to pytest)")
    options, extra = parser.parse_known_args()
    if options.command == "run":
        if extra:
            parser.error(f"unknown arguments: {' '.join(extra)}")
        command_run(options)
    else:
        command_test(options, extra)


if __name__ == "__main__":
    main()
