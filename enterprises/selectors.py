"""Selectors of the 一企一档: they read."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from enterprises import schema
from enterprises.models import Enterprise, Qualification, YearlyFigures
from organisations.models import Region
from portal.history import FieldChange, field_changes


def enterprise_qualifications(*, enterprise: Enterprise) -> QuerySet[Qualification]:
    return enterprise.qualifications.order_by("kind", "-recognized_on")


def enterprise_yearly_figures(*, enterprise: Enterprise) -> QuerySet[YearlyFigures]:
    return enterprise.yearly_figures.order_by("-year")


@dataclass(frozen=True)
class ProfileChange:
    when: datetime
    who: User | None
    what: str  # "基本信息", "高新技术企业 国家级", "2024年度数据"
    action: str  # "+" created, "~" changed, "-" deleted (simple-history's history_type)
    changes: list[FieldChange]


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
            diff = field_changes(fields, before, record, lambda model, pk: regions.get(pk, str(pk)))
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


# What the history page shows of each model: registration data, the declared facts of the
# schema, and where the values came from.
_PROFILE_FIELDS: dict[type[models.Model], list[str]] = {
    Enterprise: ["name", "credit_code", "city", "district", *schema.names(schema.BASIC), "source"],
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
    YearlyFigures: ["year", *schema.names(schema.YEARLY), "source"],
}
