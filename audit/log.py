"""The audit log: every step of every case (CaseEvent) and every recorded change of the catalogue
and of the enterprise profiles (django-simple-history), as one list in time order, and its export
to xlsx or csv for auditors.

Reading is streamed: one query per source model (plus one per kind of name shown, such as item or
bureau names), rows merged by time, so a year of history does not sit in memory at once.
"""

import csv
import datetime
import heapq
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import User
from applications.models import Application, CaseEvent
from enterprises.models import AccountClaim, Enterprise, Qualification, YearlyFigures
from incentives.models import (
    Assignment,
    AwardRule,
    ChangeProposal,
    Condition,
    CrossItemLimit,
    Fact,
    GoldenCase,
    IncentiveItem,
    Measure,
    PolicyDocument,
)
from official_lists.models import OfficialList
from organisations.models import Bureau, Region
from portal import workbooks
from portal.history import field_changes, local_time
from ratings.models import Rating, RatingSettings, Rectification

CATALOGUE_MODELS = (
    PolicyDocument,
    Measure,
    IncentiveItem,
    AwardRule,
    Condition,
    GoldenCase,
    Assignment,
    CrossItemLimit,
    Fact,
    ChangeProposal,
)
PROFILE_MODELS = (Enterprise, Qualification, YearlyFigures)
# Who acts for an enterprise: registrations verified, claims and disputes decided.
ACCOUNT_MODELS = (AccountClaim,)
# 好差评: ratings, their rectifications and the settings of the rectification time.
RATING_MODELS = (Rating, Rectification, RatingSettings)
# Official lists: uploaded, confirmed (qualifications verified), withdrawn — by whom and why.
LIST_MODELS = (OfficialList,)
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
VALUE_MAX_LENGTH = 80  # a changed value longer than this is shortened in the log


@dataclass(frozen=True)
class AuditRow:
    when: datetime.datetime
    who: str
    kind: str  # "case event", "catalogue change" or "profile change", translated
    object: str
    action: str
    change: str  # from → to, or the changed fields
    comment: str


def audit_rows(
    *,
    since: datetime.date | datetime.datetime | None = None,
    until: datetime.date | datetime.datetime | None = None,
) -> Iterator[AuditRow]:
    """Every case event and every catalogue and profile change from ``since`` (inclusive) to
    ``until`` (a date: to the end of that day; a datetime: exclusive), oldest first."""
    start = _moment(since) if since is not None else None
    end = _moment(until, end_of_day=True) if until is not None else None
    names = _Names()
    sources = [_case_rows(start, end)]
    sources += [
        _history_rows(model, start, end, names, _("catalogue change")) for model in CATALOGUE_MODELS
    ]
    sources += [
        _history_rows(model, start, end, names, _("profile change")) for model in PROFILE_MODELS
    ]
    sources += [
        _history_rows(model, start, end, names, _("account verification"))
        for model in ACCOUNT_MODELS
    ]
    sources += [_history_rows(model, start, end, names, _("rating")) for model in RATING_MODELS]
    sources += [
        _history_rows(model, start, end, names, _("official list")) for model in LIST_MODELS
    ]
    return heapq.merge(*sources, key=lambda row: row.when)


def audit_headers() -> list[str]:
    return [
        _("When"),
        _("Who"),
        _("Kind"),
        _("Case or record"),
        _("Action"),
        _("From → to or changed fields"),
        _("Comment"),
    ]


def audit_export(
    *,
    stream: IO[bytes],
    format: str,
    since: datetime.date | datetime.datetime | None = None,
    until: datetime.date | datetime.datetime | None = None,
) -> int:
    """Write the audit log as xlsx or csv (UTF-8 with a byte-order mark, which Excel needs to
    read Chinese) to a binary stream; return how many rows were written."""
    rows = audit_rows(since=since, until=until)
    if format == "xlsx":
        return _write_xlsx(rows, stream)
    if format == "csv":
        return _write_csv(rows, stream)
    raise ValueError(f"format must be one of {FORMATS}, not {format!r}")


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------


def _moment(
    value: datetime.date | datetime.datetime, *, end_of_day: bool = False
) -> datetime.datetime | None:
    """Where a period starts or ends, in the portal's time zone. None for a day at the very edge
    of the calendar (1 January of year 1, 31 December 9999), whose moment a datetime cannot hold
    in UTC: nothing was recorded beyond it, so it bounds nothing."""
    try:
        if isinstance(value, datetime.datetime):
            moment = value if timezone.is_aware(value) else timezone.make_aware(value)
        else:
            day = value + datetime.timedelta(days=1) if end_of_day else value
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        moment.astimezone(datetime.UTC)
    except OverflowError:
        return None
    return moment


def _person(user) -> str:
    if user is None:
        return ""
    full_name = getattr(user, "full_name", "")
    return f"{full_name} ({user.username})" if full_name else user.username


def _case_rows(start, end) -> Iterator[AuditRow]:
    events = CaseEvent.objects.select_related("actor", "application__item")
    if start is not None:
        events = events.filter(at__gte=start)
    if end is not None:
        events = events.filter(at__lt=end)
    kind = _("case event")
    for event in events.order_by("at", "pk").iterator(chunk_size=2000):
        change = f"{event.from_label} → {event.to_label}" if event.from_state else event.to_label
        if event.amount is not None:
            change += "; " + _("amount: %(amount)s") % {"amount": f"{event.amount:,.2f}"}
        application = event.application
        yield AuditRow(
            when=event.at,
            who=_person(event.actor) or _("System"),
            kind=kind,
            object=f"{application.reference} {application.item.name}",
            action=event.action_label,
            change=change,
            comment=event.comment,
        )


