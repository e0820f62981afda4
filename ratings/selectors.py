"""Selectors of ratings: they read. A case's ratings and what its viewer may do with them, the
ratings a bureau must rectify, and satisfaction figures (by bureau, by item, per level) for the
bureau pages and the leadership dashboard.

How the figures count: each case counts once, by its latest rating (a second rating replaces the
first); 满意率 is the share of those at 满意 or 非常满意. Poor ratings and their rectification count
every poor rating given (a first and a second one are two). A rectification is "due" once its
date has passed or it has been answered, and "on time" if answered by its date. A case led by two
bureaus counts for each of them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from accounts.models import BureauPosition, Role
from applications.models import Application, CaseEvent, State
from applications.selectors import visible_applications
from ratings import rules
from ratings.models import SATISFIED_LEVELS, Level, Rating, Rectification


def case_ratings(application: Application) -> list[Rating]:
    """The ratings of a case, first one first, with their rectifications."""
    return list(
        Rating.objects.filter(application=application)
        .select_related("rectification__replied_by", "rated_by")
        .order_by("round")
    )


@dataclass
class CaseRating:
    """What a case page shows of the case's ratings to one viewer."""

    application: Application
    ratings: list[Rating]
    refusal: str | None
    rateable: bool

    @property
    def latest(self) -> Rating | None:
        return self.ratings[-1] if self.ratings else None

    @property
    def can_rate(self) -> bool:
        return self.refusal is None

    @property
    def again(self) -> bool:
        return self.can_rate and bool(self.ratings)


def case_rating(*, user, application: Application) -> CaseRating:
    ratings = case_ratings(application)
    return CaseRating(
        application=application,
        ratings=ratings,
        refusal=rules.rating_refusal(user, application, ratings),
        rateable=rules.case_rateable(application),
    )


def rating_marks(*, user, applications) -> dict[int, tuple[str, Rating | None]]:
    """For a list of the enterprise's cases: case id → ("rate" | "again" | "rated" | "", latest
    rating), in three queries whatever the length of the list."""
    applications = list(applications)
    ids = [a.pk for a in applications]
    by_case: dict[int, list[Rating]] = {}
    for rating in (
        Rating.objects.filter(application_id__in=ids)
        .select_related("rectification")
        .order_by("application_id", "round")
    ):
        by_case.setdefault(rating.application_id, []).append(rating)
    accepted = set(
        CaseEvent.objects.filter(
            application_id__in=[a.pk for a in applications if a.state == State.WITHDRAWN],
            action="accept",
        ).values_list("application_id", flat=True)
    )
    marks = {}
    for application in applications:
        ratings = by_case.get(application.pk, [])
        refusal = rules.rating_refusal(
            user, application, ratings, accepted=application.pk in accepted
        )
        mark = {
            (True, False): "rate",
            (True, True): "again",
            (False, True): "rated",
            (False, False): "",
        }[(refusal is None, bool(ratings))]
        marks[application.pk] = (mark, ratings[-1] if ratings else None)
    return marks


def rateable_case(*, user, reference: str) -> Application:
    """A case of the user's enterprise, by its number (DoesNotExist for anyone else's)."""
    if "\x00" in reference:
        raise Application.DoesNotExist
    return (
        visible_applications(user=user)
        .select_related("item", "enterprise")
        .get(reference=reference)
    )


# ---------------------------------------------------------------------------------------------
# The bureau's rectifications
# ---------------------------------------------------------------------------------------------


def bureau_rectifications(*, user, show_done: bool = False) -> QuerySet[Rectification]:
    """Poor ratings of the cases the user's bureau leads: those still to answer, earliest due
    first (with ``show_done``, the answered ones too)."""
    if not user.is_authenticated or user.role != Role.BUREAU or not user.bureau_id:
        return Rectification.objects.none()
    queryset = Rectification.objects.filter(
        pk__in=Rectification.objects.filter(rating__application__lead_bureaus=user.bureau_id)
    ).select_related("rating__application__item", "rating__application__enterprise", "replied_by")
    if not show_done:
        queryset = queryset.filter(replied_at__isnull=True)
    return queryset.order_by(F("replied_at").asc(nulls_first=True), "due_on", "pk")


def rectification_for(*, user, pk: int) -> Rectification:
    """One rectification, for the staff of the case's lead bureau (DoesNotExist for others)."""
    return (
        bureau_rectifications(user=user, show_done=True)
        .select_related("rating__rated_by")
        .get(pk=pk)
    )


def is_lead_head(user, application: Application) -> bool:
    return (
        user.role == Role.BUREAU
        and user.bureau_position == BureauPosition.HEAD
        and application.lead_bureaus.filter(pk=user.bureau_id).exists()
    )


# ---------------------------------------------------------------------------------------------
# Satisfaction figures
# ---------------------------------------------------------------------------------------------


