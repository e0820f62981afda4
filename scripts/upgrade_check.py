"""Does a database made by an earlier commit migrate to this one with every row kept?

    python3 scripts/upgrade_check.py [COMMIT]      (default: the last commit before the apps moved)

With DATABASE_URL set (PostgreSQL in CI) it uses that server, in a database of its own that it
drops afterwards; without it, a SQLite file. Steps:
1. check COMMIT out into a temporary worktree, and there: migrate, load_catalogue, load_demo
   (the run command's demo data: 240 enterprises, accounts, cases, matches);
2. count the rows of every table (and, on PostgreSQL, a digest of each table's contents);
3. here: ``manage.py migrate``, then count again;
4. print both counts per table and fail unless every table kept its rows (only
   django_migrations may grow) and the moved models answer through their new apps.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
# The last commit whose models lived in portal/ (issue 13 moved them out).
BEFORE_THE_MOVE = "e576960"
# Rows only added: migrations applied, permissions of models added since.
GROWS = {"django_migrations", "auth_permission"}
# Contents changed on purpose: compared by count only (no fewer rows; models added since bring
# their own).
RELABELLED = {"django_content_type": "the moved models' content types now name their new apps"}

# Each table's row count, its columns and (on PostgreSQL) a digest of its contents. With
# UPGRADE_COLUMNS (the columns each table had before), the digest reads only those columns: a
# column added since (a new field) does not count as a change of the rows that were there.
COUNT = r"""
import json, os, django
django.setup()
from django.db import connection
tables = sorted(connection.introspection.table_names())
before = json.loads(os.environ.get("UPGRADE_COLUMNS") or "{}")
out = {}
with connection.cursor() as cursor:
    for table in tables:
        name = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COUNT(*) FROM {name}")
        count = cursor.fetchone()[0]
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
        digest = None
        if connection.vendor == "postgresql" and table not in ("django_migrations",):
            kept = [c for c in before.get(table, columns) if c in columns]
            row = "row(" + ", ".join("t." + connection.ops.quote_name(c) for c in kept) + ")::text"
            rows = f"string_agg({row}, '|' ORDER BY {row})"
            cursor.execute(f"SELECT md5(coalesce({rows}, '')) FROM {name} t")
            digest = cursor.fetchone()[0]
        out[table] = [count, digest, columns]
print(json.dumps(out))
"""

MOVED_MODELS_ANSWER = r"""
import django
django.setup()
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from accounts.models import User
from enterprises.models import Enterprise, YearlyFigures
from organisations.models import Bureau, Region
from incentives.models import Match
from applications.models import Application
user = User.objects.filter(enterprise__isnull=False).select_related("enterprise__city").first()
assert user and user.enterprise.city.name, "an enterprise user reaches its enterprise and city"
assert Application.objects.filter(enterprise__users__isnull=False).exists()
assert Match.objects.filter(enterprise__in=Enterprise.objects.all()).exists()
stale = list(ContentType.objects.filter(app_label="portal").values_list("model", flat=True))
assert not stale, f"content types left in portal: {stale}"
moved = Permission.objects.filter(content_type__app_label="accounts", codename="change_user")
assert moved.exists(), "the permissions on users moved with their content type"
print(
    f"through the new apps: {User.objects.count()} users, "
    f"{Enterprise.objects.count()} enterprises, "
    f"{YearlyFigures.objects.count()} yearly figures, {Region.objects.count()} regions, "
    f"{Bureau.objects.count()} bureaus; content types and permissions moved with the models"
)
"""


def run(args, *, cwd, env, capture=False):
    result = subprocess.run(
        args, cwd=cwd, env=env, check=True, text=True, capture_output=capture, timeout=1800
    )
    return result.stdout


def counts(cwd, env, *, columns: dict | None = None) -> dict[str, list]:
    env = {**env, "UPGRADE_COLUMNS": json.dumps(columns or {})}
    return json.loads(run([str(PYTHON), "-c", COUNT], cwd=cwd, env=env, capture=True))


def main() -> int:
    commit = sys.argv[1] if len(sys.argv) > 1 else BEFORE_THE_MOVE
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "PYTHONPATH": "",
    }
    server = os.environ.get("DATABASE_URL", "")
    scratch = Path(tempfile.mkdtemp(prefix="upgrade-check-"))
    database = None
    if server.startswith("postgres"):
        base, _, _ = server.rpartition("/")
        database = f"portal_upgrade_{uuid.uuid4().hex[:8]}"
        env["DATABASE_URL"] = f"{base}/{database}"
        admin = {**env, "DATABASE_URL": server}
        run(
            [
                str(PYTHON),
                "-c",
                "import django; django.setup(); from django.db import connection;"
                f"connection.cursor().execute('CREATE DATABASE {database}')",
            ],
            cwd=ROOT,
            env=admin,
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{scratch / 'db.sqlite3'}"
    old = scratch / "old"
    try:
        run(["git", "worktree", "add", "--detach", "-q", str(old), commit], cwd=ROOT, env=env)
        print(f"1. {commit}: migrate, load_catalogue, load_demo into {env['DATABASE_URL']}")
        for command in (["migrate", "-v0"], ["load_catalogue"], ["load_demo"]):
            run([str(PYTHON), "manage.py", *command], cwd=old, env=env, capture=True)
        before = counts(old, env)
        print(f"2. {sum(c for c, *_ in before.values()):,} rows in {len(before)} tables")
        print("3. this commit: manage.py migrate")
        print(run([str(PYTHON), "manage.py", "migrate"], cwd=ROOT, env=env, capture=True))
        after = counts(ROOT, env, columns={t: cols for t, (_, _, cols) in before.items()})
        problems = []
        print(f"{'table':44} {'before':>9} {'after':>9}")
        for table in sorted(set(before) | set(after)):
            was = before.get(table, [None, None, []])[:2]
            now = after.get(table, [None, None, []])[:2]
            new_table = table not in before
            same = (
                new_table
                or was == now
                or (table in GROWS and now[0] >= was[0])
                or (table in RELABELLED and now[0] >= was[0])
            )
            mark = "   (new)" if new_table else ("" if same else "   <-- changed")
            print(
                f"{table:44} {was[0] if was[0] is not None else '—':>9} "
                f"{now[0] if now[0] is not None else '—':>9}{mark}"
            )
            if not same:
                problems.append(table)
        print(run([str(PYTHON), "-c", MOVED_MODELS_ANSWER], cwd=ROOT, env=env, capture=True))
        if problems:
            print("FAIL: rows changed in " + ", ".join(problems))
            return 1
        digests = "and the same contents " if any(d for _, d, _ in before.values()) else ""
        for table, why in RELABELLED.items():
            print(f"{table}: no row lost; {why}")
        print(
            f"every table kept its rows {digests}({len(before)} tables; "
            f"django_migrations {before['django_migrations'][0]} → "
            f"{after['django_migrations'][0]})"
        )
        return 0
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False)
        shutil.rmtree(scratch, ignore_errors=True)
        if database:
            subprocess.run(
                [
                    str(PYTHON),
                    "-c",
                    "import django; django.setup(); from django.db import "
                    f"connection; connection.cursor().execute('DROP DATABASE {database}')",
                ],
                cwd=ROOT,
                env={**env, "DATABASE_URL": server},
                check=False,
            )


if __name__ == "__main__":
    sys.exit(main())
