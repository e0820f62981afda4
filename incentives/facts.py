"""How each profile fact is read: for one enterprise in Python, and for every enterprise at once
as a SQL expression. The labels, types and choices of facts are data (``facts.yaml`` → ``Fact``);
only how to read them is code, here, once per fact.

Every reader takes the evaluation date: qualifications count when valid on that date, figures
are those of the latest complete year (the year before).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import NullIf

from enterprises import schema
from enterprises.models import Enterprise, Qualification, QualificationKind, YearlyFigures

NONE = "none"
LEVEL_RANK = {"national": 3, "provincial": 2, "city": 1}
MONEY = DecimalField(max_digits=18, decimal_places=2)


@dataclass
class Profile:
    """One enterprise with its qualifications and figures, read once."""

    enterprise: Enterprise
    qualifications: list[Qualification]
    figures: dict[int, YearlyFigures]

    @classmethod
    def of(cls, enterprise: Enterprise) -> Profile:
        return cls(
            enterprise=enterprise,
            qualifications=list(enterprise.qualifications.all()),
            figures={row.year: row for row in enterprise.yearly_figures.all()},
        )

    def valid(self, kind: str, on: datetime.date) -> list[Qualification]:
        return [
            q
            for q in self.qualifications
            if q.kind == kind
            and q.recognized_on <= on
            and (q.expires_on is None or q.expires_on >= on)
        ]

    def latest(self, kind: str, on: datetime.date) -> Qualification | None:
        held = [q for q in self.qualifications if q.kind == kind and q.recognized_on <= on]
        return max(held, key=lambda q: q.recognized_on) if held else None

    def figure(self, name: str, year: int):
        row = self.figures.get(year)
        return None if row is None else getattr(row, name)


@dataclass(frozen=True)
class FactReader:
    key: str
    read: Callable[[Profile, datetime.date], Any]
    expression: Callable[[datetime.date], Any]
    # Conditions on this fact need a SQL form of their own (a ratio compared without division):
    # (op, value) → (passes, unknown, annotations the two need).
    condition_q: Callable[[str, Any], tuple[Q, Q, dict]] | None = field(default=None)
    # A value computed in Python from exact SQL parts (a ratio), so both paths show the same.
    parts: Callable[[datetime.date], dict[str, Any]] | None = field(default=None)
    combine: Callable[[dict[str, Any]], Any] | None = field(default=None)


READERS: dict[str, FactReader] = {}


def reader(key: str):
    """Register a (read, expression) pair under a fact key."""

    def register(pair):
        READERS[key] = FactReader(key, *pair)
        return pair

    return register


# --- where and what -----------------------------------------------------------------------------

READERS["city"] = FactReader(
    "city", lambda p, on: p.enterprise.city.name, lambda on: F("city__name")
)
READERS["district"] = FactReader(
    "district",
    lambda p, on: p.enterprise.district.name if p.enterprise.district_id else None,
    lambda on: F("district__name"),
)
# The basic data the enterprise declares (enterprises.schema.BASIC). Empty text is unknown.
for _fact in schema.BASIC:
    if isinstance(schema.field(schema.BASIC, _fact), CharField):
        READERS[_fact.name] = FactReader(
            _fact.name,
            lambda p, on, name=_fact.name: getattr(p.enterprise, name) or None,
            lambda on, name=_fact.name: NullIf(F(name), Value("")),
        )
    else:
        READERS[_fact.name] = FactReader(
            _fact.name,
            lambda p, on, name=_fact.name: getattr(p.enterprise, name),
            lambda on, name=_fact.name: F(name),
        )


# --- qualifications -----------------------------------------------------------------------------


def _quals(kind: str):
    return Qualification.objects.filter(enterprise=OuterRef("pk"), kind=kind)


def _valid_quals(kind: str, on: datetime.date):
    return (
        _quals(kind)
        .filter(recognized_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
    )


def _holds(
    kind: str,
) -> tuple[Callable[[Profile, datetime.date], bool], Callable[[datetime.date], Exists]]:
    return (
        lambda p, on: bool(p.valid(kind, on)),
        lambda on: Exists(_valid_quals(kind, on)),
    )


def _latest_attr(kind: str, attr: str, *, none=None):
    def read(p, on):
        latest = p.latest(kind, on)
        return getattr(latest, attr) if latest else none

    def expression(on):
        sub = Subquery(
            _quals(kind)
            .filter(recognized_on__lte=on)
            .order_by("-recognized_on", "-pk")
            .values(attr)[:1]
        )
        if none is None:
            return sub
        return Case(
            When(Exists(_quals(kind).filter(recognized_on__lte=on)), then=sub), default=Value(none)
        )

    return read, expression


def _best_level(kind: str):
    """The highest level among the valid qualifications of a kind, or "none"."""

    def read(p, on):
        held = [q.level for q in p.valid(kind, on) if q.level]
        return max(held, key=lambda level: LEVEL_RANK[level]) if held else NONE

    def expression(on):
        valid = _valid_quals(kind, on)
        return Case(
            *[
                When(Exists(valid.filter(level=level)), then=Value(level))
                for level in sorted(LEVEL_RANK, key=LEVEL_RANK.get, reverse=True)
            ],
            default=Value(NONE),
        )

    return read, expression


reader("hitech_valid")(_holds(QualificationKind.HITECH))
reader("hitech_certified_on")(_latest_attr(QualificationKind.HITECH, "recognized_on"))
reader("hitech_certification_kind")(
    _latest_attr(QualificationKind.HITECH, "recognition", none=NONE)
)
reader("hitech_moved_in_from_other_province")(
    _latest_attr(QualificationKind.HITECH, "moved_in_from_other_province", none=False)
)
reader("hitech_cultivation_pool")(_holds(QualificationKind.HITECH_POOL))
reader("tech_sme_level")(_best_level(QualificationKind.TECH_SME))
reader("tech_sme_registered_on")(_latest_attr(QualificationKind.TECH_SME, "recognized_on"))
reader("tech_sme_certification_kind")(
    _latest_attr(QualificationKind.TECH_SME, "recognition", none=NONE)
)
reader("tech_leader")(_holds(QualificationKind.TECH_LEADER))
reader("tech_leader_certified_on")(_latest_attr(QualificationKind.TECH_LEADER, "recognized_on"))
reader("specialized_sme_level")(_best_level(QualificationKind.SPECIALIZED_SME))
reader("tech_advanced_service")(_holds(QualificationKind.TECH_ADVANCED_SERVICE))
for _kind in (
    "key_lab",
    "tech_innovation_center",
    "engineering_research_center",
    "enterprise_tech_center",
    "industrial_tech_institute",
    "incubator",
    "maker_space",
    "new_rd_institution",
):
    reader(f"{_kind}_level")(_best_level(_kind))
reader("academician_workstation")(_holds(QualificationKind.ACADEMICIAN_WORKSTATION))
reader("postdoc_workstation")(_holds(QualificationKind.POSTDOC_WORKSTATION))


# --- yearly figures (the latest complete year) -------------------------------------------------


def _figure_sub(name: str, year: int):
    return Subquery(
        YearlyFigures.objects.filter(enterprise=OuterRef("pk"), year=year).values(name)[:1]
    )


def _figure(name: str, *, offset: int = 1):
    return (
        lambda p, on: p.figure(name, on.year - offset),
        lambda on: _figure_sub(name, on.year - offset),
    )


# Every yearly figure the enterprise declares (enterprises.schema.YEARLY), as a fact of its key.
for _fact in schema.YEARLY:
    reader(_fact.name)(_figure(_fact.name))


def _increase_read(p: Profile, on: datetime.date):
    now, before = p.figure("rd_expense", on.year - 1), p.figure("rd_expense", on.year - 2)
    return None if now is None or before is None else now - before


reader("rd_expense_increase")(
    (
        _increase_read,
        lambda on: ExpressionWrapper(
            _figure_sub("rd_expense", on.year - 1) - _figure_sub("rd_expense", on.year - 2),
            output_field=MONEY,
        ),
    )
)


def _ratio(parts: dict[str, Any]):
    rd, revenue = parts["rd"], parts["revenue"]
    if rd is None or not revenue:
        return None
    return (Decimal(rd) * 100 / Decimal(revenue)).quantize(Decimal("0.0001"))


def _ratio_read(p: Profile, on: datetime.date):
    return _ratio(
        {"rd": p.figure("rd_expense", on.year - 1), "revenue": p.figure("revenue", on.year - 1)}
    )


def _ratio_condition_q(op: str, value: Any) -> tuple[Q, Q, dict]:
    """rd / revenue × 100 OP value, compared as rd × 100 OP value × revenue: no division, so
    SQL and Python agree to the cent."""
    threshold = Decimal(str(value))
    lookup = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "eq": "exact", "ne": "exact"}[op]
    passes = Q(**{f"_ratio_left__{lookup}": F("_ratio_right")})
    if op == "ne":
        passes = ~passes
    unknown = Q(_ratio_rd__isnull=True) | Q(_ratio_revenue__isnull=True) | Q(_ratio_revenue=0)
    return (
        passes,
        unknown,
        {
            "_ratio_rd": lambda on: _figure_sub("rd_expense", on.year - 1),
            "_ratio_revenue": lambda on: _figure_sub("revenue", on.year - 1),
            "_ratio_left": lambda on: ExpressionWrapper(F("_ratio_rd") * 100, output_field=MONEY),
            "_ratio_right": lambda on: ExpressionWrapper(
                F("_ratio_revenue") * Value(threshold), output_field=MONEY
            ),
        },
    )


def _ratio_expression(on: datetime.date):
    rd, revenue = _figure_sub("rd_expense", on.year - 1), _figure_sub("revenue", on.year - 1)
    return ExpressionWrapper(rd * 100 / NullIf(revenue, Value(0)), output_field=MONEY)


READERS["rd_expense_ratio"] = FactReader(
    "rd_expense_ratio",
    _ratio_read,
    _ratio_expression,
    _ratio_condition_q,
    parts=lambda on: {
        "rd": _figure_sub("rd_expense", on.year - 1),
        "revenue": _figure_sub("revenue", on.year - 1),
    },
    combine=_ratio,
)


def profile_facts(profile: Profile, on: datetime.date) -> dict[str, Any]:
    """Every fact of one enterprise on a date (None where unknown)."""
    return {key: r.read(profile, on) for key, r in READERS.items()}


def annotate_facts(queryset: QuerySet, keys, on: datetime.date) -> QuerySet:
    """Enterprises with each named profile fact as a column ``f_<key>``."""
    return queryset.annotate(
        **{f"f_{key}": READERS[key].expression(on) for key in keys if key in READERS}
    )
