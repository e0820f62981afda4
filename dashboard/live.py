"""Figures the portal counts from its own enterprise profiles. They are floors of the official
counts: only enterprises registered in the portal are seen."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from dashboard.models import IndexIndicator, LiveSource
from enterprises.models import Enterprise, QualificationKind, Recognition

KIND = {
    LiveSource.HITECH_VALID: QualificationKind.HITECH,
    LiveSource.HITECH_NEW: QualificationKind.HITECH,
    LiveSource.TECH_LEADER: QualificationKind.TECH_LEADER,
    LiveSource.TECH_SME: QualificationKind.TECH_SME,
    IndexIndicator.PortalSource.HITECH_COUNT: QualificationKind.HITECH,
    IndexIndicator.PortalSource.TECH_SME_COUNT: QualificationKind.TECH_SME,
}


def as_of(year: int, today: datetime.date) -> datetime.date | None:
    """The day a year's figure is read on: its last day, or today for the running year; None
    for a year still to come."""
    if year > today.year:
        return None
    return min(datetime.date(year, 12, 31), today)


def holding(source: str, *, year: int, on: datetime.date) -> Q:
    """Enterprises that count for ``source`` in ``year``, read on ``on``."""
    prefix = "qualifications__"
    q = Q(**{f"{prefix}kind": KIND[source], f"{prefix}recognized_on__lte": on})
    if source == LiveSource.HITECH_NEW:
        return q & Q(
            **{
                f"{prefix}recognition": Recognition.NEW,
                f"{prefix}recognized_on__gte": datetime.date(year, 1, 1),
            }
        )
    return q & (Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": on}))


def count(source: str, *, city_id: int, year: int, today: datetime.date) -> int | None:
    on = as_of(year, today)
    if on is None:
        return None
    return (
        Enterprise.objects.filter(holding(source, year=year, on=on), city_id=city_id)
        .distinct()
        .count()
    )


def counts_by_district(source: str, *, city_id: int, year: int, today: datetime.date) -> dict:
    """{district id: enterprises} in one grouped query."""
    on = as_of(year, today)
    if on is None:
        return {}
    rows = (
        Enterprise.objects.filter(
            holding(source, year=year, on=on), city_id=city_id, district__isnull=False
        )
        .values("district_id")
        .annotate(n=Count("pk", distinct=True))
    )
    return {row["district_id"]: row["n"] for row in rows}
