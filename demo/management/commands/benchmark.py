"""manage.py benchmark: build a city-scale data set in a PostgreSQL database of its own and print
every figure of issue 8 (full recompute at each size, the naive way on a sample, one enterprise
after a profile change, pages under load). See docs/benchmarks.md."""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import platform
import resource
import secrets
import statistics
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone

from accounts.models import Role, User
from applications.models import Application
from demo.benchmark import load as demo_benchmark_load
from demo.benchmark import workers as benchmark_workers
from demo.benchmark.province import province_clone
from demo.benchmark.synthetic import PROVINCE_FROM, Synthetic, write_cases
from enterprises.models import Enterprise, YearlyFigures
from incentives import matching, matching_bulk
from incentives.models import AwardRule, IncentiveItem, Match
from organisations.models import Bureau
from portal import clock

QUICK = {"sizes": [2000], "sample": 40, "single": 30, "cases": 2000, "seconds": 3}
FULL = {"sizes": [10_000, 50_000, 100_000], "sample": 100, "single": 100, "cases": 50_000}
FULL["seconds"] = 20
# From this size on the plan leaves out what is not asked there (see the command's help).
LARGE = 1_000_000


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _recompute_child(on: datetime.date, pipe) -> None:
    """The full recompute in a process of its own, so that its peak RSS is its own."""
    connections.close_all()
    start = time.perf_counter()
    outcome = matching_bulk.full_recompute(on=on)
    seconds = time.perf_counter() - start
    pipe.send({"seconds": seconds, "rss_mib": _rss_mib(), **outcome.__dict__})
    pipe.close()


