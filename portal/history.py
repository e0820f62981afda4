"""How a recorded change reads: the one renderer of django-simple-history versions, used by the
profile's history page (enterprises) and the audit log (audit). It imports no app: the caller
says how a foreign key's id is named."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

# Names the object a foreign key points to: (model, primary key) → text.
NameOf = Callable[[type[models.Model], int], str]


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str  # "" when the object was created
    new: str

    def __str__(self) -> str:
        return f"{self.label}: {self.old} → {self.new}" if self.old else f"{self.label}: {self.new}"


def local_time(moment: datetime.datetime) -> datetime.datetime:
    """The moment in the portal's time zone, to the second, without tzinfo (as spreadsheets
    hold it)."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def display(field: models.Field, value, name_of: NameOf, *, max_length: int | None = None) -> str:
    """A stored value as a person reads it: choices by their label, a foreign key by the name of
    what it points to, money with separators, dates in the portal's time zone."""
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        return name_of(field.related_model, value)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime.datetime):
        return f"{local_time(value):%Y-%m-%d %H:%M:%S}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, default=str)
    text = str(value)
    if max_length is None or len(text) <= max_length:
        return text
    return text[: max_length - 1] + "…"


def field_changes(
    fields: Iterable[models.Field],
    before,
    record,
    name_of: NameOf,
    *,
    max_length: int | None = None,
) -> list[FieldChange]:
    """What changed from one version (``before``; None when ``record`` created the object) to
    the next: for a creation, the fields that were filled in."""
    changes = []
    for field in fields:
        new = getattr(record, field.attname)
        label = str(capfirst(field.verbose_name))
        if before is None:
            if new not in (None, "", [], {}):
                changes.append(
                    FieldChange(label, "", display(field, new, name_of, max_length=max_length))
                )
        elif getattr(before, field.attname) != new:
            old = display(field, getattr(before, field.attname), name_of, max_length=max_length)
            changes.append(
                FieldChange(label, old, display(field, new, name_of, max_length=max_length))
            )
    return changes