@dataclass
class SatisfactionRow:
    key: int | None
    name: str
    count: int = 0
    average: float | None = None
    satisfied: int = 0
    poor: int = 0
    due: int = 0
    on_time: int = 0
    open: int = 0
    levels: dict[int, int] = field(default_factory=dict)

    @property
    def satisfied_rate(self) -> float | None:
        """满意率, in per cent (one decimal)."""
        return round(100 * self.satisfied / self.count, 1) if self.count else None

    @property
    def on_time_rate(self) -> float | None:
        """Share of the poor ratings due that were rectified on time, in per cent."""
        return round(100 * self.on_time / self.due, 1) if self.due else None


def latest_ratings() -> QuerySet[Rating]:
    """Each case's latest rating (the one that counts)."""
    later = Rating.objects.filter(application=OuterRef("application"), round__gt=OuterRef("round"))
    return Rating.objects.filter(~Exists(later))


GROUPS = {
    "bureau": ("application__lead_bureaus__id", "application__lead_bureaus__name"),
    "item": ("application__item_id", "application__item__name"),
}


def _filtered(queryset, prefix: str, *, city_id, year, bureau_id):
    if city_id:
        queryset = queryset.filter(**{f"{prefix}application__enterprise__city_id": city_id})
    if year:
        queryset = queryset.filter(**{f"{prefix}rated_at__year": year})
    if bureau_id:
        queryset = queryset.filter(**{f"{prefix}application__lead_bureaus": bureau_id})
    return queryset


def satisfaction(
    *,
    by: str | None = None,
    today: datetime.date,
    city_id: int | None = None,
    year: int | None = None,
    bureau_id: int | None = None,
) -> list[SatisfactionRow]:
    """Satisfaction rows grouped ``by`` "bureau" or "item" (one row for everything when None),
    most ratings first."""
    key_field, name_field = GROUPS[by] if by else (None, None)
    filters = {"city_id": city_id, "year": year, "bureau_id": bureau_id}
    ratings = _filtered(latest_ratings(), "", **filters)
    poor = _filtered(Rectification.objects.all(), "rating__", **filters)
    rows: dict = {}

    def row(key, name) -> SatisfactionRow:
        return rows.setdefault(key, SatisfactionRow(key=key, name=name or ""))

    if by == "bureau":
        names = ("application__lead_bureaus__city__name", name_field)
    elif by:
        names = (name_field,)
    else:
        names = ()
    group = [f for f in (key_field, *names) if f]
    for values in (
        ratings.values(*group, "level").annotate(n=Count("id")).order_by()
        if group
        else ratings.values("level").annotate(n=Count("id")).order_by()
    ):
        key = values.get(key_field) if key_field else None
        target = row(key, _name(values, names))
        target.levels[values["level"]] = target.levels.get(values["level"], 0) + values["n"]
    for target in rows.values():
        target.count = sum(target.levels.values())
        target.satisfied = sum(n for level, n in target.levels.items() if level in SATISFIED_LEVELS)
        total = sum(level * n for level, n in target.levels.items())
        target.average = round(total / target.count, 2) if target.count else None
    prefixed = [f"rating__{f}" for f in group]
    due = Q(due_on__lt=today) | Q(replied_at__isnull=False)
    for values in (
        poor.values(*prefixed)
        .annotate(
            poor=Count("id"),
            due=Count("id", filter=due),
            on_time=Count("id", filter=Q(replied_at__date__lte=F("due_on"))),
            open=Count("id", filter=Q(replied_at__isnull=True)),
        )
        .order_by()
    ):
        key = values.get(f"rating__{key_field}") if key_field else None
        target = row(key, _name(values, [f"rating__{n}" for n in names]))
        target.poor, target.due = target.poor + values["poor"], target.due + values["due"]
        target.on_time, target.open = (
            target.on_time + values["on_time"],
            target.open + values["open"],
        )
    if not by:
        return [rows.get(None) or SatisfactionRow(key=None, name="")]
    return sorted(rows.values(), key=lambda r: (-r.count, r.name))


def _name(values: dict, names) -> str:
    """A group's name; a bureau's as ``Bureau.__str__`` reads it ("唐山市科学技术局")."""
    parts = [str(values[n] or "") for n in names]
    if len(parts) == 2 and parts[1].startswith("市"):
        return parts[0] + parts[1].removeprefix("市")
    return "".join(parts)


def level_counts(row: SatisfactionRow) -> list[tuple[int, str, int]]:
    """(level, label, count) for every level, best first."""
    return [(level, label, row.levels.get(level, 0)) for level, label in Level.choices]


def rating_years() -> list[int]:
    return sorted({d.year for d in Rating.objects.dates("rated_at", "year")}, reverse=True)


def satisfaction_table(*, today: datetime.date, city_id=None, year=None, bureau_id=None) -> dict:
    """The dashboard's table: the total, by bureau and by item."""
    filters = {"today": today, "city_id": city_id, "year": year, "bureau_id": bureau_id}
    total = satisfaction(**filters)[0]
    return {
        "total": total,
        "levels": level_counts(total),
        "by_bureau": satisfaction(by="bureau", **filters),
        "by_item": satisfaction(by="item", **filters),
    }
