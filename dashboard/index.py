"""The district innovation index: a district's figure per indicator turned into points, the
points summed per dimension and in total, and the total placed in a class.

Banded indicators: the band whose lower end the figure reaches (the top band is open upwards);
a band's score pair is the score at its lower and at its upper end, and a figure in between
gets the straight line between them (``interpolate: linear`` in district_index.yaml). Per-unit
indicators: points per recognised unit (or once, where the document says no 每家), summed and
capped. A figure that is missing, or a band whose score the document leaves open, gives no
score, and the total says how many indicators are missing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from incentives.rules import to_decimal  # None for anything that is not a finite number

TWO_PLACES = Decimal("0.01")


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


@dataclass
class IndicatorScore:
    indicator_id: int
    key: str
    name: str
    weight: Decimal
    figure: str  # the figure as shown ("1,234 家", "国家级重点实验室 ×2 …"), "" when missing
    score: Decimal | None
    explanation: str
    from_portal: bool = False


@dataclass
class DistrictScore:
    district_id: int
    district: str
    total: Decimal
    full: Decimal
    missing: int
    klass: str
    dimensions: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    indicators: list[IndicatorScore] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Validation of the scheme (admin edits)
# ---------------------------------------------------------------------------------------------


def bands_problems(bands, *, weight) -> list[str]:
    problems = []
    if not isinstance(bands, list) or not bands:
        return [_("Banded scoring needs at least one band.")]
    weight = to_decimal(weight)
    spans = []
    for n, band in enumerate(bands, start=1):
        if not isinstance(band, dict):
            problems.append(_("Band %(n)s is not an object with min, max and score.") % {"n": n})
            continue
        low, high = band.get("min"), band.get("max")
        low_n, high_n = to_decimal(low), to_decimal(high)
        if (low is not None and low_n is None) or (high is not None and high_n is None):
            problems.append(_("Band %(n)s: min and max must be numbers or null.") % {"n": n})
            continue
        if low_n is not None and high_n is not None and low_n >= high_n:
            problems.append(_("Band %(n)s: min must be below max.") % {"n": n})
        score = band.get("score")
        if score is not None:
            pair = [to_decimal(s) for s in score] if isinstance(score, list) else []
            if len(pair) != 2 or None in pair:
                problems.append(
                    _("Band %(n)s: score must be a pair of numbers or null.") % {"n": n}
                )
            elif weight is not None and any(s < 0 or s > weight for s in pair):
                problems.append(
                    _("Band %(n)s: scores must lie between 0 and the indicator's %(w)s points.")
                    % {"n": n, "w": _fmt(weight)}
                )
        spans.append((low_n if low_n is not None else Decimal("-Infinity"), high_n, n))
    spans.sort(key=lambda s: s[0])
    for (_low_a, high_a, a), (low_b, _high_b, b) in itertools.pairwise(spans):
        if high_a is None or high_a > low_b:
            problems.append(_("Bands %(a)s and %(b)s overlap.") % {"a": a, "b": b})
    return problems


def units_problems(units, *, cap, weight) -> list[str]:
    problems = []
    if not isinstance(units, list) or not units:
        return [_("Per-unit scoring needs at least one kind of unit with its points.")]
    seen = set()
    for n, unit in enumerate(units, start=1):
        what = unit.get("what") if isinstance(unit, dict) else None
        raw = unit.get("points") if isinstance(unit, dict) else None
        points = to_decimal(raw)
        # points null: 酌情得分 — the assessors give the points, entered as the figure.
        if not what or (raw is not None and (points is None or points < 0)):
            problems.append(
                _("Unit %(n)s needs a name (what) and points of zero or more.") % {"n": n}
            )
        elif what in seen:
            problems.append(_("Unit %(what)s is listed twice.") % {"what": what})
        seen.add(what)
    cap, weight = to_decimal(cap), to_decimal(weight)
    if cap is not None and weight is not None and cap > weight:
        problems.append(_("The cap cannot exceed the indicator's points."))
    return problems


def indicator_problems(indicator) -> list[str]:
    if indicator.method == "bands":
        return bands_problems(indicator.bands, weight=indicator.weight)
    if indicator.method == "assessed":
        return []
    return units_problems(indicator.units, cap=indicator.cap, weight=indicator.weight)


def classes_problems(classes) -> list[str]:
    if not isinstance(classes, list):
        return [_('Classes must be a list like [{"label": "A", "min": 80}].')]
    problems, previous = [], None
    for n, klass in enumerate(classes, start=1):
        label = klass.get("label") if isinstance(klass, dict) else None
        minimum = to_decimal(klass.get("min")) if isinstance(klass, dict) else None
        if not label or minimum is None:
            problems.append(_("Class %(n)s needs a label and a minimum score.") % {"n": n})
            continue
        if previous is not None and minimum >= previous:
            problems.append(_("Classes must be listed from the highest minimum down."))
        previous = minimum
    return problems


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


def score_bands(bands, value: Decimal, *, unit: str = "") -> tuple[Decimal | None, str]:
    """The score of a figure under the bands, and how it was reached, in words."""
    shown = f"{_fmt(value)}{unit}"
    for band in sorted(bands, key=lambda b: to_decimal(b.get("min")) or Decimal("-Infinity")):
        low, high = to_decimal(band.get("min")), to_decimal(band.get("max"))
        if (low is None or value >= low) and (high is None or value < high):
            pair = band.get("score")
            span = (
                _("%(low)s and above") % {"low": _fmt(low)}
                if high is None
                else (f"{_fmt(low) if low is not None else '…'}–{_fmt(high)}")
            )
            if pair is None:
                return None, _(
                    "%(value)s falls in the band %(span)s, whose score the document leaves open"
                ) % {"value": shown, "span": span}
            at_low, at_high = (Decimal(str(s)) for s in pair)
            if at_low == at_high or low is None or high is None:
                score = at_low if at_low == at_high or low is not None else at_high
            else:
                score = at_low + (at_high - at_low) * (value - low) / (high - low)
            score = score.quantize(TWO_PLACES, ROUND_HALF_UP)
            if at_low == at_high:
                how = _("%(value)s in the band %(span)s: %(score)s points") % {
                    "value": shown,
                    "span": span,
                    "score": _fmt(score),
                }
            else:
                how = _(
                    "%(value)s in the band %(span)s (%(a)s–%(b)s points, in proportion): "
                    "%(score)s points"
                ) % {
                    "value": shown,
                    "span": span,
                    "a": _fmt(at_low),
                    "b": _fmt(at_high),
                    "score": _fmt(score),
                }
            return score, how
    return None, _("%(value)s lies outside every band") % {"value": shown}


def score_units(units, counts: Mapping[str, object], *, cap: Decimal | None) -> tuple[Decimal, str]:
    parts, total = [], Decimal(0)
    for unit in units:
        n = to_decimal(counts.get(unit["what"])) or Decimal(0)
        if n <= 0:
            continue
        if unit.get("points") is None:
            total += n
            parts.append(_("%(what)s (assessed) %(got)s") % {"what": unit["what"], "got": _fmt(n)})
            continue
        points = Decimal(str(unit["points"]))
        got = points if unit.get("per_unit") is False else points * n
        total += got
        parts.append(f"{unit['what']} ×{_fmt(n)} = {_fmt(got)}")
    if not parts:
        return Decimal(0), _("No recognised units: 0 points")
    how = "；".join(parts)
    if cap is not None and total > cap:
        how += _(" — %(total)s points, capped at %(cap)s") % {
            "total": _fmt(total),
            "cap": _fmt(cap),
        }
        total = cap
    return total.quantize(TWO_PLACES, ROUND_HALF_UP), how


def score_indicator(indicator, *, value=None, counts=None) -> tuple[Decimal | None, str, str]:
    """(score, figure as shown, explanation) of one indicator for one figure."""
    if indicator.method == "bands":
        number = to_decimal(value)
        if number is None:
            return None, "", _("No figure yet")
        score, how = score_bands(indicator.bands, number, unit=indicator.unit)
        return score, f"{_fmt(number)}{indicator.unit}", how
    if indicator.method == "assessed":
        number = to_decimal(value)
        if number is None:
            return None, "", _("No assessment yet")
        if number < 0 or number > indicator.weight:
            return (
                None,
                _fmt(number),
                _("An assessed score must lie between 0 and %(w)s points")
                % {"w": _fmt(indicator.weight)},
            )
        score = number.quantize(TWO_PLACES, ROUND_HALF_UP)
        return score, _fmt(number), _("Assessed: %(score)s points") % {"score": _fmt(score)}
    if counts is None:
        return None, "", _("No figure yet")
    cap = indicator.cap if indicator.cap is not None else indicator.weight
    score, how = score_units(indicator.units, counts, cap=cap)
    shown = "、".join(f"{k} {v}" for k, v in counts.items() if to_decimal(v)) or "0"
    return score, shown, how


def class_of(classes: Iterable[Mapping], total: Decimal) -> str:
    for klass in classes:
        if total >= Decimal(str(klass["min"])):
            return str(klass["label"])
    return ""


def district_score(
    *,
    scheme,
    indicators,
    district,
    figures: Mapping[int, object],
    portal_values: Mapping[str, int],
) -> DistrictScore:
    """Score one district. ``figures`` maps indicator id to its DistrictFigure; ``portal_values``
    maps a portal source (hitech_count…) to the count the portal holds for the district."""
    rows, by_dimension = [], {}
    for indicator in indicators:
        from_portal = bool(indicator.portal_source)
        if from_portal:
            score, shown, how = score_indicator(
                indicator, value=portal_values.get(indicator.portal_source)
            )
        else:
            figure = figures.get(indicator.pk)
            score, shown, how = score_indicator(
                indicator,
                value=figure.value if figure else None,
                counts=figure.counts if figure else None,
            )
        rows.append(
            IndicatorScore(
                indicator_id=indicator.pk,
                key=indicator.key,
                name=indicator.name,
                weight=indicator.weight,
                figure=shown,
                score=score,
                explanation=how,
                from_portal=from_portal,
            )
        )
        dimension = indicator.dimension
        name, got, full = by_dimension.get(
            dimension.pk, (dimension.name, Decimal(0), dimension.weight)
        )
        by_dimension[dimension.pk] = (name, got + (score or 0), full)
    total = sum((r.score for r in rows if r.score is not None), Decimal(0))
    return DistrictScore(
        district_id=district.pk,
        district=district.name,
        total=total,
        full=scheme.total,
        missing=sum(1 for r in rows if r.score is None),
        klass=class_of(scheme.classes, total),
        dimensions=list(by_dimension.values()),
        indicators=rows,
    )
