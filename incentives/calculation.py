"""What the policy calculator (政策计算器) computes: every item a company of the city may claim,
evaluated by the same plans as the stored matches, for a visitor's facts and — where the visitor
gives them — the claim's own inputs (the contract amount, the premium paid…); then the limits
that cross items, the total of the money that is certain, and each estimate in one phrase.
Nothing is stored.

Money is in yuan here, as everywhere below the forms: the page converts its 万元.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from incentives import caching, plans
from incentives.engine import (
    ELIGIBLE,
    LIKELY_ELIGIBLE,
    ItemVerdict,
    decide,
    evaluate_item,
    in_force,
)
from incentives.limits import LimitSpec, apply_limits
from incentives.models import CrossItemLimit, Fact, IncentiveItem
from incentives.rules import Estimate, format_wan
from organisations.models import Region

GOOD = (ELIGIBLE, LIKELY_ELIGIBLE)


# ---------------------------------------------------------------------------------------------
# What every request reads of the catalogue: once per catalogue version in each process
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """The cities, the declared facts and the limits that cross items, as the calculator reads
    them (shared by the requests of a process: never changed)."""

    catalogue: plans.Catalogue  # the plans of the same version (or a newer one)
    cities_by_name: Mapping[str, Region]
    cities_by_id: Mapping[int, Region]
    facts: Mapping[str, Fact]
    limits: tuple[LimitSpec, ...]
    # (item id, date, language) → the item's verdict when it reads none of the facts given (or
    # is not in force): the same for every such request, decided once (``calculate``).
    constant: dict[tuple, ItemVerdict] = field(default_factory=dict, compare=False, repr=False)

    def city(self, value: str) -> Region | None:
        """A city by its name or its region id (as the API takes it)."""
        # isdecimal on ASCII, not isdigit: "²" is a digit but no number int() reads.
        if value.isascii() and value.isdecimal() and len(value) < 12:
            return self.cities_by_id.get(int(value))
        return self.cities_by_name.get(value)


def _reference() -> Reference:
    by_name: dict[str, Region] = {}
    by_id: dict[int, Region] = {}
    for city in Region.objects.filter(level=Region.Level.CITY):
        by_name.setdefault(city.name, city)
        by_id[city.pk] = city
    limits = tuple(
        LimitSpec(lim.key, lim.kind, tuple(i.key for i in lim.items.all()), lim.amount, lim.note)
        for lim in CrossItemLimit.objects.prefetch_related("items")
    )
    return Reference(
        catalogue=plans.catalogue(),
        cities_by_name=by_name,
        cities_by_id=by_id,
        facts={fact.key: fact for fact in Fact.objects.all()},
        limits=limits,
    )


def reference(*, version: str | None = None) -> Reference:
    """The calculator's reference data, built once per catalogue version (cities, facts and
    limits are catalogue tables: an edit bumps the version, ``incentives/caching.py``). A
    request that has read the version (``caching.current_version()``) passes it: one query."""
    return caching.per_version("calculator-reference", _reference, version=version)


# ---------------------------------------------------------------------------------------------
# Which items are listed, and what they ask of a claim
# ---------------------------------------------------------------------------------------------


def plans_listed(*, city: Region) -> tuple[plans.ItemPlan, ...]:
    """The plans of every item a company of the city may claim, in the catalogue's order."""
    return plans.catalogue().serving(city_id=city.pk, kind=plans.COMPANY)


def plans_in_force(*, city: Region, on: datetime.date) -> list[plans.ItemPlan]:
    """The listed plans in force on the date: the only ones whose answer depends on facts."""
    return [p for p in plans_listed(city=city) if in_force(p.spec, on) is None]


@dataclass(frozen=True)
class ClaimQuestion:
    """One question of "关于您的计划": a claim input as the items that read it declare it. Items
    that declare the same key with the same words share a question; the same key worded
    differently ("建站后第几年", "第几个保险年度") is a question of its own."""

    name: str  # the form field's name
    key: str  # the input's key, as the items' rules and conditions read it
    label: str
    type: str  # money (yuan), int, decimal, percent, bool, choice, date, text
    choices: tuple[tuple[str, str], ...]
    item_keys: tuple[str, ...]
    item_names: tuple[str, ...]


def _claim_inputs(plan: plans.ItemPlan) -> list[Mapping[str, Any]]:
    """The item's claim inputs that its conditions or rules read (a project's name is not)."""
    read = set(plan.facts_read)
    return [
        i
        for i in plan.item.inputs or []
        if isinstance(i, Mapping) and i.get("key") in plan.claim_keys and i["key"] in read
    ]


