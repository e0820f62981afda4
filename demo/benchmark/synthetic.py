"""A synthetic city-scale data set for the benchmark, written with COPY.

Enterprises are drawn by the demo's generator (``portal.demo_profiles``: the same rates of 高企,
科技型中小企业, platforms, figures and gaps, valid credit codes) over the four cities of the seed
catalogue, companies and public institutions alike. Cases are spread over the items, the states
and the enterprises. No history rows are written: the benchmark measures matching and pages,
not the audit trail of a data load.

The province-scale data set (issue 17: 1,000,000 enterprises) draws over 河北's eleven cities and
the two other seed cities instead, by population (``demo.benchmark.province``: the nine cities
beyond the seed get a copy of 唐山's catalogue first), and streams: it draws and copies batches of
``BATCH`` enterprises, so memory does not grow with the size but for the sets that keep credit
codes, names and certificate numbers unique. Up to 100,000 the four-city data set is drawn as it
always was, one draw per size, so earlier figures stay comparable.
"""

from __future__ import annotations

import copy
import datetime
import io
import random
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from django.db import connection
from django.utils import timezone

from applications.services import routing_bureaus
from demo.benchmark.province import CLONED_CITIES, PROVINCE_SHARES
from demo.enterprises import DATA
from demo.profiles import Plan, ProfileGenerator
from incentives.models import IncentiveItem
from organisations.models import Region
from portal import clock
from portal.validators import credit_code_check_character, org_code_check_character

# Shares of the enterprises by city: the four cities of the seed catalogue.
CITY_SHARES = {"唐山市": 35, "廊坊市": 25, "鹤壁市": 20, "酒泉市": 20}
# 酒泉 is not in the demo tables: it borrows 鹤壁's sector mix under its own province.
EXTRA_CITIES = {
    "酒泉市": {
        "like": "鹤壁市",
        "province_short": "甘肃",
        "province_code": "62",
        "trade_names": ["祁连", "敦煌", "玉门", "瓜州", "肃州", "阳关", "金塔", "戈壁", "丝路"],
    }
}
# Above this size the data set is the province's (issue 17), streamed in batches.
PROVINCE_FROM = 100_000
BATCH = 20_000
# About one organisation in twelve is a public institution, social organisation or the like
# (统一社会信用代码 not issued by 市场监管): the institution items are for them.
INSTITUTION_SHARE = 0.08
INSTITUTION_PREFIXES = ("12", "52", "53", "11")  # 事业单位, 民办非企业, 基金会, 机关

ENTERPRISE_COLUMNS = (
    "credit_code", "name", "created_at", "city_id", "district_id", "employees", "founded_on",
    "industry", "is_above_scale", "ownership", "scale", "source",
)  # fmt: skip
QUALIFICATION_COLUMNS = (
    "enterprise_id", "kind", "level", "recognition", "certificate_number", "recognized_on",
    "expires_on", "moved_in_from_other_province", "source",
)  # fmt: skip
FIGURES_COLUMNS = (
    "enterprise_id", "year", "revenue", "rd_expense", "rd_super_deduction", "tax_paid",
    "tech_contract_turnover", "invention_patents_granted", "source",
)  # fmt: skip


def _text(value: Any) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return (
        str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        .replace("\r", "\\r")
    )  # fmt: skip


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into a table (PostgreSQL's fastest way in); returns how many."""
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(_text(v) for v in row))
        buffer.write("\n")
        count += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buffer
        )
    return count


