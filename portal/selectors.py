"""Selectors of the site: they read."""

from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Count

from dashboard import selectors as dashboard
from organisations.models import Region
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
