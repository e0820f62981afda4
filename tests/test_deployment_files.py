"""There is no Docker engine on these machines, so the compose file, the Dockerfile and the
production settings are checked by reading them: every service, its command and the
environment it needs."""

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
# What portal.settings.production refuses to start without.
PRODUCTION_REQUIRED = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"}
PRODUCTION_ENV = {
    "SECRET_KEY": "k9$Wq2!vLx8#pR4mZt6&yB1nC7hJ3dF5gS0aQeUiOoPl-2026-production-check",
    "ALLOWED_HOSTS": "kjzc.example.gov.cn",
    "DATABASE_URL": "postgres://portal:portal@127.0.0.1:5432/portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "PORTAL_HOST": "唐山市科学技术局",
    "PORTAL_HELPLINE": "12345",
}


def _command(service: dict) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_the_stack_has_every_service():
    assert set(SERVICES) == {"db", "redis", "web", "worker", "beat", "mail"}
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")
    assert "mailpit" in SERVICES["mail"]["image"]


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("web", r"gunicorn portal\.wsgi:application --bind 0\.0\.0\.0:8000"),
        ("web", r"manage\.py migrate --noinput"),
        ("worker", r"^celery -A portal worker\b"),
        ("beat", r"^celery -A portal beat\b"),
    ],
)
def test_each_portal_service_runs_the_right_program(name, pattern):
    assert re.search(pattern, _command(SERVICES[name]))


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_portal_services_get_what_production_settings_require(name):
    service = SERVICES[name]
    environment = service["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "portal.settings.production"
    assert set(environment) >= PRODUCTION_REQUIRED
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert environment["EMAIL_URL"] == "smtp://mail:1025"
    assert service["build"] == "."
    assert service["depends_on"]["db"]["condition"] == "service_healthy"
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_programs_named_in_the_compose_file_exist():
    importlib.import_module("portal.wsgi")
    from portal.celery import app

    assert app.main == "portal"


def test_servers_have_health_checks_and_keep_their_data():
    for name in ("db", "redis", "web"):
        assert SERVICES[name]["healthcheck"]["test"]
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]
    assert set(COMPOSE["volumes"]) >= {"pgdata", "redisdata", "media"}


def test_dockerfile_installs_the_lock_file_and_collects_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    assert "pip install --require-hashes -r requirements/base.lock" in dockerfile
    assert "collectstatic --noinput --settings=portal.settings.production" in dockerfile
    assert "USER portal" in dockerfile


def test_env_example_documents_every_production_variable():
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert documented >= PRODUCTION_REQUIRED
    settings_text = "".join(p.read_text() for p in (ROOT / "portal" / "settings").glob("*.py"))
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_text))
    assert read <= documented, f"undocumented: {read - documented}"


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        "--settings=portal.settings.production", env=PRODUCTION_ENV,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", "--settings=portal.settings.production", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_does_not_install_the_demo_generators():
    """The demo app (published passwords, invented companies, the benchmark) is for the embedded
    setup and the tests only: production has neither the app nor its commands."""
    result = _manage("help", "--settings=portal.settings.production", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "load_catalogue" in result.stdout
    assert "load_demo" not in result.stdout and "benchmark" not in result.stdout
    local = _manage("help", "--settings=portal.settings.local", env={})
    assert "load_demo" in local.stdout and "benchmark" in local.stdout
