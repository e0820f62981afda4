"""pg_trgm for the catalogue search on PostgreSQL (a trusted extension since PostgreSQL 13, in
Debian's postgresql package). On SQLite the operation does nothing and search uses exact words."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0010_changeproposal"),
    ]

    operations = [TrigramExtension()]
