"""Selectors of the site: they read."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Count, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from portal.models import (
    Bureau,
    Enterprise,
    Invitation,
    Qualification,
    Region,
    User,
    YearlyFigures,
)


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

    if app.conf.task_always_eager or settings.CELERY_BROKER_URL.startswith("memory://"):
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


def leadership_overview(*, today: date) -> dict:
    """The leadership's front page: targets reached, this year's cases and money (from the
    latest dashboard snapshot) and registered enterprises by city."""
    from dashboard import selectors as dashboard

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


def districts_of(*, city: Region | None) -> QuerySet[Region]:
    districts = Region.objects.filter(level=Region.Level.DISTRICT)
    if city is not None:
        districts = districts.filter(parent=city)
    return districts.select_related("parent").order_by("parent__code", "code", "name")


def cities() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.CITY).order_by("code", "name")


def enterprise_qualifications(*, enterprise: Enterprise) -> QuerySet[Qualification]:
    return enterprise.qualifications.order_by("kind", "-recognized_on")


def enterprise_yearly_figures(*, enterprise: Enterprise) -> QuerySet[YearlyFigures]:
    return enterprise.yearly_figures.order_by("-year")


def enterprise_pending_invitations(*, enterprise: Enterprise) -> QuerySet[Invitation]:
    return enterprise.invitations.filter(accepted_at__isnull=True).select_related("invited_by")


def invitation_by_token(*, token: str) -> Invitation | None:
    if "\x00" in token:  # no token has one, and PostgreSQL refuses to compare with it
        return None
    return Invitation.objects.select_related("enterprise").filter(token=token).first()


# The profile's change history (一企一档 变更记录), read from simple-history's tables.


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ProfileChange:
    when: datetime
    who: User | None
    what: str  # "基本信息", "高新技术企业 国家级", "2024年度数据"
    action: str  # "+" created, "~" changed, "-" deleted (simple-history's history_type)
    changes: list[FieldChange]


_PROFILE_FIELDS: dict[type[models.Model], list[str]] = {
    Enterprise: [
        "name",
        "credit_code",
        "city",
        "district",
        "industry",
        "ownership",
        "scale",
        "is_above_scale",
        "employees",
        "founded_on",
        "source",
    ],
    Qualification: [
        "kind",
        "level",
        "recognition",
        "certificate_number",
        "recognized_on",
        "expires_on",
        "moved_in_from_other_province",
        "source",
    ],
    YearlyFigures: [
        "year",
        "revenue",
        "rd_expense",
        "rd_super_deduction",
        "tax_paid",
        "tech_contract_turnover",
        "invention_patents_granted",
        "source",
    ],
}


def _display(field: models.Field, value, regions: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        return regions.get(value, str(value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _differs(before, record, attname: str) -> bool:
    if before is None:  # created: list what was filled in
        return getattr(record, attname) not in (None, "")
    return getattr(before, attname) != getattr(record, attname)


def _history_changes(model, records, describe, regions) -> list[ProfileChange]:
    fields = [model._meta.get_field(name) for name in _PROFILE_FIELDS[model]]
    previous: dict[int, Any] = {}
    changes = []
    for record in records:  # oldest first, so each record is compared with the one before it
        before = previous.get(record.id)
        previous[record.id] = record
        if record.history_type == "-":
            diff = []
        else:
            diff = [
                FieldChange(
                    label=capfirst(field.verbose_name),
                    old=_display(field, getattr(before, field.attname), regions) if before else "",
                    new=_display(field, getattr(record, field.attname), regions),
                )
                for field in fields
                if _differs(before, record, field.attname)
            ]
            if not diff:
                continue
        changes.append(
            ProfileChange(
                when=record.history_date,
                who=record.history_user,
                what=describe(record),
                action=record.history_type,
                changes=diff,
            )
        )
    return changes


def enterprise_profile_history(*, enterprise: Enterprise) -> list[ProfileChange]:
    """Every change of the profile — basic data, qualifications, yearly figures — newest first,
    each with who made it and what changed from what to what. A fixed number of queries."""
    regions = dict(Region.objects.filter(level__in=["city", "district"]).values_list("id", "name"))

    def records(model, **lookup):
        return (
            model.history.filter(**lookup)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )

    changes = [
        *_history_changes(
            Enterprise,
            records(Enterprise, id=enterprise.pk),
            lambda record: str(_("Basic data")),
            regions,
        ),
        *_history_changes(
            Qualification,
            records(Qualification, enterprise_id=enterprise.pk),
            lambda record: f"{record.get_kind_display()} {record.get_level_display()}".strip(),
            regions,
        ),
        *_history_changes(
            YearlyFigures,
            records(YearlyFigures, enterprise_id=enterprise.pk),
            lambda record: str(_("Figures of %(year)s") % {"year": record.year}),
            regions,
        ),
    ]
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes


def enterprise_admins(*, enterprise: Enterprise) -> QuerySet[User]:
    return enterprise.users.filter(is_active=True, is_enterprise_admin=True).order_by("username")
