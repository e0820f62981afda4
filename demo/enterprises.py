"""Demo enterprises for the embedded setup: a few hundred invented but realistic profiles across
the districts of 唐山, 廊坊 and 鹤壁, so that the policy matches look like a real city's.

Everything is drawn from one seeded generator (portal.demo_profiles), so the same seed gives the
same companies; loading again finds them by credit code and writes only what differs — nothing,
the second time, and so no new history rows either."""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Model
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from demo.accounts import DEMO_ENTERPRISE
from demo.profiles import Plan, ProfileGenerator, demo_account_plan
from enterprises.models import AccountStatus, Enterprise, Qualification, YearlyFigures
from organisations.models import Region
from portal import clock

DATA = Path(__file__).resolve().parent / "data" / "demo_enterprises.yaml"
CITY_SHARES = {"唐山市": 45, "廊坊市": 30, "鹤壁市": 25}
CHANGE_REASON = "演示数据"
ENTERPRISE_FIELDS = [
    "name",
    "city_id",
    "district_id",
    "industry",
    "ownership",
    "scale",
    "is_above_scale",
    "employees",
    "founded_on",
    "source",
]
QUALIFICATION_KEY = ("enterprise_id", "kind", "level", "recognized_on")
QUALIFICATION_FIELDS = ["recognition", "certificate_number", "expires_on"]
QUALIFICATION_FIELDS += ["moved_in_from_other_province", "source"]
FIGURES_KEY = ("enterprise_id", "year")
FIGURES_FIELDS = ["revenue", "rd_expense", "rd_super_deduction", "tax_paid"]
FIGURES_FIELDS += ["tech_contract_turnover", "invention_patents_granted", "source"]


@transaction.atomic
def demo_enterprises_load(
    *, count: int = 240, seed: int = 2026, today: datetime.date | None = None
) -> int:
    """Create, or bring back to their drawn state, `count` demo enterprises across the districts
    of 唐山市, 廊坊市 and 鹤壁市 (45/30/25), with qualifications and the figures of the three years
    before `today`; and give the demo account's enterprise (services.DEMO_ENTERPRISE) its own
    profile, creating it if it is missing. Returns `count`.

    Qualifications recognised after `today` (by default the current date) are left out. Other
    enterprises are not touched; a demo enterprise's rows that the plan does not name are removed.
    """
    today = today or clock.today()
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    cities = sorted(
        Region.objects.filter(level=Region.Level.CITY, name__in=CITY_SHARES),
        key=lambda city: list(CITY_SHARES).index(city.name),
    )
    districts = {
        city: list(city.children.filter(level=Region.Level.DISTRICT).order_by("code", "name"))
        for city in cities
    }
    generator = ProfileGenerator(
        random.Random(seed),  # noqa: S311 - invented demo data, not secrets
        data,
        districts,
        reserved_codes={DEMO_ENTERPRISE["credit_code"]},
        reserved_names={DEMO_ENTERPRISE["name"]},
    )
    plans = generator.plans(count, CITY_SHARES)
    demo_city = next(city for city in cities if city.name == DEMO_ENTERPRISE["city"])
    demo_district = next(d for d in districts[demo_city] if d.name == DEMO_ENTERPRISE["district"])
    plans.append(
        demo_account_plan(
            data["demo_enterprise"],
            DEMO_ENTERPRISE["credit_code"],
            DEMO_ENTERPRISE["name"],
            demo_city,
            demo_district,
        )
    )
    ids = _enterprises_sync(plans)
    qualifications: dict[tuple, dict[str, Any]] = {}
    figures: dict[tuple, dict[str, Any]] = {}
    for plan in plans:
        pk = ids[plan.enterprise["credit_code"]]
        for row in plan.qualifications:
            if row["recognized_on"] <= today:
                values = {"enterprise_id": pk, **row}
                qualifications[tuple(values[name] for name in QUALIFICATION_KEY)] = values
        for row in plan.figures:
            year = today.year - row["years_ago"]
            if year >= row.get("founded_year", 0):
                values = {name: row[name] for name in FIGURES_FIELDS}
                figures[(pk, year)] = {"enterprise_id": pk, "year": year, **values}
    enterprise_ids = list(ids.values())
    _rows_sync(
        Qualification, QUALIFICATION_KEY, QUALIFICATION_FIELDS, qualifications, enterprise_ids
    )
    _rows_sync(YearlyFigures, FIGURES_KEY, FIGURES_FIELDS, figures, enterprise_ids)
    return count


def _enterprises_sync(plans: list[Plan]) -> dict[str, int]:
    """Create or update the enterprises of the plans; their ids by credit code."""
    codes = [plan.enterprise["credit_code"] for plan in plans]
    existing = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    new, changed = [], []
    for plan in plans:
        obj = existing.get(plan.enterprise["credit_code"])
        if obj is None:
            # Imported, not registered: nobody acts for it until someone claims it.
            new.append(Enterprise(**plan.enterprise, account_status=AccountStatus.UNCLAIMED))
        elif _assign(obj, plan.enterprise):
            changed.append(obj)
    _save(Enterprise, new, changed, fields=ENTERPRISE_FIELDS)
    return dict(Enterprise.objects.filter(credit_code__in=codes).values_list("credit_code", "pk"))


def _rows_sync(
    model: type[Model],
    key: tuple[str, ...],
    fields: list[str],
    wanted: dict[tuple, dict[str, Any]],
    enterprise_ids: list[int],
) -> None:
    """Make these enterprises' rows of `model` exactly `wanted` (by key), writing only what
    differs."""
    existing = {
        tuple(getattr(obj, name) for name in key): obj
        for obj in model.objects.filter(enterprise_id__in=enterprise_ids)
    }
    new, changed = [], []
    for row_key, values in wanted.items():
        obj = existing.pop(row_key, None)
        if obj is None:
            new.append(model(**values))
        elif _assign(obj, values):
            changed.append(obj)
    if existing:
        model.objects.filter(pk__in=[obj.pk for obj in existing.values()]).delete()
    _save(model, new, changed, fields=fields)


def _assign(obj: Model, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _save(model: type[Model], new: list, changed: list, *, fields: list[str]) -> None:
    """Validate the fields (the database checks the constraints), then write in bulk with one
    history row per object written."""
    relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
    for obj in new + changed:
        obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    if new:
        bulk_create_with_history(new, model, batch_size=500, default_change_reason=CHANGE_REASON)
    if changed:
        bulk_update_with_history(
            changed, model, fields=fields, batch_size=500, default_change_reason=CHANGE_REASON
        )