class Synthetic:
    """Draws enterprises in batches from one seeded generator, so each size extends the last.
    With ``province``, over the cities of ``PROVINCE_SHARES`` (``province.province_clone`` must
    have made them), in batches of ``BATCH``; else over the four cities of ``CITY_SHARES``."""

    def __init__(
        self, *, seed: int = 8, today: datetime.date | None = None, province: bool = False
    ):
        self.today = today or clock.today()
        self.province = province
        self.shares = PROVINCE_SHARES if province else CITY_SHARES
        data = yaml.safe_load(Path(DATA).read_text(encoding="utf-8"))
        extra_cities = dict(EXTRA_CITIES)
        if province:
            for city in CLONED_CITIES:
                extra_cities[city.name] = {
                    "like": city.like,
                    "province_short": "河北",
                    "province_code": "13",
                    "trade_names": list(city.trade_names),
                }
        for name, extra in extra_cities.items():
            local = copy.deepcopy(data["cities"][extra["like"]])
            local.update({k: v for k, v in extra.items() if k != "like"})
            local["districts"] = {}
            data["cities"][name] = local
            for sector in data["sectors"]:
                if extra["like"] in sector["cities"]:
                    sector["cities"][name] = sector["cities"][extra["like"]]
        cities = sorted(
            Region.objects.filter(level=Region.Level.CITY, name__in=self.shares),
            key=lambda city: list(self.shares).index(city.name),
        )
        missing = set(self.shares) - {city.name for city in cities}
        if missing:
            raise ValueError(
                f"No region for {', '.join(sorted(missing))}: load the catalogue, and for the "
                "province's data set run demo.benchmark.province.province_clone() first."
            )
        self.cities = cities
        districts = {
            city: list(city.children.filter(level=Region.Level.DISTRICT).order_by("code", "name"))
            for city in cities
        }
        self.rng = random.Random(seed)  # noqa: S311 - invented data, not secrets
        self.generator = ProfileGenerator(
            self.rng, data, districts, reserved_codes=set(), reserved_names=set()
        )
        self.serial = 0

    def _institution(self, plan: Plan) -> None:
        """Turn a drawn plan into a public institution: its code's first two characters say so,
        and it holds no company titles (高企, 科技型中小企业)."""
        rng = self.rng
        division = plan.enterprise["credit_code"][2:8]
        while True:
            body = "".join(rng.choice("0123456789") for _ in range(8))
            first17 = rng.choice(INSTITUTION_PREFIXES) + division + body
            first17 += org_code_check_character(body)
            code = first17 + credit_code_check_character(first17)
            if code not in self.generator.codes:
                self.generator.codes.add(code)
                break
        plan.enterprise["credit_code"] = code
        plan.enterprise["name"] = (
            plan.enterprise["name"].replace("有限公司", "研究院").replace("股份", "")
        )
        plan.enterprise["ownership"] = "state"
        plan.qualifications = [
            q for q in plan.qualifications if q["kind"] not in ("hitech", "tech_sme")
        ]

    def plans(self, count: int) -> list[Plan]:
        plans = self.generator.plans(count, self.shares)
        for plan in plans:
            if self.rng.random() < INSTITUTION_SHARE:
                self._institution(plan)
        return plans

    def write(self, count: int) -> int:
        """Draw and COPY `count` more enterprises with their qualifications and figures; the
        province's in batches of ``BATCH`` (never more plans than that in memory), the four
        cities' in one draw as before. Returns how many were written."""
        if not self.province:
            self._write(count)
        else:
            for start in range(0, count, BATCH):
                self._write(min(BATCH, count - start))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE portal_enterprise, portal_qualification, portal_yearlyfigures")
        return count

    def _write(self, count: int) -> None:
        plans = self.plans(count)
        now = timezone.now()
        copy_rows(
            "portal_enterprise",
            ENTERPRISE_COLUMNS,
            (
                [p.enterprise.get(c) if c != "created_at" else now for c in ENTERPRISE_COLUMNS]
                for p in plans
            ),
        )
        codes = [p.enterprise["credit_code"] for p in plans]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT credit_code, id FROM portal_enterprise WHERE credit_code = ANY(%s)",
                [codes],
            )
            ids = dict(cursor.fetchall())
        today = self.today

        def qualifications():
            for plan in plans:
                pk = ids[plan.enterprise["credit_code"]]
                for row in plan.qualifications:
                    if row["recognized_on"] <= today:
                        yield [
                            pk if c == "enterprise_id" else row[c] for c in QUALIFICATION_COLUMNS
                        ]

        def figures():
            for plan in plans:
                pk = ids[plan.enterprise["credit_code"]]
                seen = set()
                for row in plan.figures:
                    year = today.year - row["years_ago"]
                    if year < row.get("founded_year", 0) or year in seen:
                        continue
                    seen.add(year)
                    values = {**row, "enterprise_id": pk, "year": year}
                    yield [values[c] for c in FIGURES_COLUMNS]

        copy_rows("portal_qualification", QUALIFICATION_COLUMNS, qualifications())
        copy_rows("portal_yearlyfigures", FIGURES_COLUMNS, figures())


