from pathlib import Path

from django.core.management.base import BaseCommand

from portal import services

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


class Command(BaseCommand):
    help = "Load (or update) the reference data the catalogue is built on. Safe to run again."

    def handle(self, *args, **options):
        counts = services.organisations_load(path=DATA_DIR / "organisations.yaml")
        services.catalogue_admin_group_sync()
        self.stdout.write(
            self.style.SUCCESS(
                "Organisations: {regions} regions, {bureaus} bureaus, {aliases} aliases".format(
                    **counts
                )
            )
        )
