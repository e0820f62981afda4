"""Reading the dashboard: targets with their figures, district index scores, and the
performance and money tables summed from a snapshot's grouped rows. Each function issues a
number of queries that does not grow with the data."""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from dashboard import index as scoring
from dashboard import live
from dashboard.models import (
    DistrictFigure,
    IndexIndicator,
    IndexScheme,
    Snapshot,
    Target,
    TargetFigure,
    TargetValue,
)
from incentives.models import FundingLevel
from organisations.models import Region

SCHEME_KEY = "district-st-index"


# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    target: Target
    goal: TargetValue | None
    figure: Decimal | None
    figure_kind: str  # "live", "entered" or ""
    entered: TargetFigure | None
    progress: int | None  # per cent of the goal, when both are numbers

    @property
    def reached(self) -> bool:
        return self.progress is not None and self.progress >= 100


def target_years() -> list[int]:
    return sorted(set(TargetValue.objects.values_list("year", flat=True)))


def default_target_year(today: datetime.date) -> int | None:
    years = target_years()
    past = [y for y in years if y <= today.year]
    return (past or years or [None])[-1]


def targets_overview(
    *, year: int, today: datetime.date, city_id: int | None = None, bureau_id: int | None = None
) -> list[TargetRow]:
    targets = Target.objects.select_related("document__region").prefetch_related(
        "lead_bureaus",
        Prefetch("values", queryset=TargetValue.objects.filter(year=year), to_attr="year_values"),
    )
    if city_id:
        targets = targets.filter(document__region_id=city_id)
    if bureau_id:
        targets = targets.filter(lead_bureaus=bureau_id)
    targets = [t for t in targets.order_by("document__region__code", "position") if t.year_values]
    latest: dict[int, TargetFigure] = {}
    for figure in (
        TargetFigure.objects.filter(target__in=targets, year=year)
        .select_related("entered_by", "bureau")
        .order_by("target_id", "-entered_at", "-pk")
    ):
        latest.setdefault(figure.target_id, figure)
    live_counts: dict[tuple[str, int], int | None] = {}
    rows = []
    for target in targets:
        goal = target.year_values[0]
        entered = latest.get(target.pk)
        if target.live_source:
            key = (target.live_source, target.document.region_id)
            if key not in live_counts:
                live_counts[key] = live.count(
                    target.live_source, city_id=key[1], year=year, today=today
                )
            figure, kind = live_counts[key], "live"
            figure = Decimal(figure) if figure is not None else None
        elif entered:
            figure, kind = entered.value, "entered"
        else:
            figure, kind = None, ""
        progress = None
        if figure is not None and goal.value:
            progress = int(figure * 100 / goal.value)
        rows.append(TargetRow(target, goal, figure, kind, entered, progress))
    return rows


# ---------------------------------------------------------------------------------------------
# District index
# ---------------------------------------------------------------------------------------------


def index_scheme() -> IndexScheme | None:
    return IndexScheme.objects.filter(key=SCHEME_KEY).first()


def index_indicators(scheme: IndexScheme) -> list[IndexIndicator]:
    return list(
        IndexIndicator.objects.filter(dimension__scheme=scheme)
        .select_related("dimension")
        .order_by("dimension__position", "position")
    )


def index_scores(
    *, scheme: IndexScheme, city: Region, year: int, today: datetime.date, district=None
) -> list[scoring.DistrictScore]:
    """Every district of the city (or one), scored, best first."""
    indicators = index_indicators(scheme)
    districts = Region.objects.filter(parent=city, level=Region.Level.DISTRICT).order_by("code")
    if district is not None:
        districts = districts.filter(pk=district.pk)
    districts = list(districts)
    figures: dict[int, dict[int, DistrictFigure]] = defaultdict(dict)
    for figure in DistrictFigure.objects.filter(
        district__in=districts, year=year, indicator__in=indicators
    ):
        figures[figure.district_id][figure.indicator_id] = figure
    portal_counts = {
        source: live.counts_by_district(source, city_id=city.pk, year=year, today=today)
        for source in {i.portal_source for i in indicators if i.portal_source}
    }
    scores = [
        scoring.district_score(
            scheme=scheme,
            indicators=indicators,
            district=d,
            figures=figures[d.pk],
            portal_values={s: counts.get(d.pk, 0) for s, counts in portal_counts.items()},
        )
        for d in districts
    ]
    return sorted(scores, key=lambda s: (-s.total, s.district))


def district_figures(*, district: Region, year: int) -> dict[int, DistrictFigure]:
    return {
        f.indicator_id: f
        for f in DistrictFigure.objects.filter(district=district, year=year).select_related(
            "entered_by"
        )
    }


