"""Selectors of the site: they read."""

from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet

from portal.models import Bureau, Enterprise, Region, Role, User


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
    from portal.celery import app

    if app.conf.task_always_eager or not settings.CELERY_BROKER_URL:
        return {"configured": False, "ok": True, "mode": "eager"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTHZ_BROKER_TIMEOUT)
    except Exception as exc:  # any failure means "down"; say which
        return {"configured": True, "ok": False, "error": exc.__class__.__name__}
    return {"configured": True, "ok": True}


def enterprise_colleagues(*, enterprise: Enterprise) -> QuerySet[User]:
    return enterprise.users.filter(is_active=True).order_by("username")


def bureau_staff(*, bureau: Bureau) -> QuerySet[User]:
    return bureau.staff.order_by("-bureau_position", "username")


def catalogue_overview() -> dict:
    return {
        "regions_by_level": dict(
            Region.objects.values_list("level").annotate(n=Count("id")).order_by()
        ),
        "cities": Region.objects.filter(level=Region.Level.CITY)
        .annotate(bureau_count=Count("bureaus"))
        .order_by("code"),
    }


def leadership_overview() -> dict:
    return {
        "enterprises_by_city": Region.objects.filter(level=Region.Level.CITY)
        .annotate(enterprise_count=Count("enterprises"))
        .order_by("code"),
        "users_by_role": [
            (Role(role).label, n)
            for role, n in User.objects.exclude(role="")
            .values_list("role")
            .annotate(n=Count("id"))
            .order_by("role")
        ],
        "bureau_count": Bureau.objects.count(),
    }
