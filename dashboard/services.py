"""Writing to the dashboard: loading targets and the index scheme from the catalogue's data
files, figures entered or imported by bureaus, and the background snapshot of the aggregates."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from celery import current_app
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from dashboard import aggregates
from dashboard.models import (
    DistrictFigure,
    IndexDimension,
    IndexIndicator,
    IndexScheme,
    LiveSource,
    Snapshot,
    Target,
    TargetFigure,
    TargetValue,
)
from incentives.models import PolicyDocument
from incentives.rules import to_decimal
from organisations.models import Bureau, BureauAlias, Region
from portal import clock, workbooks

DATA_DIR = Path(__file__).resolve().parents[1] / "incentives" / "catalogue"
TARGETS_FILE = DATA_DIR / "targets.yaml"
INDEX_FILE = DATA_DIR / "district_index.yaml"

# targets.yaml names the profile fact a target counts; the dashboard counts it this way.
LIVE_BY_FACT = {
    "hitech_valid": LiveSource.HITECH_VALID,
    "hitech_certification_kind": LiveSource.HITECH_NEW,
    "tech_leader": LiveSource.TECH_LEADER,
    "tech_sme_level": LiveSource.TECH_SME,
}
# The snapshot's Celery task, queued by its registered name: the task module imports this one.
SNAPSHOT_TASK = "dashboard.tasks.snapshot_compute"
PORTAL_SOURCE_BY_KEY = {
    "hitech_count": IndexIndicator.PortalSource.HITECH_COUNT,
    "tech_sme_count": IndexIndicator.PortalSource.TECH_SME_COUNT,
}


class DataFileError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# ---------------------------------------------------------------------------------------------
# Loading the data files
# ---------------------------------------------------------------------------------------------


def _bureau_names(city_id: int) -> dict[str, Bureau]:
    names = {b.name: b for b in Bureau.objects.filter(city_id=city_id)}
    for alias in BureauAlias.objects.filter(city_id=city_id).select_related("bureau"):
        names.setdefault(alias.name, alias.bureau)
    return names


@transaction.atomic
def targets_load(*, path: Path = TARGETS_FILE, update: bool = False) -> dict[str, int]:
    """Targets from targets.yaml. Targets already in the database keep the admins' edits
    unless ``update``. All or nothing: an unknown document or bureau loads nothing."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    problems, created, kept = [], 0, 0
    position = 0
    for block in data["documents"]:
        document = PolicyDocument.objects.filter(key=block["document"]).first()
        if document is None:
            problems.append(f"unknown document {block['document']}")
            continue
        names = _bureau_names(document.region_id)
        for entry in block["targets"]:
            position += 1
            unknown = [n for n in entry.get("lead") or [] if n not in names]
            if unknown:
                problems.append(f"{entry['key']}: unknown lead unit(s) {'、'.join(unknown)}")
                continue
            fact = entry.get("source_fact")
            if fact and fact not in LIVE_BY_FACT:
                problems.append(f"{entry['key']}: the portal cannot count {fact}")
                continue
            exists = Target.objects.filter(key=entry["key"]).first()
            if exists and not update:
                kept += 1
                continue
            target, _new = Target.objects.update_or_create(
                key=entry["key"],
                defaults={
                    "document": document,
                    "clause": block["clause"],
                    "name": entry["name"],
                    "unit": entry.get("unit") or "",
                    "kind": entry["kind"],
                    "deadline": str(entry.get("deadline") or ""),
                    "live_source": LIVE_BY_FACT.get(fact, "") if entry.get("computable") else "",
                    "note": entry.get("note") or "",
                    "position": position,
                },
            )
            target.lead_bureaus.set([names[n] for n in entry.get("lead") or []])
            wording = entry.get("wording") or {}
            target.values.all().delete()
            TargetValue.objects.bulk_create(
                TargetValue(
                    target=target,
                    year=int(year),
                    value=Decimal(str(value)) if value is not None else None,
                    wording=wording.get(year) or "",
                )
                for year, value in (entry.get("values") or {}).items()
            )
            created += 1
    if problems:
        raise DataFileError(problems)
    return {"targets": created, "kept": kept}