# ---------------------------------------------------------------------------------------------
# Snapshots: performance and money
# ---------------------------------------------------------------------------------------------


def snapshot_latest(*, year: int, city_id: int | None) -> Snapshot | None:
    return (
        Snapshot.objects.filter(year=year, city_id=city_id, status=Snapshot.Status.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def snapshot_pending(*, year: int, city_id: int | None) -> Snapshot | None:
    return Snapshot.objects.filter(
        year=year,
        city_id=city_id,
        status__in=[Snapshot.Status.QUEUED, Snapshot.Status.RUNNING],
    ).first()


def _keep(row: dict, bureau_id: int | None) -> bool:
    return bureau_id is None or bureau_id in row["bureaus"]


def _median(days: list[int]) -> float | None:
    return round(statistics.median(days), 1) if days else None


def performance(data: dict, *, bureau_id: int | None = None) -> dict:
    """Cases received, decided, open and overdue, and the median working days from submission
    to decision: in total and by bureau, item and month."""

    def empty():
        return {"received": 0, "decided": 0, "open": 0, "overdue": 0, "days": []}

    total = empty()
    by_bureau, by_item, by_month = defaultdict(empty), defaultdict(empty), defaultdict(empty)
    for row in data.get("case_groups", []):
        if not _keep(row, bureau_id):
            continue
        targets = [total, by_item[row["item"]], by_month[row["month"]]]
        targets += [
            by_bureau[b] for b in (row["bureaus"] or [None]) if _keep({"bureaus": [b]}, bureau_id)
        ]
        for bucket in targets:
            for field in ("received", "decided", "open", "overdue"):
                bucket[field] += row[field]
            bucket["days"].extend(row["days"])
    bureaus, items = data.get("bureaus", {}), data.get("items", {})

    def rows(groups, name):
        out = []
        for key, bucket in groups.items():
            out.append(
                {
                    "key": key,
                    "name": name(key),
                    **{k: bucket[k] for k in ("received", "decided", "open", "overdue")},
                    "median_days": _median(bucket["days"]),
                }
            )
        return out

    return {
        "total": {
            **{k: total[k] for k in ("received", "decided", "open", "overdue")},
            "median_days": _median(total["days"]),
        },
        "by_bureau": sorted(
            rows(by_bureau, lambda k: bureaus.get(str(k), "—")), key=lambda r: -r["received"]
        ),
        "by_item": sorted(
            rows(by_item, lambda k: items.get(str(k), {}).get("name", "—")),
            key=lambda r: -r["received"],
        ),
        "by_month": sorted(rows(by_month, lambda k: k), key=lambda r: r["key"]),
    }


def money(data: dict, *, bureau_id: int | None = None) -> dict:
    """Approved and paid amounts (yuan) by item, district, funding source and month, and each
    item's budget used and left."""

    def zero():
        return {
            "approved": Decimal(0),
            "paid": Decimal(0),
            "approved_cases": 0,
            "paid_cases": 0,
        }

    total = zero()
    groups = {name: defaultdict(zero) for name in ("item", "district", "funding", "month")}
    for row in data.get("money_groups", []):
        if not _keep(row, bureau_id):
            continue
        kind = row["kind"]
        for bucket in [total, *(groups[name][row[name]] for name in groups)]:
            bucket[kind] += Decimal(row["amount"])
            bucket[f"{kind}_cases"] += row["cases"]
    items = data.get("items", {})
    budgets = []
    for row in data.get("budgets", []):
        if not _keep(row, bureau_id):
            continue
        total_b, used = Decimal(row["total"]), Decimal(row["used"])
        budgets.append(
            {
                "item": items.get(str(row["item"]), {}).get("name", "—"),
                "total": total_b,
                "used": used,
                "left": total_b - used,
                "percent": int(used * 100 / total_b) if total_b else None,
            }
        )

    def listing(name, label):
        return sorted(
            ({"key": k, "name": label(k), **v} for k, v in groups[name].items()),
            key=lambda r: (-(r["approved"] + r["paid"]), str(r["key"])),
        )

    return {
        "total": total,
        "by_item": listing("item", lambda k: items.get(str(k), {}).get("name", "—")),
        "by_district": listing("district", lambda k: k or "—"),
        "by_funding": listing("funding", lambda k: str(FundingLevel(k).label) if k else "—"),
        "by_month": sorted(
            ({"key": k, "name": k, **v} for k, v in groups["month"].items()),
            key=lambda r: r["key"],
        ),
        "budgets": sorted(budgets, key=lambda r: r["item"]),
    }