# Where the cases are: mostly finished, a tenth in a bureau's hands.
CASE_STATES = {
    "disbursed": 40, "rejected": 10, "withdrawn": 4, "publicized": 3, "approved": 3,
    "submitted": 6, "accepted": 8, "supplement": 3, "resubmitted": 2, "cosign": 2, "draft": 12,
    "returned": 3, "recommended": 4,
}  # fmt: skip
OPEN = {"offered", "draft", "submitted", "accepted", "supplement", "resubmitted", "cosign"}
OPEN |= {"approved", "publicized"}


def write_cases(
    count: int, *, created_by_id: int, seed: int = 9, enterprise_ids: list[int] | None = None
) -> int:
    """`count` cases with one event each, on items of the enterprise's city, routed to the
    bureaus the annex names; periods spread over the years so open cases stay unique."""
    rng = random.Random(seed)  # noqa: S311 - invented data
    items_by_city: dict[int, list[tuple[int, list[int]]]] = {}
    for item in IncentiveItem.objects.select_related("measure__document").exclude(
        beneficiary="person"
    ):
        bureaus = [b.pk for b in routing_bureaus(item=item)]
        city = item.measure.document.region_id
        items_by_city.setdefault(city, []).append((item.pk, bureaus))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, city_id FROM portal_enterprise ORDER BY id")
        enterprises = [row for row in cursor.fetchall() if row[1] in items_by_city]
        if enterprise_ids is not None:
            wanted = set(enterprise_ids)
            enterprises = [row for row in enterprises if row[0] in wanted]
    states, weights = list(CASE_STATES), list(CASE_STATES.values())
    now = timezone.now()
    rows, seen = [], set()
    while len(rows) < count:
        enterprise_id, city_id = rng.choice(enterprises)
        item_id, bureaus = rng.choice(items_by_city[city_id])
        state = rng.choices(states, weights=weights)[0]
        period = str(rng.randint(2019, 2026))
        if state in OPEN:
            if (enterprise_id, item_id, period) in seen:
                continue
            seen.add((enterprise_id, item_id, period))
        submitted = now - datetime.timedelta(
            days=rng.randint(1, 900), seconds=rng.randint(0, 86400)
        )
        reference = f"SQ{uuid.UUID(int=rng.getrandbits(128)).hex[:12].upper()}"
        rows.append((reference, period, state, enterprise_id, item_id, submitted, bureaus))
    copy_rows(
        "applications_application",
        (
            "reference",
            "period",
            "state",
            "form_data",
            "bank_account",
            "created_at",
            "submitted_at",
            "payment_reference",
            "created_by_id",
            "enterprise_id",
            "item_id",
            # Text columns have no database default: COPY gives them their blank.
            "contact_name",
            "contact_phone",
            "declaration_text",
        ),
        (
            (
                ref,
                period,
                state,
                "{}",
                "",
                submitted,
                None if state == "draft" else submitted,
                "",
                created_by_id,
                enterprise_id,
                item_id,
                "",
                "",
                "",
            )
            for ref, period, state, enterprise_id, item_id, submitted, _ in rows
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reference, id FROM applications_application WHERE reference = ANY(%s)",
            [[r[0] for r in rows]],
        )
        ids = dict(cursor.fetchall())
    copy_rows(
        "applications_application_lead_bureaus",
        ("application_id", "bureau_id"),
        ((ids[r[0]], b) for r in rows for b in r[6]),
    )
    copy_rows(
        "applications_caseevent",
        ("application_id", "action", "from_state", "to_state", "comment", "at", "actor_id"),
        ((ids[r[0]], "submit", "draft", r[2], "", r[5], created_by_id) for r in rows),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE applications_application, applications_application_lead_bureaus,"
            " applications_caseevent"
        )
    return len(rows)