def claim_questions(*, city: Region, on: datetime.date) -> list[ClaimQuestion]:
    """The union of the claim inputs of the items in force for a company of the city."""
    grouped: dict[tuple, tuple[list[str], list[str]]] = {}
    for plan in plans_in_force(city=city, on=on):
        for input_ in _claim_inputs(plan):
            choices = tuple((str(k), str(v)) for k, v in (input_.get("choices") or {}).items())
            signature = (
                input_["key"],
                str(input_.get("label") or input_["key"]),
                input_.get("type"),
                choices,
            )
            keys, names = grouped.setdefault(signature, ([], []))
            keys.append(plan.key)
            names.append(plan.name)
    questions, seen = [], {}
    for (key, label, kind, choices), (keys, names) in grouped.items():
        seen[key] = seen.get(key, 0) + 1
        name = f"claim_{key}" if seen[key] == 1 else f"claim_{key}_{seen[key]}"
        questions.append(
            ClaimQuestion(name, key, label, kind or "text", choices, tuple(keys), tuple(names))
        )
    return questions


def facts_asked(*, city: Region, on: datetime.date) -> list[str]:
    """Every fact (not a claim input) the items in force for a company of the city read, in a
    stable order: each can be missing, so each must be answerable on the calculator."""
    keys: list[str] = []
    for plan in plans_in_force(city=city, on=on):
        keys.extend(k for k in plan.facts_read if k not in plan.claim_keys)
    return list(dict.fromkeys(keys))


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


@dataclass
class CalculatedMatch:
    """A computed (not stored) match, shaped like ``Match`` for the same templates."""

    item: IncentiveItem
    status: str
    estimate_kind: str = ""
    amount: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    breakdown: str = ""
    reasons: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # The limits that cross items (就高不重复, caps), as on a stored match.
    limited_amount: Decimal | None = None
    limited_maximum: Decimal | None = None
    limit_notes: list[str] = field(default_factory=list)
    excluded: bool = False
    # The claim inputs the figure still waits for (a formula until they are given).
    claim_missing: list[str] = field(default_factory=list)

    @property
    def shown_amount(self) -> Decimal | None:
        return self.limited_amount if self.limited_amount is not None else self.amount

    @property
    def shown_maximum(self) -> Decimal | None:
        return self.limited_maximum if self.limited_maximum is not None else self.maximum


def calculate(
    *,
    city: Region,
    facts: Mapping[str, Any],
    on: datetime.date,
    claims: Mapping[str, Any] | None = None,
    item_claims: Mapping[str, Mapping[str, Any]] | None = None,
    ref: Reference | None = None,
) -> list[CalculatedMatch]:
    """Every item a company of the city may claim, for the visitor's facts. ``claims`` are claim
    inputs by key, for every item that declares the input; ``item_claims`` the same for one item
    (by item key), taking precedence. A claim input that is given is evaluated like a fact
    (its conditions too); one that is not is left to the claim, as for a stored match.

    The plans are built once per catalogue version in each process (a visitor's facts change per
    request, the catalogue does not); ``ref`` is the request's ``reference()`` when it has one.
    An item not in force on the date is decided without its conditions (their words would be
    thrown away: the verdict says only why it is not in force)."""
    claims = {k: v for k, v in (claims or {}).items() if v is not None}
    item_claims = item_claims or {}
    if ref is None:
        ref = reference()  # one query (the version) for the plans and the limits
    language = translation.get_language()
    results = []
    for plan in ref.catalogue.serving(city_id=city.pk, kind=plans.COMPANY):
        given = {}
        if claims and plan.claim_keys:
            given = {k: v for k, v in claims.items() if k in plan.claim_keys}
        own = item_claims.get(plan.key) if item_claims else None
        if own:
            given.update({k: v for k, v in own.items() if k in plan.claim_keys and v is not None})
        left = plan.claim_keys - frozenset(given) if given else plan.claim_keys
        values = {**facts, **given} if given else facts
        not_in_force = in_force(plan.spec, on) is not None
        if not_in_force or not any(key in values for key in plan.facts_read):
            verdict = _constant(ref, plan, on=on, language=language, left=left, nif=not_in_force)
        else:
            verdict = evaluate_item(plan.spec, values, on=on, claim_keys=left)
        estimate = verdict.estimate
        results.append(
            CalculatedMatch(
                item=plan.item,
                status=verdict.verdict,
                estimate_kind=estimate.kind if estimate else "",
                amount=estimate.amount if estimate else None,
                minimum=estimate.minimum if estimate else None,
                maximum=estimate.maximum if estimate else None,
                breakdown=estimate.breakdown if estimate else "",
                reasons=list(verdict.reasons),
                missing=list(verdict.missing),
                failed=list(verdict.failed),
                claim_missing=[k for k in plan.facts_read if k in left]
                if estimate and estimate.kind == "formula"
                else [],
            )
        )
    _limit(results, ref.limits)
    return results


CONSTANT_LIMIT = 20_000  # verdicts kept per version (items × dates × languages)


