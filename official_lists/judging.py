"""The dry run's judgement of each row against the portal as it is now: which enterprise the code
names (or which city a new one belongs to), whether the names agree, and what the list would do
to the enterprise's qualifications. Read-only; ``services`` runs it at upload and again at
confirmation (the portal may have changed in between)."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from enterprises.models import Enterprise, FactSource, Qualification, QualificationKind
from official_lists.models import ListRow, Outcome
from organisations.models import Region

# A 高新技术企业 certificate is valid for three years (高新技术企业认定管理办法 第十一条).
HITECH_YEARS = 3
# A declared row of the same kind this close to the list's date is taken as the same recognition,
# typed differently (the list wins); further apart it is an earlier or later recognition.
SAME_RECOGNITION_DAYS = 365


def comparable_name(name: str) -> str:
    """Names compared as people read them: half-width, without spaces, brackets alike."""
    text = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）").casefold()


def plus_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def default_expiry(kind: str, recognized_on: datetime.date | None) -> datetime.date | None:
    if kind == QualificationKind.HITECH and recognized_on:
        return plus_years(recognized_on, HITECH_YEARS)
    return None


@dataclass
class Home:
    """Where a credit code says an enterprise is registered (登记管理机关行政区划码)."""

    city: Region | None
    district: Region | None


class Regions:
    """The regions with a division code, looked up by a credit code's 3rd–8th characters."""

    def __init__(self) -> None:
        self.by_code = {r.code: r for r in Region.objects.exclude(code="").select_related("parent")}

    def home(self, credit_code: str) -> Home:
        division = credit_code[2:8]
        region = self.by_code.get(division)
        if region is None:  # a district the portal does not list: its city's code
            region = self.by_code.get(division[:4] + "00")
        if region is None:
            return Home(None, None)
        if region.level == Region.Level.CITY:
            return Home(region, None)
        if region.level == Region.Level.DISTRICT and region.parent:
            return Home(region.parent, region)
        return Home(None, None)


def _differences(qualification: Qualification, row: ListRow) -> list[str]:
    """What the list says otherwise than the recorded qualification (a blank cell says nothing)."""
    found = []
    if qualification.recognized_on != row.recognized_on:
        found.append(
            _("recognised on %(old)s, the list says %(new)s")
            % {"old": qualification.recognized_on, "new": row.recognized_on}
        )
    # A blank on the profile is filled in from the list, not a conflict.
    if row.level and qualification.level and qualification.level != row.level:
        found.append(
            _("level %(old)s, the list says %(new)s")
            % {
                "old": qualification.get_level_display() or "—",
                "new": row.get_level_display(),
            }
        )
    if (
        row.certificate_number
        and qualification.certificate_number
        and qualification.certificate_number != row.certificate_number
    ):
        found.append(
            _("certificate %(old)s, the list says %(new)s")
            % {"old": qualification.certificate_number or "—", "new": row.certificate_number}
        )
    return found


def same_recognition(candidates: Iterable[Qualification], row: ListRow) -> Qualification | None:
    """The recorded qualification that is the recognition the row names, if any."""
    candidates = list(candidates)
    for qualification in candidates:
        if qualification.recognized_on == row.recognized_on:
            return qualification
    for qualification in candidates:
        if row.certificate_number and qualification.certificate_number == row.certificate_number:
            return qualification
    for qualification in candidates:
        if (
            qualification.source == FactSource.DECLARED
            and abs((qualification.recognized_on - row.recognized_on).days) < SAME_RECOGNITION_DAYS
        ):
            return qualification
    return None


def judge(rows: list[ListRow], *, city: Region) -> None:
    """Set each row's outcome, reason and enterprise (rows already invalid stay so)."""
    live = [row for row in rows if row.outcome != Outcome.INVALID]
    codes = {row.credit_code for row in live}
    enterprises = {
        e.credit_code: e
        for e in Enterprise.objects.filter(credit_code__in=codes).select_related("city")
    }
    held: dict[tuple[int, str], list[Qualification]] = defaultdict(list)
    for qualification in Qualification.objects.filter(
        enterprise_id__in=[e.pk for e in enterprises.values()]
    ).order_by("recognized_on", "pk"):
        held[(qualification.enterprise_id, qualification.kind)].append(qualification)
    regions = Regions()
    seen: dict[tuple[str, str, datetime.date | None], int] = {}
    for row in live:
        row.enterprise = None
        row.expires_on = row.expires_on or default_expiry(row.kind, row.recognized_on)
        key = (row.credit_code, row.kind, row.recognized_on)
        if key in seen:
            row.outcome = Outcome.INVALID
            row.reason = _("The same enterprise, qualification and date as row %(n)s.") % {
                "n": seen[key]
            }
            continue
        seen[key] = row.number
        enterprise = enterprises.get(row.credit_code)
        if enterprise is None:
            home = regions.home(row.credit_code)
            if home.city is None or home.city.pk != city.pk:
                row.outcome = Outcome.OTHER_CITY
                row.reason = _(
                    "Not on the portal; its code (division %(division)s) is registered in "
                    "%(where)s, not %(city)s. Skipped."
                ) % {
                    "division": row.credit_code[2:8],
                    "where": home.city.name
                    if home.city
                    else _("a division the portal does not know"),
                    "city": city.name,
                }
            else:
                row.outcome = Outcome.NEW_ENTERPRISE
                row.reason = _(
                    "Not on the portal yet: its profile is created in %(where)s without an "
                    "account (unclaimed) and the qualification recorded as verified."
                ) % {"where": (home.district or home.city).name}
            continue
        row.enterprise = enterprise
        if enterprise.city_id != city.pk:
            row.outcome = Outcome.OTHER_CITY
            row.reason = _("%(name)s is an enterprise of %(other)s, not %(city)s. Skipped.") % {
                "name": enterprise.name,
                "other": enterprise.city.name,
                "city": city.name,
            }
            continue
        notes = []
        same = same_recognition(held[(enterprise.pk, row.kind)], row)
        differences = _differences(same, row) if same else []
        if comparable_name(enterprise.name) != comparable_name(row.name):
            row.outcome = Outcome.NAME_MISMATCH
            notes.append(
                _("On the portal the code belongs to “%(portal)s”, the list says “%(list)s”.")
                % {"portal": enterprise.name, "list": row.name}
            )
            notes.append(_("Applied only if ticked when the list is confirmed."))
        elif differences:
            row.outcome = Outcome.CONFLICT
        else:
            row.outcome = Outcome.MATCHED
        if differences:
            notes.append(
                _(
                    "The profile records %(what)s: the list's values replace them (the earlier "
                    "ones stay in the history)."
                )
                % {"what": "；".join(differences)}
            )
        elif same:
            notes.append(
                _("The recorded qualification is marked verified.")
                if same.source != FactSource.VERIFIED
                else _("Already verified; the list is recorded as its source.")
            )
        else:
            notes.append(_("The qualification is added to the profile as verified."))
        row.reason = " ".join(notes)


def counts(rows: Iterable[ListRow]) -> dict[str, int]:
    found = dict.fromkeys(Outcome.values, 0)
    for row in rows:
        found[row.outcome] += 1
    return found
