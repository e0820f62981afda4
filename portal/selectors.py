"""Selectors of the site: they read."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from applications import sending
from applications.models import OPEN_STATES, Application, State
from applications.notifications import unread_count
from dashboard import selectors as dashboard
from incentives.models import Fact, Match, PolicyDocument
from incentives.presentation import present_items
from incentives.selectors import items_public
from organisations.models import Bureau, Region
from portal.celery import app


def health_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; say which
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def health_broker() -> dict:
    """The broker's state, or that none is configured (tasks run eagerly)."""
    if app.conf.task_always_eager or settings.CELERY_BROKER_URL.startswith("memory://"):
        return {"configured": False, "ok": True, "mode": "eager"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTHZ_BROKER_TIMEOUT)
    except Exception as exc:  # any failure means "down"; say which
        return {"configured": True, "ok": False, "error": exc.__class__.__name__}
    return {"configured": True, "ok": True}


def catalogue_overview() -> dict:
    return {
        "regions_by_level": dict(
            Region.objects.values_list("level").annotate(n=Count("id")).order_by()
        ),
        "cities": Region.objects.filter(level=Region.Level.CITY)
        .annotate(bureau_count=Count("bureaus"))
        .order_by("code"),
    }


def leadership_overview(*, today: date) -> dict:
    """The leadership's front page: targets reached, this year's cases and money (from the
    latest dashboard snapshot) and registered enterprises by city."""
    target_year = dashboard.default_target_year(today)
    targets = dashboard.targets_overview(year=target_year, today=today) if target_year else []
    snapshot = dashboard.snapshot_latest(year=today.year, city_id=None)
    data = snapshot.data if snapshot else {}
    cities = list(
        Region.objects.filter(level=Region.Level.CITY)
        .annotate(enterprise_count=Count("enterprises"))
        .order_by("code")
    )
    return {
        "year": today.year,
        "target_year": target_year,
        "targets": targets,
        "targets_reached": sum(1 for row in targets if row.reached),
        "targets_with_figure": sum(1 for row in targets if row.figure is not None),
        "snapshot": snapshot,
        "performance": dashboard.performance(data),
        "money": dashboard.money(data),
        "enterprises_by_city": cities,
        "enterprise_total": sum(city.enterprise_count for city in cities),
    }


# The profile's change history (一企一档 变更记录), read from simple-history's tables.


# What the enterprise does next, by the state of its case.
NEXT_STEP = {
    State.OFFERED: _("Confirm the offer (免申即享)"),
    State.DRAFT: _("Complete the application and submit it"),
    State.SUPPLEMENT: _("Supplement the material as the bureau asks (补正)"),
    State.RETURNED: _("Read why it was returned"),
}
CLAIMABLE = ("eligible", "likely_eligible")


@dataclass(frozen=True)
class MissingFact:
    key: str
    label: str
    items: int  # items whose verdict waits on this fact


def enterprise_overview(*, enterprise, user) -> dict:
    """The enterprise's front page: what it may claim and how much, what to add to its profile
    to know more, its open cases with the next step, and its unread notices."""
    matches = list(Match.objects.filter(enterprise=enterprise).select_related("item"))
    claimable = [
        m for m in matches if m.status in CLAIMABLE and m.item.support_kind in ("money", "status")
    ]
    certain = sum(
        (m.amount for m in claimable if m.estimate_kind == "exact" and m.amount),
        Decimal(0),
    )
    at_most = certain + sum(
        (m.maximum for m in claimable if m.estimate_kind == "range" and m.maximum),
        Decimal(0),
    )
    waiting = Counter(
        key for m in matches if m.status == "missing_information" for key in m.missing or []
    )
    labels = {key: d.get("label") or key for key, d in Fact.declared().items()}
    missing = [
        MissingFact(key, str(labels.get(key, key)), count) for key, count in waiting.most_common(5)
    ]
    cases = list(
        Application.objects.filter(enterprise=enterprise, state__in=OPEN_STATES)
        .select_related("item")
        .order_by("-created_at")[:10]
    )
    for case in cases:
        case.next_step = NEXT_STEP.get(case.state, _("The bureau is handling it"))
        expected = sending.decision_expected(case)
        case.decision_on = expected.on if expected else None
    return {
        "claimable_count": len(claimable),
        "certain_total": certain,
        "at_most_total": at_most,
        "formula_count": sum(1 for m in claimable if m.estimate_kind == "formula"),
        "missing_facts": missing,
        "open_cases": cases,
        "supplements": [c for c in cases if c.state == State.SUPPLEMENT],
        "unread": unread_count(user),
    }


HOME_LIST = 6


def public_home(*, today: date) -> dict:
    """The public home page: what is open for application now, what enterprises claim most,
    the newest documents — real ones only (the 示例 templates stay in the catalogue)."""
    real = items_public().filter(
        measure__document__is_example=False,
        measure__document__status="in_force",
        support_kind__in=["money", "status"],
    )
    open_now = list(
        real.filter(window_opens__lte=today, window_closes__gte=today).order_by(
            "window_closes", "pk"
        )[:HOME_LIST]
    )
    claimed = list(
        real.annotate(claims=Count("applications"))
        .filter(claims__gt=0)
        .order_by("-claims", "pk")[:HOME_LIST]
    )
    present_items([*open_now, *claimed], on=today, with_bureaus=False)
    documents = list(
        PolicyDocument.objects.filter(is_example=False, status="in_force")
        .select_related("region")
        .order_by("-published_on", "pk")[:HOME_LIST]
    )
    bureaus = list(
        Bureau.objects.filter(
            assignments__role="lead", assignments__measure__document__is_example=False
        )
        .select_related("city")
        .annotate(measures=Count("assignments"))
        .order_by("-measures", "pk")[:4]
    )
    return {
        "open_now": open_now,
        "most_claimed": claimed,
        "documents": documents,
        "lead_bureaus": bureaus,
    }