@transaction.atomic
def index_load(*, path: Path = INDEX_FILE, update: bool = False) -> dict[str, int]:
    """The indicator system of district_index.yaml; kept as edited unless ``update``."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["index"]
    key = "district-st-index"
    if IndexScheme.objects.filter(key=key).exists() and not update:
        return {"indicators": 0, "kept": 1}
    IndexScheme.objects.filter(key=key).delete()
    notes = [data.get(n) for n in ("total_note", "classes_note", "related_targets_note")]
    scheme = IndexScheme.objects.create(
        key=key,
        name=data["name"],
        source=data["source"],
        is_example=bool(data.get("is_example")),
        total=Decimal(str(data["total"])),
        classes=data.get("classes") or [],
        note="\n".join(n.strip() for n in notes if n),
    )
    count, problems = 0, []
    for d_pos, dim in enumerate(data["dimensions"], start=1):
        dimension = IndexDimension.objects.create(
            scheme=scheme, name=dim["name"], weight=Decimal(str(dim["weight"])), position=d_pos
        )
        for i_pos, entry in enumerate(dim["indicators"], start=1):
            scoring = entry["scoring"]
            method = {
                "bands": IndexIndicator.Method.BANDS,
                "per_unit": IndexIndicator.Method.PER_UNIT,
                # 科技管理机构情况: points for each form that applies, capped at the weight.
                "categorical": IndexIndicator.Method.PER_UNIT,
                "assessment": IndexIndicator.Method.ASSESSED,
            }[scoring["method"]]
            units = scoring.get("per_unit") or [
                {**option, "per_unit": False} for option in scoring.get("options") or []
            ]
            indicator = IndexIndicator(
                dimension=dimension,
                key=entry["key"],
                name=entry["name"],
                weight=Decimal(str(entry["weight"])),
                unit=entry.get("unit") or "",
                method=method,
                bands=scoring.get("bands") or [] if method == "bands" else [],
                units=units if method == "per_unit" else [],
                cap=Decimal(str(scoring.get("cap") or entry["weight"]))
                if method == "per_unit"
                else None,
                formula=scoring.get("formula") or "",
                data_source="、".join(entry.get("data_source") or []),
                portal_source=PORTAL_SOURCE_BY_KEY.get(entry["key"], "")
                if entry.get("portal_can_compute")
                else "",
                note=(scoring.get("note") or "").strip(),
                position=i_pos,
            )
            try:
                indicator.full_clean(exclude=["dimension"])
            except ValidationError as error:
                problems.append(f"{entry['key']}: {'; '.join(error.messages)}")
                continue
            indicator.save()
            count += 1
    if problems:
        raise DataFileError(problems)
    return {"indicators": count, "kept": 0}


# ---------------------------------------------------------------------------------------------
# Figures entered by bureaus
# ---------------------------------------------------------------------------------------------


def can_enter_target(*, user: User, target: Target) -> bool:
    if user.role == Role.CATALOGUE_ADMIN:
        return True
    return (
        user.role == Role.BUREAU
        and user.bureau_id is not None
        and target.lead_bureaus.filter(pk=user.bureau_id).exists()
    )


def target_figure_enter(
    *, target: Target, year: int, value: Decimal, source: str, by: User
) -> TargetFigure:
    if not can_enter_target(user=by, target=target):
        raise PermissionDenied(
            _("Only a lead bureau of this target (or a catalogue admin) may enter its figures.")
        )
    if target.live_source:
        raise ValidationError(_("The portal counts this figure itself; it cannot be entered."))
    if not target.values.filter(year=year).exists():
        raise ValidationError(_("The document sets no target for %(year)s.") % {"year": year})
    return TargetFigure.objects.create(
        target=target,
        year=year,
        value=value,
        source=source,
        entered_by=by,
        bureau=by.bureau if by.role == Role.BUREAU else None,
    )


def can_enter_district(*, user: User, district: Region) -> bool:
    if user.role == Role.CATALOGUE_ADMIN:
        return True
    return user.role == Role.BUREAU and user.bureau and user.bureau.city_id == district.parent_id


def _figure_for(indicator: IndexIndicator, raw: Any, counts: dict | None):
    """(value, counts) checked for the indicator's method; ValidationError with a sentence."""
    if indicator.portal_source:
        raise ValidationError(
            _("%(name)s is counted by the portal from enterprise profiles.")
            % {"name": indicator.name}
        )
    if indicator.method == IndexIndicator.Method.PER_UNIT:
        known = {u["what"]: u for u in indicator.units}
        clean = {}
        for what, n in (counts or {}).items():
            if what not in known:
                raise ValidationError(
                    _("%(name)s has no unit kind “%(what)s”.")
                    % {"name": indicator.name, "what": what}
                )
            number = _decimal(n)
            if known[what].get("points") is None:  # 酌情得分: the points given, not a count
                if number is None or number < 0 or number > indicator.weight:
                    raise ValidationError(
                        _("%(what)s: the points given must lie between 0 and %(w)s.")
                        % {"what": what, "w": indicator.weight}
                    )
                if number:
                    clean[what] = str(number)
                continue
            if number is None or number < 0 or number != number.to_integral_value():
                raise ValidationError(
                    _("%(what)s: the count must be a whole number of zero or more.")
                    % {"what": what}
                )
            if number >= 10000:
                raise ValidationError(_("%(what)s: the count is too large.") % {"what": what})
            if number:
                clean[what] = int(number)
        return None, clean
    number = _decimal(raw)
    if number is None or number < 0:
        raise ValidationError(
            _("%(name)s: the figure must be a number of zero or more.") % {"name": indicator.name}
        )
    if indicator.method == IndexIndicator.Method.ASSESSED and number > indicator.weight:
        raise ValidationError(
            _("%(name)s: an assessed score cannot exceed %(w)s points.")
            % {"name": indicator.name, "w": indicator.weight}
        )
    if number >= Decimal("1e12"):
        raise ValidationError(_("%(name)s: the figure is too large.") % {"name": indicator.name})
    return number, {}