def _constant(
    ref: Reference,
    plan: plans.ItemPlan,
    *,
    on: datetime.date,
    language: str | None,
    left: frozenset,
    nif: bool,
) -> ItemVerdict:
    """The verdict of an item that reads none of the facts given (an item reads only the facts
    of its plan's ``facts_read``, as the SQL path does): the one it gives when nothing is known,
    decided once per version, date and language — or of an item not in force, decided without
    its conditions (the verdict says only why it is not in force). Not a cache of answers: it
    holds nothing a request gave."""
    key = (plan.item_id, on, language)
    verdict = ref.constant.get(key)
    if verdict is None:
        if nif:  # not in force
            verdict = decide(plan.spec, [], [], {}, on=on, claim_keys=left)
        else:
            verdict = evaluate_item(plan.spec, {}, on=on, claim_keys=left)
        if len(ref.constant) >= CONSTANT_LIMIT:
            ref.constant.clear()
        ref.constant[key] = verdict
    return verdict


def _limit(results: list[CalculatedMatch], limits: tuple[LimitSpec, ...]) -> None:
    """The limits that cross items, as ``match_limits`` applies them to stored matches; a visitor
    has no grants yet, so only what this calculation gives counts against a cap."""
    if not limits:
        return
    good = {row.item.key: row for row in results if row.status in GOOD}
    estimates = {
        key: Estimate(
            row.estimate_kind, amount=row.amount, minimum=row.minimum, maximum=row.maximum
        )
        for key, row in good.items()
    }
    outcome = apply_limits(estimates, list(limits))
    for key, row in good.items():
        if key in outcome.excluded:
            row.limited_amount = Decimal(0) if row.estimate_kind == "exact" else None
            row.limited_maximum = Decimal(0)
            row.limit_notes = [outcome.excluded[key]]
            row.excluded = True
        elif outcome.estimates[key] is not estimates[key]:
            limited = outcome.estimates[key]
            row.limited_amount = limited.amount if limited.kind == "exact" else None
            row.limited_maximum = limited.maximum if limited.kind != "exact" else None
            row.limit_notes = limited.lines[-1:]


# ---------------------------------------------------------------------------------------------
# The total and the phrases
# ---------------------------------------------------------------------------------------------


@dataclass
class CalculationTotal:
    """What the result adds up to. ``certain`` sums the exact amounts of the items whose every
    condition is met; ``likely`` those of items where the bureau still judges a point of its
    checklist; ranges are never added to either: they are counted, with the sum of their tops."""

    certain: Decimal = Decimal(0)
    certain_rows: list[CalculatedMatch] = field(default_factory=list)
    likely: Decimal = Decimal(0)
    likely_rows: list[CalculatedMatch] = field(default_factory=list)
    ranges: int = 0
    ranges_top: Decimal = Decimal(0)  # the sum of the bounded ranges' tops
    ranges_open: int = 0  # ranges without a top (decided in review)
    formulas: int = 0  # figures that wait for a claim input

    @property
    def certain_display(self) -> str:
        return format_wan(self.certain)

    @property
    def likely_display(self) -> str:
        return format_wan(self.likely)

    @property
    def ranges_top_display(self) -> str:
        return format_wan(self.ranges_top)


def calculation_total(results: Iterable[CalculatedMatch]) -> CalculationTotal:
    total = CalculationTotal()
    for row in results:
        if row.status not in GOOD or row.excluded or row.item.support_kind != "money":
            continue
        if row.estimate_kind == "exact" and row.shown_amount:
            if row.status == ELIGIBLE:
                total.certain += row.shown_amount
                total.certain_rows.append(row)
            else:
                total.likely += row.shown_amount
                total.likely_rows.append(row)
        elif row.estimate_kind == "range":
            total.ranges += 1
            if row.shown_maximum is None:
                total.ranges_open += 1
            else:
                total.ranges_top += row.shown_maximum
        elif row.estimate_kind == "formula":
            total.formulas += 1
    return total


def estimate_phrase(row: CalculatedMatch) -> str:
    """The estimate in one phrase, as the calculator says it: 60万元; 20万元–100万元; 最高100万元;
    "decided in review" for a range the document leaves open (never "不低于0万元")."""
    amount, minimum, maximum = row.shown_amount, row.minimum, row.shown_maximum
    if row.estimate_kind == "exact" and amount is not None:
        return format_wan(amount)
    if row.estimate_kind == "range":
        if maximum is None:
            if minimum:
                return _("at least %(min)s") % {"min": format_wan(minimum)}
            return _("amount decided in review")
        if not minimum:
            return _("up to %(max)s") % {"max": format_wan(maximum)}
        return f"{format_wan(minimum)}–{format_wan(maximum)}"
    if row.estimate_kind == "formula":
        if maximum:
            return _("up to %(max)s: give your figures") % {"max": format_wan(maximum)}
        return _("give your figures to see how much")
    return ""


def breakdown_phrase(row: CalculatedMatch) -> str:
    """The breakdown, without the "at least 0" of a range the document leaves open."""
    if row.estimate_kind == "range" and row.shown_maximum is None and not row.minimum:
        return _("The document sets no amount: the bureau decides it in review.")
    return row.breakdown
