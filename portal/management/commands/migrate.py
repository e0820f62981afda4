"""``migrate``, able to bring a database made before the models left portal/.

The user model moved from ``portal`` to ``accounts``. Every migration that points at the user
model (Django's admin log among them) depends on the first migration of the app that holds it,
so on a database made before the move Django would find ``admin.0001`` applied but its new
dependency ``accounts.0001`` not, and refuse to run (InconsistentMigrationHistory). The first
migrations of ``organisations`` and ``accounts`` only take over the state of tables that
``portal``'s migrations made; on such a database those tables already exist, so recording the two
as applied is exactly true. This command does that, then migrates as usual."""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

# The last migration of portal that made tables, and the state-only migrations that took over
# those tables, in dependency order.
MADE_BY_PORTAL = ("portal", "0004_plain_text_names")
TAKEN_OVER = [("organisations", "0001_initial"), ("accounts", "0001_initial")]


def record_models_moved_out_of_portal(connection) -> list[tuple[str, str]]:
    """Record the takeover migrations as applied where portal's tables exist; returns those
    recorded (none on a new database or one already migrated)."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    applied = recorder.applied_migrations()
    if MADE_BY_PORTAL not in applied:
        return []
    recorded = []
    for app_label, name in TAKEN_OVER:
        if (app_label, name) not in applied:
            recorder.record_applied(app_label, name)
            recorded.append((app_label, name))
    return recorded


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        for app_label, name in record_models_moved_out_of_portal(connection):
            if options.get("verbosity", 1) >= 1:
                self.stdout.write(
                    f"  Recorded {app_label}.{name} as applied: its tables were made by portal's "
                    f"migrations before the models moved to {app_label}/."
                )
        return super().handle(*args, **options)