def _decimal(value) -> Decimal | None:
    """A figure as typed or read from a cell ("1,234.5", " 7 "); None if it is no number."""
    if value is None or isinstance(value, bool):
        return None
    return to_decimal(str(value).strip().replace(",", ""))


@transaction.atomic
def district_figures_save(
    *,
    district: Region,
    year: int,
    entries: Iterable[tuple[IndexIndicator, Any, dict | None]],
    by: User,
    source: str = DistrictFigure.Source.ENTERED,
) -> int:
    """Save a district's figures for a year: (indicator, value, counts) per entry; an entry
    with neither value nor counts clears that indicator's figure. All or nothing."""
    if not can_enter_district(user=by, district=district):
        raise PermissionDenied(
            _("Only staff of a bureau of %(city)s (or a catalogue admin) may enter its figures.")
            % {"city": district.parent.name if district.parent_id else district.name}
        )
    saved = 0
    problems = []
    for indicator, raw, counts in entries:
        if (raw is None or raw == "") and not counts:
            DistrictFigure.objects.filter(
                indicator=indicator, district=district, year=year
            ).delete()
            continue
        try:
            value, clean_counts = _figure_for(indicator, raw, counts)
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        DistrictFigure.objects.update_or_create(
            indicator=indicator,
            district=district,
            year=year,
            defaults={"value": value, "counts": clean_counts, "source": source, "entered_by": by},
        )
        saved += 1
    if problems:
        raise ValidationError(problems)
    return saved


# ---------------------------------------------------------------------------------------------
# Excel import of district figures
# ---------------------------------------------------------------------------------------------

IMPORT_HEADER = ["区县", "年份", "指标编码", "指标名称", "单位类别", "数值"]


def import_template(*, scheme: IndexScheme, city: Region, year: int) -> workbooks.Sheet:
    """One row per district × indicator (× unit kind), the value left for the bureau to fill."""
    indicators = list(
        IndexIndicator.objects.filter(dimension__scheme=scheme, portal_source="").select_related(
            "dimension"
        )
    )
    rows = []
    for district in Region.objects.filter(parent=city, level=Region.Level.DISTRICT).order_by(
        "code", "name"
    ):
        for indicator in indicators:
            if indicator.method == IndexIndicator.Method.PER_UNIT:
                for unit in indicator.units:
                    rows.append(
                        [district.name, year, indicator.key, indicator.name, unit["what"], None]
                    )
            else:
                rows.append([district.name, year, indicator.key, indicator.name, "", None])
    return workbooks.Sheet(title=_("District figures"), headers=IMPORT_HEADER, rows=rows)


