from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import services as account_services
from applications import services as application_services
from dashboard import services as dashboard_services
from incentives import services as catalogue
from organisations import services as organisation_services


class Command(BaseCommand):
    help = (
        "Load the regions, bureaus and the seed policy catalogue from the data files. Safe to run "
        "again: documents already in the database keep the admins' edits unless --update is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite documents already loaded with what the files say now.",
        )

    def handle(self, *args, update=False, **options):
        counts = organisation_services.organisations_load()
        self.stdout.write(
            "Organisations: {regions} regions, {bureaus} bureaus, {aliases} aliases".format(
                **counts
            )
        )
        try:
            loaded = catalogue.catalogue_load(update=update)
        except catalogue.CatalogueError as error:
            raise CommandError(
                "The catalogue files have problems; nothing was loaded:\n  "
                + "\n  ".join(error.problems)
            ) from error
        try:
            with transaction.atomic():
                targets = dashboard_services.targets_load(update=update)
                indicators = dashboard_services.index_load(update=update)
        except dashboard_services.DataFileError as error:
            raise CommandError(
                "targets.yaml or district_index.yaml has problems; they were not loaded:\n  "
                + "\n  ".join(error.problems)
            ) from error
        holidays = application_services.holidays_load()
        account_services.catalogue_admin_group_sync()
        self.stdout.write(
            self.style.SUCCESS(
                "Catalogue: {documents} documents loaded ({skipped} already there, kept), "
                "{measures} measures, {items} items".format(**loaded)
            )
        )
        self.stdout.write(
            "Targets: {targets} loaded ({kept} already there, kept)".format(**targets)
            + "; district index: {indicators} indicators loaded".format(**indicators)
        )
        self.stdout.write(f"Holiday table: {holidays} days of official arrangements")
