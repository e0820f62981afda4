import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit import log


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a date like 2026-01-01") from error


class Command(BaseCommand):
    help = (
        "Export the audit log — every case event and every recorded change of the catalogue and "
        "of the enterprise profiles, oldest first — as an xlsx or csv file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day to include (YYYY-MM-DD); default: all.")
        parser.add_argument("--until", help="Last day to include (YYYY-MM-DD); default: today.")
        parser.add_argument(
            "--format",
            choices=log.FORMATS,
            help="File format; default: from the output file's extension, else xlsx.",
        )
        parser.add_argument("--output", required=True, help="The file to write.")

    def handle(self, *args, since=None, until=None, format=None, output, **options):
        since_day = _date(since) if since else None
        until_day = _date(until) if until else None
        if since_day and until_day and until_day < since_day:
            raise CommandError("--until is before --since")
        path = Path(output)
        format = format or (
            path.suffix[1:].lower() if path.suffix[1:].lower() in log.FORMATS else "xlsx"
        )
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("wb") as stream:
                count = log.audit_export(
                    stream=stream, format=format, since=since_day, until=until_day
                )
            partial.replace(path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"cannot write {output}: {error}") from error
        self.stdout.write(f"{count} rows written to {path} ({format})")