def district_figures_import(*, scheme: IndexScheme, city: Region, upload, by: User) -> dict:
    """Read an .xlsx in the template's layout; all rows are checked first and nothing is saved
    unless every row is right. Returns counts; raises ValidationError with one line per bad row."""
    try:
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(
            _("The file could not be read as an Excel workbook (.xlsx).")
        ) from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, [])]
    if header[: len(IMPORT_HEADER)] != IMPORT_HEADER:
        raise ValidationError(
            _("The first row must be the template's header: %(header)s")
            % {"header": " | ".join(IMPORT_HEADER)}
        )
    districts = {d.name: d for d in Region.objects.filter(parent=city, level=Region.Level.DISTRICT)}
    indicators = {i.key: i for i in IndexIndicator.objects.filter(dimension__scheme=scheme)}
    problems: list[str] = []
    grouped: dict[tuple[int, int], dict[int, list]] = {}
    for number, row in enumerate(rows, start=2):
        if number > 20000:
            problems.append(_("The file has more than 20,000 rows."))
            break
        cells = list(row) + [None] * (6 - len(row))
        name, year, key, _label, what, raw = cells[:6]
        if all(c in (None, "") for c in (name, key, raw)):
            continue
        district = districts.get(str(name or "").strip())
        if district is None:
            problems.append(
                _("Row %(n)s: “%(name)s” is not a district of %(city)s.")
                % {"n": number, "name": name, "city": city.name}
            )
            continue
        year_n = _decimal(year)
        if year_n is None or year_n != year_n.to_integral_value() or not 2000 <= year_n <= 2100:
            problems.append(_("Row %(n)s: the year must be like 2025.") % {"n": number})
            continue
        indicator = indicators.get(str(key or "").strip())
        if indicator is None:
            problems.append(
                _("Row %(n)s: unknown indicator “%(key)s”.") % {"n": number, "key": key}
            )
            continue
        if raw in (None, ""):
            continue
        slot = grouped.setdefault((district.pk, int(year_n)), {}).setdefault(
            indicator.pk, [indicator, None, {}]
        )
        try:
            if indicator.method == IndexIndicator.Method.PER_UNIT:
                _figure_for(indicator, None, {str(what or "").strip(): raw})
                slot[2][str(what).strip()] = raw
            else:
                _figure_for(indicator, raw, None)
                slot[1] = raw
        except ValidationError as error:
            problems.append(
                _("Row %(n)s: %(problem)s") % {"n": number, "problem": " ".join(error.messages)}
            )
    if problems:
        raise ValidationError(problems)
    by_pk = {d.pk: d for d in districts.values()}
    saved = 0
    with transaction.atomic():
        for (district_id, year), entries in grouped.items():
            saved += district_figures_save(
                district=by_pk[district_id],
                year=year,
                entries=[tuple(e) for e in entries.values()],
                by=by,
                source=DistrictFigure.Source.IMPORTED,
            )
    return {"figures": saved, "districts": len({d for d, _y in grouped})}


# ---------------------------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------------------------


def snapshot_request(*, year: int, city: Region | None, by: User | None) -> Snapshot:
    """Queue a fresh snapshot unless one for the same year and city is already waiting."""
    waiting = Snapshot.objects.filter(
        year=year, city=city, status__in=[Snapshot.Status.QUEUED, Snapshot.Status.RUNNING]
    ).first()
    if waiting:
        return waiting
    snapshot = Snapshot.objects.create(year=year, city=city, requested_by=by)
    transaction.on_commit(lambda: current_app.signature(SNAPSHOT_TASK).delay(snapshot.pk))
    return snapshot


def snapshot_compute(*, snapshot_id: int, on: datetime.date | None = None) -> Snapshot:
    snapshot = Snapshot.objects.select_related("city").get(pk=snapshot_id)
    if snapshot.status == Snapshot.Status.DONE:
        return snapshot
    Snapshot.objects.filter(pk=snapshot.pk).update(status=Snapshot.Status.RUNNING, error="")

    def progress(done: int, total: int) -> None:
        Snapshot.objects.filter(pk=snapshot.pk).update(done=done, total=total)

    try:
        data = aggregates.compute(
            year=snapshot.year,
            city_id=snapshot.city_id,
            on=on or clock.today(),
            progress=progress,
        )
    except Exception as error:
        Snapshot.objects.filter(pk=snapshot.pk).update(
            status=Snapshot.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    Snapshot.objects.filter(pk=snapshot.pk).update(
        status=Snapshot.Status.DONE, data=data, finished_at=timezone.now()
    )
    snapshot.refresh_from_db()
    return snapshot


def snapshots_refresh(*, year: int | None = None) -> int:
    """The nightly job: one snapshot per city and one for all cities, for the current year."""
    year = year or clock.today().year
    count = 0
    for city in [None, *Region.objects.filter(level=Region.Level.CITY)]:
        snapshot_request(year=year, city=city, by=None)
        count += 1
    return count