# Issue 17's targets for the figures of ``_recompute`` (the nightly run's is for 100,000).
NIGHTLY_TARGET_SECONDS, NIGHTLY_TARGET_SIZE = 20, 100_000
FIRST_TARGET_SECONDS = 60  # the first run over an empty table, at 100,000 too
RSS_TARGET_MIB = 1024  # per worker
PAGE_P95_MS = 250  # every page under load, 20 clients (at 1,000,000 too)
SINGLE_MEDIAN_MS, SINGLE_P95_MS = 20, 60
CALCULATOR_P95_MS = 100
RULE_CHANGE_SECONDS = 5  # one item's rule change recomputed for every enterprise it serves


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def _nightly_verdict(size: int, seconds: float) -> str:
    """The nightly run's target is for 100,000 enterprises; a smaller run is not judged."""
    target = f"target ≤ {NIGHTLY_TARGET_SECONDS} s at {NIGHTLY_TARGET_SIZE:,}"
    if size < NIGHTLY_TARGET_SIZE:
        return f"{target}: not judged at {size:,}"
    return f"{target}: {_met(seconds <= NIGHTLY_TARGET_SECONDS)}"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = (
        "Build a synthetic city-scale data set in the PostgreSQL database of DATABASE_URL (its "
        "name must contain 'bench': the command empties it of enterprises) and print the "
        "figures of docs/benchmarks.md. Above 100,000 enterprises (or with --province) the data "
        "set is a province's: 河北's eleven cities and 鹤壁 and 酒泉 by population, the nine "
        "cities beyond the seed given a copy of 唐山's catalogue first. At 1,000,000 and above "
        "the command draws the data, prints the database's size, runs "
        "the full recompute (first run, steady state, nightly run on a new day), the naive way "
        "on a sample of enterprises, one enterprise after a profile change, and the pages under "
        "load with 50,000 cases; it skips one item's rule change: its target is for 100,000 "
        "enterprises and finding the widest item groups the whole match table twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quick", action="store_true", help="N=2,000, 3 s of load per page")
        parser.add_argument("--sizes", help="enterprise counts, e.g. 10000,50000,100000")
        parser.add_argument("--cases", type=int, help="cases built for the load test")
        parser.add_argument("--seconds", type=int, help="seconds of load per page")
        parser.add_argument("--no-load", action="store_true", help="skip the pages under load")
        parser.add_argument(
            "--province",
            action="store_true",
            help="draw over 河北's cities (catalogue cloned) at any size, not the four seed cities",
        )
        parser.add_argument("--json", help="also write the figures to this file")

    # -----------------------------------------------------------------------------------------

    def handle(self, *args, **options):
        plan = dict(QUICK if options["quick"] else FULL)
        if options["sizes"]:
            plan["sizes"] = [int(s.replace("_", "")) for s in options["sizes"].split(",")]
        for name in ("cases", "seconds"):
            if options[name]:
                plan[name] = options[name]
        self._database_ready()
        self.figures: dict = {"plan": plan, "machine": self._machine(), "sizes": {}}
        self.on = clock.today()
        self.say(f"Benchmark on {self.on}: {self.figures['machine']}")
        # One data set a run, chosen by its largest size: a run's sizes extend each other.
        province = options["province"] or max(plan["sizes"]) > PROVINCE_FROM
        plan["province"] = province
        if province:
            start = time.perf_counter()
            cloned = province_clone()
            self.say(
                f"The province: 河北's other cities with 唐山's catalogue copied "
                f"({cloned.get('items', 0)} items added) in {time.perf_counter() - start:.1f} s"
            )
        synthetic = Synthetic(today=self.on, province=province)
        have = 0
        for size in sorted(plan["sizes"]):
            start = time.perf_counter()
            synthetic.write(size - have)
            have = size
            row = {"data_seconds": time.perf_counter() - start}
            self.say(
                f"\n== N = {size:,} enterprises (drawn and copied in {row['data_seconds']:.1f} s)"
            )
            row["database_after_data"] = self._database_size()
            row.update(self._recompute(size, plan))
            row["database_after_recompute"] = self._database_size()
            self.figures["sizes"][size] = row
        if max(plan["sizes"]) < LARGE:
            self.figures["rule_change"] = self._rule_change()
        else:
            self.say(
                f"\n(one item's rule change skipped at {max(plan['sizes']):,}: its target is "
                "for 100,000 enterprises)"
            )
        if not options["no_load"]:
            self.figures["load"] = self._load(plan)
        self._summary()
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(self.figures, indent=2, default=str))

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    # -----------------------------------------------------------------------------------------

    def _database_ready(self) -> None:
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError(
                "The benchmark needs PostgreSQL (the figures are PostgreSQL's): set DATABASE_URL="
                "postgres://user:password@host:5432/portal_bench. SQLite is refused."
            )
        if "bench" not in db["NAME"]:
            raise CommandError(
                f"The database “{db['NAME']}” does not look like a benchmark database: the "
                "benchmark empties it of enterprises, matches and cases. Use a name containing "
                "'bench' (e.g. portal_bench); it is created when missing."
            )
        import psycopg2
        from psycopg2 import sql

        server = psycopg2.connect(
            dbname="postgres",
            user=db["USER"],
            password=db["PASSWORD"],
            host=db["HOST"] or None,
            port=db["PORT"] or None,
        )
        server.autocommit = True
        with server.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
            if cursor.fetchone() is None:
                self.say(f"Creating the database {db['NAME']}")
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
        server.close()
        self.say("Migrating and loading the catalogue")
        call_command("migrate", verbosity=0, interactive=False)
        try:
            call_command("load_catalogue", verbosity=0)
        except CommandError as error:
            if not IncentiveItem.objects.exists():
                raise
            # The catalogue itself loads first; a later step (the dashboard's targets) failing
            # does not change what is matched.
            self.say(f"load_catalogue: the catalogue is loaded, a later step failed: {error}")
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE portal_enterprise, django_session, incentives_recomputejob CASCADE"
            )

    def _database_size(self) -> dict:
        """The database's size and its largest tables (rows as PostgreSQL estimates them after
        ANALYZE), printed and kept in the figures."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT pg_database_size(current_database())")
            total = cursor.fetchone()[0]
            cursor.execute(
                "SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' "
                "ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8"
            )
            tables = {name: {"rows": rows, "bytes": size} for name, rows, size in cursor}
        self.say(
            f"database size: {total / 2**20:,.0f} MiB; "
            + ", ".join(
                f"{name} ≈ {t['rows']:,} rows, {t['bytes'] / 2**20:,.0f} MiB"
                for name, t in list(tables.items())[:5]
            )
        )
        return {"bytes": total, "tables": tables}

    def _machine(self) -> dict:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        return {
            "cpus": os.cpu_count(),
            "memory_gib": round(memory, 1),
            "postgresql": version,
            "python": platform.python_version(),
            "kernel": platform.release(),
        }

    # -----------------------------------------------------------------------------------------

    def _full_recompute(self, on: datetime.date | None = None) -> dict:
        connections.close_all()
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_recompute_child, args=(on or self.on, send))
        child.start()
        result = receive.recv()
        child.join()
        return result

    def _recompute(self, size: int, plan: dict) -> dict:
        broker = benchmark_workers.broker_url()
        if broker:
            row = self._recompute_on_workers(size, broker)
        else:
            self.say(
                "No Redis (CELERY_BROKER_URL or REDIS_URL): the full recompute runs in one "
                "process, not on Celery workers"
            )
            row = self._recompute_in_process(size)
        first, steady = row["first"], row["steady"]
        # The naive way: one enterprise at a time, every item evaluated in Python and stored,
        # as a per-profile screener does (matching.enterprise_recompute), on a sample.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM portal_enterprise ORDER BY random() LIMIT %s", [plan["sample"]]
            )
            sample = [row[0] for row in cursor.fetchall()]
        start = time.perf_counter()
        for pk in sample:
            matching.enterprise_recompute(enterprise_id=pk, on=self.on)
        naive_each = (time.perf_counter() - start) / len(sample)
        naive = naive_each * size
        self.say(
            f"naive per-enterprise recompute: {naive_each * 1000:.0f} ms per enterprise on a "
            f"sample of {len(sample)}, {naive:.0f} s extrapolated to {size:,} (every row new "
            f"that day): {naive / first['seconds']:.1f}× the first run, "
            f"{naive / steady['seconds']:.1f}× the steady state"
        )
        single = self._single(plan["single"])
        self.say(
            f"one enterprise after a profile change: median {single['median_ms']:.0f} ms, "
            f"p95 {single['p95_ms']:.0f} ms over {single['count']}"
        )
        return {
            **row,
            "naive_ms_per_enterprise": naive_each * 1000,
            "naive_sample": len(sample),
            "naive_extrapolated_seconds": naive,
            "ratio_first": naive / first["seconds"],
            "ratio_steady": naive / steady["seconds"],
            "single": single,
        }

    def _truncate_matches(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE incentives_match, incentives_enterprisenotice")

    def _recompute_on_workers(self, size: int, broker: str) -> dict:
        """Issue 17: the full recompute as the portal runs it — a job split into chunk tasks
        on Celery workers — with one worker, then with two, each from an empty table (the first
        run) and then on the next day with nothing changed (the nightly run)."""
        next_day = self.on + datetime.timedelta(days=1)
        row: dict = {}

        def said(label: str, result: dict) -> dict:
            spread = ", ".join(str(n) for n in result["chunks_by_worker"].values())
            rss = ", ".join(f"{mib:.0f}" for mib in result["rss_mib_each"])
            self.say(
                f"{label}, {result['workers']} worker{'s' if result['workers'] > 1 else ''}: "
                f"{result['seconds']:.1f} s, {result['written']:,} rows written of "
                f"{result['rows']:,}, {result['chunks']} chunks ({spread} by worker), peak RSS "
                f"per worker {rss} MiB; CPU: workers {result['cpu_workers']:.1f} s, the "
                f"PostgreSQL server {result['cpu_postgres']:.1f} s"
            )
            return result

        # At a province's size only two workers (the figures issue 17 asks there): one worker
        # would add the longest run of all and say nothing the 100,000 runs do not.
        counts = (2,) if size >= LARGE else (1, 2)
        for count in counts:
            self._truncate_matches()
            connections.close_all()
            with benchmark_workers.Workers(count, broker) as workers:
                first = said("full recompute, first time (empty table)", workers.recompute(self.on))
                if count == 2:
                    row["steady"] = said(
                        "full recompute, steady state (the same day, nothing changed)",
                        workers.recompute(self.on),
                    )
                nightly = said(
                    "nightly on a new day (nothing changed)", workers.recompute(next_day)
                )
            suffix = "" if count == 2 else "_1"
            row[f"first{suffix}"], row[f"nightly{suffix}"] = first, nightly
        return row

    def _recompute_in_process(self, size: int) -> dict:
        self._truncate_matches()
        first = self._full_recompute()
        self.say(
            f"full recompute, first time (empty table): {first['seconds']:.1f} s, "
            f"{first['rows']:,} matches written, {first['evaluated']:,} decided by the engine "
            f"(the rest shared), peak RSS {first['rss_mib']:.0f} MiB"
        )
        steady = self._full_recompute()
        self.say(
            f"full recompute, steady state (nothing changed): {steady['seconds']:.1f} s, "
            f"{steady['written']:,} rows written, peak RSS {steady['rss_mib']:.0f} MiB"
        )
        # The nightly run (issue 17): the next day, nothing else changed. Only the rows whose
        # verdict the date changes are written (a certificate expiring, "within 365 days").
        nightly = self._full_recompute(self.on + datetime.timedelta(days=1))
        self.say(
            f"nightly on a new day (nothing changed): {nightly['seconds']:.1f} s, "
            f"{nightly['written']:,} rows written of {nightly['rows']:,}, peak RSS "
            f"{nightly['rss_mib']:.0f} MiB; {_nightly_verdict(size, nightly['seconds'])}"
        )
        return {"first": first, "steady": steady, "nightly": nightly}

    def _single(self, count: int) -> dict:
        """A figure of the latest year changes, then the enterprise is recomputed (what the
        worker does after a profile edit)."""
        rows = list(
            YearlyFigures.objects.filter(year=self.on.year - 1, revenue__isnull=False)
            .order_by("?")
            .values_list("pk", "enterprise_id", "revenue")[:count]
        )
        times = []
        for pk, enterprise_id, revenue in rows:
            YearlyFigures.objects.filter(pk=pk).update(revenue=revenue * Decimal("1.1"))
            start = time.perf_counter()
            matching.enterprise_recompute(enterprise_id=enterprise_id, on=self.on)
            times.append((time.perf_counter() - start) * 1000)
        return {
            "count": len(times),
            "median_ms": statistics.median(times),
            "p95_ms": _percentile(times, 0.95),
        }

    # -----------------------------------------------------------------------------------------

    def _rule_change(self) -> dict:
        """Issue 17: the award rule of the item serving the most enterprises is edited (its amount
        raised by a tenth where it has one: a new rule version either way, so every row of the
        item changes) and the item is recomputed for every enterprise it serves, as the worker
        does after the edit (``matching.item_recompute``). Then the rule is put back and
        recomputed again, and once more with nothing changed."""
        top = Match.objects.values("item_id").annotate(n=Count("pk")).order_by("-n").first()
        if top is None:
            return {}
        widest = (
            Match.objects.values("item_id").annotate(n=Count("pk")).filter(n=top["n"])
        ).values_list("item_id", flat=True)
        rules = list(AwardRule.objects.filter(item_id__in=list(widest)).order_by("item_id", "pk"))
        if not rules:
            return {}
        rule = next((r for r in rules if "amount" in (r.params or {})), rules[0])
        original = dict(rule.params)
        matching.item_recompute(item_id=rule.item_id, on=self.on)  # this version's plans built

        def timed(label: str) -> dict:
            started = time.perf_counter()
            since = timezone.now()
            rows = matching.item_recompute(item_id=rule.item_id, on=self.on)
            seconds = time.perf_counter() - started
            written = Match.objects.filter(item_id=rule.item_id, computed_at__gte=since).count()
            self.say(
                f"one item's rule change ({label}): {seconds:.2f} s for {rows:,} enterprises, "
                f"{written:,} rows written; target ≤ {RULE_CHANGE_SECONDS} s: "
                f"{_met(seconds <= RULE_CHANGE_SECONDS)}"
            )
            return {"seconds": seconds, "rows": rows, "written": written}

        self.say(f"\n== One item's rule change ({rule.item.key}, rule {rule.kind})")
        params = dict(original)
        if "amount" in params:
            params["amount"] = str(Decimal(str(params["amount"])) * Decimal("1.1"))
        rule.params = params
        rule.save()  # a new version of the rule, and of the catalogue
        changed = timed("amount raised" if "amount" in params else "new version")
        rule.params = original
        rule.save()
        back = timed("put back")
        same = timed("nothing changed")
        row = {"item": rule.item.key, "changed": changed, "back": back, "unchanged": same}
        self.figures.setdefault("issue17", []).append(
            {
                "figure": f"one item's rule change, {changed['rows']:,} enterprises",
                "value": f"{changed['seconds']:.2f} s ({changed['written']:,} rows written)",
                "target": f"≤ {RULE_CHANGE_SECONDS} s",
                "met": changed["seconds"] <= RULE_CHANGE_SECONDS,
            }
        )
        return row

    def _load(self, plan: dict) -> dict:
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore

        self.say(f"\n== Pages under load ({Enterprise.objects.count():,} enterprises)")
        # The enterprise user belongs to a 唐山 company with many matches.
        enterprise = (
            Enterprise.objects.filter(city__name="唐山市", credit_code__startswith="9")
            .annotate(n=Count("matches"))
            .order_by("-n", "pk")
            .first()
        )
        owner = User.objects.create_user(
            username="bench-qiye", password=None, role=Role.ENTERPRISE, enterprise=enterprise
        )
        start = time.perf_counter()
        written = write_cases(plan["cases"], created_by_id=owner.pk)
        self.say(
            f"{written:,} cases with their events copied in {time.perf_counter() - start:.1f} s"
        )
        bureau = Bureau.objects.annotate(n=Count("led_applications")).order_by("-n").first()
        reviewer = User.objects.create_user(
            username="bench-shenhe",
            password=None,
            role=Role.BUREAU,
            bureau=bureau,
            bureau_position="reviewer",
        )
        matching.enterprise_recompute(enterprise_id=enterprise.pk, on=self.on)
        in_queue = (
            Application.objects.filter(lead_bureaus=bureau)
            .exclude(state__in=["draft", "offered"])
            .count()
        )

        def cookie(user) -> str:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

        item = (
            IncentiveItem.objects.filter(measure__document__region__name="唐山市")
            .annotate(n=Count("matches"))
            .order_by("-n")
            .first()
        )
        facts = {"revenue": 30_000_000, "rd_expense": 1_500_000, "hitech_valid": True}
        facts |= {"employees": 120, "scale": "small", "tech_sme_level": "provincial"}
        pages = [
            demo_benchmark_load.Page("catalogue list", "/policies/"),
            demo_benchmark_load.Page("item page", f"/policies/{item.key}/"),
            demo_benchmark_load.Page(
                "我的政策 (my policies)", "/enterprise/policies/", cookie=cookie(owner)
            ),
            demo_benchmark_load.Page("bureau queue", "/bureau/cases/", cookie=cookie(reviewer)),
            demo_benchmark_load.Page(
                "calculator API",
                "/api/v1/calculator/",
                method="POST",
                body=json.dumps({"city": "唐山市", "facts": facts}, ensure_ascii=False),
            ),
        ]
        context = {
            "enterprises": Enterprise.objects.count(),
            "cases": Application.objects.count(),
            "matches": Match.objects.count(),
            "my_matches": Match.objects.filter(enterprise=enterprise).count(),
            "my_cases": Application.objects.filter(enterprise=enterprise).count(),
            "queue_cases": in_queue,
            "item_matches": Match.objects.filter(item=item).count(),
            "workers": 2 * (os.cpu_count() or 1) + 1,
        }
        self.say(
            f"{context['cases']:,} cases, {context['matches']:,} matches; the enterprise user has "
            f"{context['my_matches']} matches and {context['my_cases']} cases, the reviewer's "
            f"queue {context['queue_cases']:,} cases; gunicorn with {context['workers']} workers"
        )
        connections.close_all()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.local",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "CELERY_BROKER_URL": "",
        }
        results = {}
        with demo_benchmark_load.Gunicorn(workers=context["workers"], env=env) as server:
            for page in pages:
                status = demo_benchmark_load.check(server.url, page)
                if status != 200:
                    raise CommandError(f"{page.name} ({page.path}) answers {status}, not 200")
                demo_benchmark_load.wrk(server.url, page, seconds=2)  # warm the workers up
                figures = demo_benchmark_load.wrk(server.url, page, seconds=plan["seconds"])
                results[page.name] = figures
                self.say(
                    f"{page.name:24} p50 {figures['p50_us'] / 1000:7.1f} ms  p95 "
                    f"{figures['p95_us'] / 1000:7.1f} ms  {figures['rps']:7.1f} req/s  "
                    f"({figures['requests']:,} requests, {figures['non_2xx']} not 2xx, "
                    f"{figures['errors']} errors)"
                )
        return {"context": context, "pages": results, "seconds": plan["seconds"]}

    # -----------------------------------------------------------------------------------------

    def _summary(self) -> None:
        self.say("\n== Summary (targets of issue 8)")
        self.say(
            f"{'N':>9} {'first s':>8} {'steady s':>9} {'RSS MiB':>8} {'naive s':>8} "
            f"{'ratio':>7} {'1-ent median ms':>16} {'p95 ms':>7}"
        )
        for size, row in self.figures["sizes"].items():
            rss = max(row["first"]["rss_mib"], row["steady"]["rss_mib"])
            self.say(
                f"{size:>9,} {row['first']['seconds']:>8.1f} {row['steady']['seconds']:>9.1f} "
                f"{rss:>8.0f} {row['naive_extrapolated_seconds']:>8.0f} "
                f"{row['ratio_first']:>6.1f}× {row['single']['median_ms']:>16.0f} "
                f"{row['single']['p95_ms']:>7.0f}"
            )
        self.say(
            "(first and steady: with two workers when Redis is there; issue 8's targets were "
            "≤ 60 s at 100,000, ≤ 1024 MiB, one enterprise ≤ 100 ms — issue 17's below replace "
            "them; the naive ratio is no target any more: the naive path itself got faster)"
        )
        if "load" in self.figures:
            for name, figures in self.figures["load"]["pages"].items():
                self.say(
                    f"{name:24} p50 {figures['p50_us'] / 1000:6.1f} ms  p95 "
                    f"{figures['p95_us'] / 1000:6.1f} ms  {figures['rps']:6.1f} req/s"
                )
            self.say("target: p95 ≤ 250 ms with 20 concurrent clients")
        self._summary_issue17()

    def _summary_issue17(self) -> None:
        """Every figure with a target of issue 17, next to it, with met or missed. Figures other
        parts of the command measure may add rows to ``self.figures["issue17"]`` as
        {"figure": text, "value": text, "target": text, "met": bool}."""
        rows = []
        for size, row in self.figures["sizes"].items():
            # The run targets are for 100,000; a province's run is recorded, not judged.
            judged = NIGHTLY_TARGET_SIZE <= size < LARGE
            for key, label, target in (
                ("first_1", "first run, 1 worker", FIRST_TARGET_SECONDS),
                ("first", "first run", FIRST_TARGET_SECONDS),
                ("nightly_1", "nightly run on a new day, 1 worker", NIGHTLY_TARGET_SECONDS),
                ("nightly", "nightly run on a new day", NIGHTLY_TARGET_SECONDS),
            ):
                run = row.get(key)
                if not run:
                    continue
                workers = run.get("workers")
                if workers and key in ("first", "nightly"):
                    label += f", {workers} workers"
                rows.append(
                    (
                        f"{label}, N = {size:,}",
                        f"{run['seconds']:.1f} s ({run['written']:,} rows written)",
                        f"≤ {target} s at 100,000",
                        (run["seconds"] <= target) if judged else None,
                    )
                )
            peaks = [
                row[key]["rss_mib"] for key in ("first_1", "first", "steady") if key in row
            ] + [row[key]["rss_mib"] for key in ("nightly_1", "nightly") if key in row]
            if peaks:
                rows.append(
                    (
                        f"peak RSS per worker, N = {size:,}",
                        f"{max(peaks):.0f} MiB",
                        f"≤ {RSS_TARGET_MIB} MiB",
                        max(peaks) <= RSS_TARGET_MIB,
                    )
                )
            single = row.get("single")
            if single:
                rows.append(
                    (
                        f"one enterprise, median, N = {size:,}",
                        f"{single['median_ms']:.0f} ms",
                        f"≤ {SINGLE_MEDIAN_MS} ms",
                        single["median_ms"] <= SINGLE_MEDIAN_MS,
                    )
                )
                rows.append(
                    (
                        f"one enterprise, p95, N = {size:,}",
                        f"{single['p95_ms']:.0f} ms",
                        f"≤ {SINGLE_P95_MS} ms",
                        single["p95_ms"] <= SINGLE_P95_MS,
                    )
                )
        for name, figures in (self.figures.get("load") or {}).get("pages", {}).items():
            p95 = figures["p95_us"] / 1000
            rows.append(
                (
                    f"{name} p95, 20 clients",
                    f"{p95:.0f} ms",
                    f"≤ {PAGE_P95_MS} ms",
                    p95 <= PAGE_P95_MS,
                )
            )
        calculator = (self.figures.get("load") or {}).get("pages", {}).get("calculator API")
        if calculator:
            p95 = calculator["p95_us"] / 1000
            rows.append(
                (
                    "calculator API p95, 20 clients",
                    f"{p95:.0f} ms",
                    f"≤ {CALCULATOR_P95_MS} ms",
                    p95 <= CALCULATOR_P95_MS,
                )
            )
        for extra in self.figures.get("issue17", []):
            rows.append((extra["figure"], extra["value"], extra["target"], extra["met"]))
        self.say("\n== Summary (targets of issue 17)")
        width = max(len(figure) for figure, *_ in rows) if rows else 10
        for figure, value, target, ok in rows:
            verdict = "not judged" if ok is None else _met(ok)
            self.say(f"{figure:<{width}}  {value:>28}  {target:>9}  {verdict}")
