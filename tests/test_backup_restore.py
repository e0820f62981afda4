"""scripts/backup.sh and scripts/restore.sh against a real PostgreSQL: a backup of a database with
cases, events, attachments and notifications, restored into a new empty database and media
directory, holds every row and every file, byte for byte."""

import datetime
import hashlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import BureauPosition, Role
from applications import services
from applications.models import Application, CaseEvent, EnterpriseFile, Notification
from portal import clock
from tests import factories
from tests.applications.conftest import attach_all

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("bash", "psql", "pg_dump", "pg_restore", "tar", "sha256sum")


def _url(settings_dict: dict, name: str) -> str:
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict["HOST"] or ""
    query = ""
    if host.startswith("/"):  # a Unix socket directory
        host, query = "", f"?host={quote(host, safe='')}"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] and host else ""
    return f"postgresql://{credentials}{host}{port}/{quote(name, safe='')}{query}"


def _connect(settings_dict: dict, name: str):
    return psycopg2.connect(
        dbname=name,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
    )


@pytest.fixture
def empty_database():
    """A new database on the test server, with a unique name, dropped afterwards."""
    settings_dict = connection.settings_dict
    name = f"portal_restore_{uuid.uuid4().hex[:12]}"
    server = _connect(settings_dict, "postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield name
    finally:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def _run(script: str, *args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / script), *map(str, args)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _rows(cursor, sql: str) -> list[tuple]:
    cursor.execute(sql)
    return sorted(cursor.fetchall())


def test_a_backup_restores_into_an_empty_database_with_every_case_and_file(
    transactional_db, make_user, empty_database, settings, tmp_path
):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"needs the PostgreSQL client tools on PATH; missing: {', '.join(missing)}"
        if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)

    # Real data, made through the services: transactional tests start from an empty database.
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_catalogue", verbosity=0)
    from incentives.models import IncentiveItem

    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    reviewer = make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER, email="s@k.example")
    for n in range(2):
        user = make_user(Role.ENTERPRISE, is_enterprise_admin=True, email=f"cfo{n}@qiye.example")
        factories.qualification(
            user.enterprise,
            kind="hitech",
            recognition="new",
            recognized_on=clock.today() - datetime.timedelta(days=30),
            expires_on=clock.today() + datetime.timedelta(days=1000),
            source="verified",
        )
        application = services.application_start(user=user, item=item)
        attach_all(application, user)
        services.transition(application_id=application.pk, user=user, action="submit")
        if n == 0:
            services.transition(application_id=application.pk, user=reviewer, action="accept")
    cases = list(Application.objects.values_list("id", "reference", "state", "enterprise_id"))
    events = list(
        CaseEvent.objects.values_list("id", "application_id", "action", "to_state", "actor_id")
    )
    files = list(EnterpriseFile.objects.values_list("id", "enterprise_id", "file", "sha256"))
    notices = list(Notification.objects.values_list("id", "key", "application_id", "event_id"))
    assert len(cases) == 2 and len(events) >= 5 and files and notices

    # Back up the test database and its media…
    source_url = _url(connection.settings_dict, connection.settings_dict["NAME"])
    backup = _run(
        "backup.sh",
        tmp_path / "backups",
        env={"DATABASE_URL": source_url, "MEDIA_ROOT": str(settings.MEDIA_ROOT)},
    )
    assert backup.returncode == 0, backup.stderr
    [manifest] = (tmp_path / "backups").glob("portal-*.manifest")
    recorded = dict(line.split("=", 1) for line in manifest.read_text().splitlines() if "=" in line)
    assert recorded["rows.applications_application"] == "2"
    assert recorded["rows.applications_caseevent"] == str(len(events))

    # … restore them into the new empty database and an empty media directory …
    restored_media = tmp_path / "restored-media"
    target_url = _url(connection.settings_dict, empty_database)
    restore = _run("restore.sh", manifest, target_url, restored_media, env={})
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert restore.stdout.strip().splitlines()[-1] == "OK"

    # … and a second restore into the now full database is refused, leaving it as it is.
    again = _run("restore.sh", manifest, target_url, tmp_path / "elsewhere", env={})
    assert again.returncode != 0
    assert "is not empty" in again.stderr

    # Every row is there with the same ids and references, read over a separate connection.
    restored = _connect(connection.settings_dict, empty_database)
    try:
        with restored.cursor() as cursor:
            assert _rows(
                cursor,
                "SELECT id, reference, state, enterprise_id FROM applications_application",
            ) == sorted(cases)
            assert _rows(
                cursor,
                "SELECT id, application_id, action, to_state, actor_id FROM applications_caseevent",
            ) == sorted(events)
            assert _rows(
                cursor, "SELECT id, enterprise_id, file, sha256 FROM applications_enterprisefile"
            ) == sorted(files)
            assert _rows(
                cursor, "SELECT id, key, application_id, event_id FROM applications_notification"
            ) == sorted(notices)
    finally:
        restored.close()

    # Every attachment is in the restored media directory with the content it was uploaded with.
    for _file_id, _enterprise_id, path, sha256 in files:
        restored_file = restored_media / path
        assert restored_file.is_file(), path
        assert hashlib.sha256(restored_file.read_bytes()).hexdigest() == sha256