def _history_rows(model, start, end, names: "_Names", kind: str) -> Iterator[AuditRow]:
    """One model's history in the period. Each version is compared with the one before it, so
    the versions of the objects changed in the period are read from their beginning."""
    history = model.history.all()
    if end is not None:
        history = history.filter(history_date__lt=end)
    if start is not None:
        changed = model.history.filter(history_date__gte=start)
        if end is not None:
            changed = changed.filter(history_date__lt=end)
        history = history.filter(id__in=changed.values("id"))
    historical = model.history.model
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and _has_field(historical, field.name)
    ]
    actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    previous: dict[int, Any] = {}
    records = history.select_related("history_user").order_by("history_date", "history_id")
    for record in records.iterator(chunk_size=2000):
        before = previous.get(record.id)
        previous[record.id] = record
        if start is not None and record.history_date < start:
            continue  # read only to compare the first version in the period with
        if record.history_type == "-":
            change = ""
        else:
            change = "; ".join(
                str(c)
                for c in field_changes(
                    fields, before, record, names.of, max_length=VALUE_MAX_LENGTH
                )
            )
            if not change and record.history_type == "~":
                continue  # saved without a change: nothing to audit
        yield AuditRow(
            when=record.history_date,
            who=_person(record.history_user) or _("No user recorded"),
            kind=kind,
            object=f"{capfirst(model._meta.verbose_name)} #{record.id} {_describe(record, names)}",
            action=str(actions.get(record.history_type, record.history_type)),
            change=change,
            comment=record.history_change_reason or "",
        )


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _describe(record, names: "_Names") -> str:
    """What a version is about, in words, from its own fields and the names of what it points to
    (read once per model, never once per row)."""
    model = record.instance_type
    if model in (IncentiveItem, Enterprise):
        return record.name
    if model is PolicyDocument:
        return record.title
    if model is Measure:
        return f"{record.number} {record.title}"
    if model is Fact:
        return f"{record.label} ({record.key})"
    if model is AwardRule:
        return f"{names.of(IncentiveItem, record.item_id)} · {record.kind}"
    if model is Condition:
        value = json.dumps(record.value, ensure_ascii=False, default=str)
        return f"{names.of(IncentiveItem, record.item_id)}: {record.fact} {record.op} {value}"
    if model is GoldenCase:
        return f"{names.of(IncentiveItem, record.item_id)}: {record.name}"
    if model is Assignment:
        where = names.of(IncentiveItem, record.item_id) if record.item_id else ""
        where = where or names.of(Measure, record.measure_id)
        return f"{where} · {record.get_role_display()} · {names.of(Bureau, record.bureau_id)}"
    if model is CrossItemLimit:
        return record.note or record.key
    if model is Qualification:
        kind = f"{record.get_kind_display()} {record.get_level_display()}".strip()
        return f"{names.of(Enterprise, record.enterprise_id)} · {kind}"
    if model is YearlyFigures:
        return f"{names.of(Enterprise, record.enterprise_id)} · {record.year}"
    if model is AccountClaim:
        return (
            f"{names.of(Enterprise, record.enterprise_id)} · {record.get_kind_display()} · "
            f"{record.claimant_name} · {record.get_state_display()}"
        )
    if model is Rating:
        return f"{names.of(Application, record.application_id)} · {record.get_level_display()}"
    if model is Rectification:
        return f"{_('rating')} #{record.rating_id} · {record.due_on}"
    if model is OfficialList:
        return f"{record.title} · {record.batch} · {record.get_state_display()}"
    return ""


class _Names:
    """Names of the objects rows point to, each model read in one query the first time one of its
    names is needed. Deleted objects keep their last recorded name where they have a history."""

    LABELS = {
        IncentiveItem: ("name",),
        Application: ("reference",),
        Measure: ("number", "title"),
        PolicyDocument: ("title",),
        Enterprise: ("name",),
        Bureau: ("name",),
        Region: ("name",),
        User: ("full_name", "username"),
    }

    def __init__(self):
        self._names: dict[type, dict[int, str]] = {}

    def of(self, model, pk) -> str:
        if pk is None:
            return "—"
        if model not in self.LABELS:
            return f"#{pk}"
        if model not in self._names:
            self._names[model] = self._load(model)
        return self._names[model].get(pk, f"#{pk}")

    def _load(self, model) -> dict[int, str]:
        fields = self.LABELS[model]
        names: dict[int, str] = {}
        sources = [model.objects.all()]
        if hasattr(model, "history"):  # oldest first, so the live name (read last) wins
            sources.insert(0, model.history.order_by("history_date", "history_id"))
        for source in sources:
            for pk, *values in source.values_list("id", *fields):
                names[pk] = " ".join(str(value) for value in values if value)
        return names


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def _cells(row: AuditRow) -> list[str]:
    return [row.who, row.kind, row.object, row.action, row.change, row.comment]


def _write_csv(rows: Iterable[AuditRow], stream: IO[bytes]) -> int:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(audit_headers())
    count = 0
    for row in rows:
        when = f"{local_time(row.when):%Y-%m-%d %H:%M:%S}"
        writer.writerow([when, *(workbooks.csv_safe(cell) for cell in _cells(row))])
        count += 1
    text.flush()
    text.detach()  # leave the caller's stream open
    return count


def _write_xlsx(rows: Iterable[AuditRow], stream: IO[bytes]) -> int:
    sheet = workbooks.Sheet(
        title=_("Audit log"),
        headers=audit_headers(),
        rows=([local_time(row.when), *_cells(row)] for row in rows),
        widths=(20, 24, 14, 48, 18, 60, 40),
    )
    return workbooks.workbook_write(sheets=[sheet], stream=stream)
