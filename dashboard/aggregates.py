"""The heavy aggregates behind the performance and money pages, computed in one pass over the
year's cases (in chunks, with progress) and stored as grouped rows in a Snapshot. Pages filter
and sum those rows; they never aggregate the case table on a request.

Rows carry the ids of the case's lead bureaus, so a bureau filter keeps a row when the bureau is
among them; a case led by two bureaus counts once in totals and once for each bureau in the
by-bureau table.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from applications import services as case_services
from applications.models import GRANTED_STATES, Application, ItemBudget, State
from incentives.models import Assignment, AssignmentRole

CHUNK = 2000
DECIDED = {
    State.APPROVED,
    State.REJECTED,
    State.PUBLICIZED,
    State.DISBURSED,
    State.RECOMMENDED,
}
GRANTED = set(GRANTED_STATES)
CLOSED = DECIDED | {State.WITHDRAWN, State.RETURNED}
# No payment is owed any more: the 兑现 clock stops.
SETTLED = {State.REJECTED, State.WITHDRAWN, State.RETURNED, State.DISBURSED, State.RECOMMENDED}


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def _month(d: datetime.date) -> str:
    return f"{d.year}-{d.month:02d}"


def compute(
    *,
    year: int,
    city_id: int | None,
    on: datetime.date,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    calendar = case_services.calendar()
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    cases = Application.objects.filter(
        Q(submitted_at__gte=start, submitted_at__lt=end)
        | Q(decided_at__gte=start, decided_at__lt=end)
        | Q(paid_on__year=year)
    )
    if city_id:
        cases = cases.filter(enterprise__city_id=city_id)
    total = cases.count()
    budgets = ItemBudget.objects.filter(year=year)
    if city_id:
        budgets = budgets.filter(item__measure__document__region_id=city_id)
    if progress:
        progress(0, total + 1)

    items: dict[int, dict] = {}
    bureaus: dict[int, str] = {}
    case_groups: dict[tuple, dict] = {}
    money_groups: dict[tuple, dict] = defaultdict(lambda: {"amount": "0", "cases": 0})
    fields = [
        "pk",
        "state",
        "submitted_at",
        "decided_at",
        "paid_on",
        "deadline",
        "approved_amount",
        "item_id",
        "item__name",
        "item__funding_level",
        "enterprise__district__name",
    ]
    done = 0
    ids = list(cases.order_by("pk").values_list("pk", flat=True))
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset : offset + CHUNK]
        leads: dict[int, list[int]] = defaultdict(list)
        for case_id, bureau_id, name in Application.lead_bureaus.through.objects.filter(
            application_id__in=chunk
        ).values_list("application_id", "bureau_id", "bureau__name"):
            leads[case_id].append(bureau_id)
            bureaus[bureau_id] = name
        for row in Application.objects.filter(pk__in=chunk).values(*fields):
            _add_case(row, sorted(leads[row["pk"]]), year, on, calendar, items, case_groups)
            _add_money(row, sorted(leads[row["pk"]]), year, money_groups)
        done += len(chunk)
        if progress:
            progress(done, total + 1)

    budget_rows = _budgets(budgets, items)
    if progress:
        progress(total + 1, total + 1)
    return {
        "year": year,
        "city_id": city_id,
        "as_of": on.isoformat(),
        "computed_at": timezone.now().isoformat(),
        "cases_seen": total,
        "bureaus": {str(k): v for k, v in sorted(bureaus.items())},
        "items": {str(k): v for k, v in sorted(items.items())},
        "case_groups": list(case_groups.values()),
        "money_groups": [
            {
                **dict(
                    zip(
                        ("kind", "bureaus", "item", "district", "funding", "month"),
                        key,
                        strict=True,
                    )
                ),
                **value,
            }
            for key, value in money_groups.items()
        ],
        "budgets": budget_rows,
    }


def _add_case(row, leads, year, on, calendar, items, groups) -> None:
    items.setdefault(
        row["item_id"], {"name": row["item__name"], "funding": row["item__funding_level"]}
    )
    submitted = _local_date(row["submitted_at"])
    if not submitted or submitted.year != year:
        return  # counted where it was received; decided or paid this year only for money
    decided = _local_date(row["decided_at"]) if row["state"] in DECIDED else None
    deadline, paid = row["deadline"], row["paid_on"]
    overdue = bool(
        deadline
        and (
            (paid and paid > deadline)
            or (not paid and row["state"] not in SETTLED and deadline < on)
        )
    )
    key = (tuple(leads), row["item_id"], _month(submitted))
    group = groups.setdefault(
        key,
        {
            "bureaus": list(leads),
            "item": row["item_id"],
            "month": _month(submitted),
            "received": 0,
            "decided": 0,
            "overdue": 0,
            "open": 0,
            "days": [],
        },
    )
    group["received"] += 1
    if decided:
        group["decided"] += 1
        group["days"].append(calendar.working_days_between(submitted, decided))
    elif row["state"] not in CLOSED:
        group["open"] += 1
    group["overdue"] += int(overdue)


def _add_money(row, leads, year, groups) -> None:
    amount = row["approved_amount"]
    if amount is None:
        return
    common = (
        tuple(leads),
        row["item_id"],
        row["enterprise__district__name"] or "",
        row["item__funding_level"],
    )
    decided = _local_date(row["decided_at"])
    if row["state"] in GRANTED and decided and decided.year == year:
        group = groups[("approved", *common, _month(decided))]
        group["amount"] = str(Decimal(group["amount"]) + amount)
        group["cases"] += 1
    paid = row["paid_on"]
    if row["state"] == State.DISBURSED and paid and paid.year == year:
        group = groups[("paid", *common, _month(paid))]
        group["amount"] = str(Decimal(group["amount"]) + amount)
        group["cases"] += 1


def _budgets(budgets, items: dict) -> list[dict]:
    rows = list(budgets.values("item_id", "item__name", "item__funding_level", "total", "used"))
    item_ids = [r["item_id"] for r in rows]
    leads: dict[int, set[int]] = defaultdict(set)
    for assignment in Assignment.objects.filter(
        role=AssignmentRole.LEAD, measure__items__in=item_ids
    ).values("bureau_id", "item_id", "measure__items"):
        if assignment["item_id"] in (None, assignment["measure__items"]):
            leads[assignment["measure__items"]].add(assignment["bureau_id"])
    result = []
    for row in rows:
        items.setdefault(
            row["item_id"], {"name": row["item__name"], "funding": row["item__funding_level"]}
        )
        result.append(
            {
                "item": row["item_id"],
                "bureaus": sorted(leads[row["item_id"]]),
                "total": str(row["total"]),
                "used": str(row["used"]),
                "left": str(row["total"] - row["used"]),
            }
        )
    return result
