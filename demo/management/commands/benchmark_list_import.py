"""manage.py benchmark_list_import: an official list of 5,000 rows (a mix of enterprises on the
portal, new ones and a few invalid rows) read as a dry run, confirmed, and its effects (matches
recomputed, 免申即享 offers opened) run, each phase timed in rows per second; then withdrawn.
Run it on a PostgreSQL database of its own (it adds enterprises and accounts and leaves them).
See docs/benchmarks.md, section 4."""

from __future__ import annotations

import datetime
import platform
import random
import time

from celery import current_app
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import BureauPosition, Role, User
from applications.models import Application
from enterprises.models import AccountStatus, Enterprise
from incentives.models import IncentiveItem
from official_lists import services, withdrawal
from official_lists.models import ListOffer
from organisations.models import Bureau, Region
from portal.validators import credit_code_check_character, org_code_check_character

HEADER = "统一社会信用代码,企业名称,资质,层级,认定日期,证书编号,批次/文号"


def _code(rng: random.Random, division: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    org8 = "".join(rng.choice(alphabet[:10] + "ABCDEFGH") for _ in range(8))
    first17 = "91" + division + org8 + org_code_check_character(org8)
    return first17 + credit_code_check_character(first17)


class Command(BaseCommand):
    help = (
        "Time an official list import of --rows rows on the PostgreSQL database of DATABASE_URL: "
        "dry run, confirm, matches and offers, withdrawal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=5000)
        parser.add_argument("--existing", type=float, default=0.7, help="share on the portal")
        parser.add_argument("--invalid", type=int, default=50, help="rows with a bad code")
        parser.add_argument("--accounts", type=int, default=500, help="of the existing ones")
        parser.add_argument("--seed", type=int, default=None, help="default: new data each run")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Run the benchmark on PostgreSQL (set DATABASE_URL).")
        # As in production: a step queues its tasks and returns; a worker runs them. The
        # in-memory broker takes them here (the effects are run and timed below, by hand).
        current_app.conf.task_always_eager = False
        current_app.conf.broker_url = "memory://"
        if not IncentiveItem.objects.filter(key="ts2019-hitech-new").exists():
            call_command("load_catalogue", verbosity=0)
        item = IncentiveItem.objects.get(key="ts2019-hitech-new")
        item.delivery = "no_application"  # 免申即享 for the benchmark (the catalogue says review)
        item.save(update_fields=["delivery"])
        rng = random.Random(options["seed"])  # noqa: S311 - test data, not secrets
        city = Region.objects.get(name="唐山市", level=Region.Level.CITY)
        districts = list(city.children.exclude(code=""))
        bureau = Bureau.objects.get(city=city, name="市科学技术局")
        head, _ = User.objects.get_or_create(
            username="bench-list-head",
            defaults={
                "role": Role.BUREAU,
                "bureau": bureau,
                "bureau_position": BureauPosition.HEAD,
                "full_name": "基准科长",
                "password": make_password(None),
            },
        )
        total, invalid = options["rows"], options["invalid"]
        existing_n = int((total - invalid) * options["existing"])
        new_n = total - invalid - existing_n
        self.stdout.write(f"Setting up {existing_n} enterprises on the portal …")
        run = rng.randrange(10**6)
        existing = Enterprise.objects.bulk_create(
            [
                Enterprise(
                    credit_code=_code(rng, rng.choice(districts).code),
                    name=f"唐山基准{run}企业{n}有限公司",
                    city=city,
                    district=rng.choice(districts),
                    account_status=AccountStatus.VERIFIED,
                )
                for n in range(existing_n)
            ],
            batch_size=1000,
        )
        password = make_password(None)
        User.objects.bulk_create(
            [
                User(
                    username=f"bench-{run}-{e.pk}",
                    role=Role.ENTERPRISE,
                    enterprise=e,
                    is_enterprise_admin=True,
                    password=password,
                )
                for e in existing[: options["accounts"]]
            ],
            batch_size=1000,
        )
        day = datetime.date.today() - datetime.timedelta(days=20)
        lines = [HEADER]
        for n, enterprise in enumerate(existing):
            lines.append(
                f"{enterprise.credit_code},{enterprise.name},高新技术企业,国家级,{day},GR{n:08d},"
            )
        for n in range(new_n):
            code = _code(rng, rng.choice(districts).code)
            lines.append(f"{code},唐山新名单{run}企业{n}有限公司,高新技术企业,国家级,{day},,")
        for n in range(invalid):
            code = _code(rng, "130203")
            lines.append(
                f"{code[:17]}{'0' if code[17] != '0' else '1'},坏代码{n},高新技术企业,,{day},,"
            )
        body = lines[1:]
        rng.shuffle(body)
        lines = [HEADER, *body]
        content = ("\n".join(lines) + "\n").encode("utf-8")
        upload = SimpleUploadedFile("bench.csv", content, content_type="text/csv")

        figures = {}
        start = time.perf_counter()
        listed = services.list_upload(
            by=head, title="基准名单", batch=f"基准{run}号", upload=upload
        )
        figures["dry run"] = time.perf_counter() - start
        self.stdout.write(f"Dry run: {listed.counts}")
        start = time.perf_counter()
        services.list_confirm(list_id=listed.pk, by=head)
        figures["confirm"] = time.perf_counter() - start
        start = time.perf_counter()
        opened = services.list_effects(list_id=listed.pk)
        figures["matches and offers"] = time.perf_counter() - start
        listed.refresh_from_db()
        self.stdout.write(f"Confirmed: {listed.applied}; offers opened {opened}")
        start = time.perf_counter()
        withdrawal.list_withdraw(list_id=listed.pk, by=head, reason="基准测试")
        figures["withdraw"] = time.perf_counter() - start
        start = time.perf_counter()
        services.list_effects(list_id=listed.pk)
        figures["recompute after withdrawal"] = time.perf_counter() - start
        withdrawn = Application.objects.filter(
            pk__in=ListOffer.objects.filter(official_list=listed).values("application_id"),
            state="withdrawn",
        ).count()
        self.stdout.write(f"Withdrawn: offers withdrawn {withdrawn}")
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        self.stdout.write(
            f"\n{total} rows ({existing_n} on the portal, {new_n} new, {invalid} invalid); "
            f"PostgreSQL {version}, Python {platform.python_version()}, {platform.machine()}"
        )
        for phase, seconds in figures.items():
            self.stdout.write(f"  {phase:<28} {seconds:7.2f} s  {total / seconds:8.0f} rows/s")
        upload_to_offers = sum(list(figures.values())[:3])
        self.stdout.write(
            f"  {'upload → offers':<28} {upload_to_offers:7.2f} s  "
            f"{total / upload_to_offers:8.0f} rows/s"
        )
