from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incentives import drafting, drafting_measure
from incentives import services as catalogue
from incentives.rules import describe_rule
from organisations.models import Region


class Command(BaseCommand):
    help = (
        "Draft a policy document from its text (.txt or .docx) and print the draft; with --save "
        "keep it as a draft for review in the admin (nothing is live until published). With "
        "--measure, draft the seed documents and print how much of the catalogue the drafts "
        "find unaided (no database needed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="A .txt (UTF-8 or GB18030) or .docx file.")
        parser.add_argument("--region", default="", help="The city, e.g. 唐山市 (for --save).")
        parser.add_argument("--save", action="store_true", help="Keep the draft(s) for review.")
        parser.add_argument(
            "--measure", action="store_true", help="Measure the drafts on the seed documents."
        )
        parser.add_argument(
            "--seeds",
            default=str(drafting_measure.SEEDS_DIR),
            help="The folder of the seed texts (default: ../shared/seeds).",
        )
        parser.add_argument(
            "--verbose-misses", action="store_true", help="With --measure, list what was missed."
        )

    def handle(self, *args, **options):
        if options["measure"]:
            return self.measure(Path(options["seeds"]), verbose=options["verbose_misses"])
        if not options["file"]:
            raise CommandError("Give a file to draft, or --measure.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        text = drafting.read_upload(path.name, path.read_bytes())
        if options["save"]:
            return self.save(text, path.name, options["region"])
        for data in drafting.drafts_from_text(text, source=path.name, region=options["region"]):
            self.print_draft(data)

    def save(self, text: str, file_name: str, region_name: str) -> None:
        try:
            region = Region.objects.get(name=region_name, level__in=["city", "province"])
        except Region.DoesNotExist as error:
            raise CommandError(f"No city or province named “{region_name}”.") from error
        for draft in catalogue.draft_create(region=region, text=text, file_name=file_name):
            self.print_draft(draft.data)
            self.stdout.write(f"Saved as draft #{draft.pk}.")
            if draft.unresolved_bureaus:
                self.stdout.write("Unresolved units: " + "、".join(draft.unresolved_bureaus))

    def print_draft(self, data: dict) -> None:
        document = data["document"]
        self.stdout.write(
            f"== {document['title'] or '(no title)'}  {document['doc_number']}  "
            f"{document['issuer']}  {document['published_on'] or ''}  [{document['status']}]"
        )
        items = 0
        for measure in data["measures"]:
            lead = "、".join(measure["lead"]) or "—"
            responsible = "、".join(measure["responsible"]) or "—"
            self.stdout.write(
                f"  {measure['number']} {measure['title']}  (牵头: {lead}; 责任: {responsible})"
            )
            for item in measure["items"]:
                items += 1
                declared = {i["key"]: i for i in item["inputs"]}
                rule = describe_rule(item["rule"], declared=declared)
                self.stdout.write(f"      · {rule} — {item['quote']}")
        matched = sum(1 for row in data.get("annex") or [] if row["measure"])
        self.stdout.write(
            f"  {len(data['measures'])} measures, {items} items, "
            f"{len(data.get('annex') or [])} annex rows ({matched} matched to a measure)"
        )

    def measure(self, seeds: Path, *, verbose: bool) -> None:
        if not seeds.is_dir():
            raise CommandError(f"No seed folder at {seeds}")
        figures = drafting_measure.measure_seeds(seeds)
        header = (
            f"{'seed':<28} {'money items':>12} {'same kind':>9} {'annex rows':>11} "
            f"{'drafted':>8} {'hits':>5}"
        )
        self.stdout.write(header)
        for seed in figures:
            self.stdout.write(
                f"{seed.seed:<28} {seed.money_found:>5} / {seed.money_catalogued:<4} "
                f"{seed.kind_agrees:>9} {seed.annex_found:>4} / {seed.annex_catalogued:<4} "
                f"{seed.items_drafted:>8} {seed.items_matching:>5}"
            )
            if verbose:
                for line in seed.missed + seed.extra:
                    self.stdout.write(f"    {line}")
        total = drafting_measure.totals(figures)
        self.stdout.write(
            f"{'total':<28} {total['money_found']:>5} / {total['money_catalogued']:<4} "
            f"{total['kind_agrees']:>9} {total['annex_found']:>4} / {total['annex_catalogued']:<4} "
            f"{total['items_drafted']:>8} {total['items_matching']:>5}"
        )
        self.stdout.write(
            "money items: catalogued items (support_kind money) found / catalogued; same kind: "
            "found items whose draft rule is of the catalogued kind; annex rows: "
            "rows of annexes/*.csv naming a unit found / catalogued; drafted: items the drafts "
            "propose; hits: drafted items matching a catalogued one. See "
            "incentives/drafting_measure.py for what counts as found."
        )
