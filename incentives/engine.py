"""Eligibility for one enterprise (or one set of typed-in facts) in Python: conditions with a
reason each, the item's verdict and its award estimate at an explicit date.

Three answers per condition, never two: pass, fail, or unknown (a fact is missing). Unknown is
never shown as "not eligible"; it becomes "missing information: …". The same conditions are
turned into one queryset filter per item for all enterprises by the matching engine.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incentives.rules import (
    Estimate,
    evaluate_rule,
    format_wan,
    formula_estimate,
    plain_number,
    rule_in_effect,
    to_decimal,
)

OPERATORS = (
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_true",
    "is_false",
    "within_days",
)
NO_VALUE_OPERATORS = {"is_true", "is_false"}
ORDER_OPERATORS = {"gt", "gte", "lt", "lte"}
NUMERIC_TYPES = {"int", "money", "decimal", "percent"}

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"

ELIGIBLE = "eligible"
LIKELY_ELIGIBLE = "likely_eligible"
MISSING_INFORMATION = "missing_information"
NOT_ELIGIBLE = "not_eligible"
NOT_IN_FORCE = "not_in_force"
VERDICTS = (ELIGIBLE, LIKELY_ELIGIBLE, MISSING_INFORMATION, NOT_ELIGIBLE, NOT_IN_FORCE)
VERDICT_LABELS = {
    ELIGIBLE: gettext_lazy("Eligible"),
    LIKELY_ELIGIBLE: gettext_lazy("Likely eligible (a reviewer judges the rest)"),
    MISSING_INFORMATION: gettext_lazy("Missing information"),
    NOT_ELIGIBLE: gettext_lazy("Not eligible"),
    NOT_IN_FORCE: gettext_lazy("Not in force"),
}


def to_date(value: Any) -> datetime.date | None:
    """A date from a date, a datetime or an ISO text; None for anything else."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def display_value(value: Any, declaration: Mapping[str, Any]) -> str:
    """A fact's value as a person reads it: choice labels, 万元, 是/否, dates."""
    kind = declaration.get("type")
    if isinstance(value, list | tuple | set):
        return "、".join(display_value(v, declaration) for v in value)
    if kind == "choice":
        return str((declaration.get("choices") or {}).get(value, value))
    if kind == "bool":
        return _("yes") if value else _("no")
    if kind == "money" and to_decimal(value) is not None:
        return format_wan(to_decimal(value))
    if kind == "percent" and to_decimal(value) is not None:
        return f"{plain_number(to_decimal(value))}%"
    if kind == "date":
        parsed = to_date(value)
        return parsed.isoformat() if parsed else str(value)
    unit = declaration.get("unit") or ""
    return f"{value}{unit if kind in NUMERIC_TYPES else ''}"


# Each operator's words, translated when asked for (one lookup per condition, not eleven: the
# calculator words every condition of 70 items per request).
REQUIREMENT_WORDS = {
    "eq": lambda: _("is %(value)s"),
    "ne": lambda: _("is not %(value)s"),
    "in": lambda: _("is one of %(value)s"),
    "not_in": lambda: _("is none of %(value)s"),
    "gt": lambda: _("above %(value)s"),
    "gte": lambda: _("at least %(value)s"),
    "lt": lambda: _("below %(value)s"),
    "lte": lambda: _("at most %(value)s"),
    "is_true": lambda: _("yes"),
    "is_false": lambda: _("no"),
    "within_days": lambda: _("within %(days)s days before the evaluation date"),
}


def requirement_text(condition: Mapping[str, Any], declaration: Mapping[str, Any]) -> str:
    op, value = condition["op"], condition.get("value")
    shown = "" if op in NO_VALUE_OPERATORS | {"within_days"} else display_value(value, declaration)
    return REQUIREMENT_WORDS[op]() % {"value": shown, "days": value}


def validate_condition(condition: Any, *, declared: Mapping[str, Mapping[str, Any]]) -> list[str]:
    if not isinstance(condition, Mapping):
        return [_("a condition must be a mapping with fact, op and value")]
    fact, op = condition.get("fact"), condition.get("op")
    if fact not in declared:
        return [_("condition on “%(fact)s”: no such fact or input is declared") % {"fact": fact}]
    if op not in OPERATORS:
        return [
            _("condition on “%(fact)s”: unknown operator “%(op)s”; use one of: %(ops)s")
            % {"fact": fact, "op": op, "ops": ", ".join(OPERATORS)}
        ]
    declaration = declared[fact]
    kind = declaration.get("type")
    value = condition.get("value")
    errors = []
    if op in NO_VALUE_OPERATORS:
        if kind != "bool":
            errors.append(
                _("“%(op)s” applies to yes/no facts; “%(fact)s” is %(type)s")
                % {"op": op, "fact": fact, "type": kind}
            )
    elif op == "within_days":
        if kind != "date" or not isinstance(value, int) or value <= 0:
            errors.append(
                _("“within_days” needs a date fact and a number of days; check “%(fact)s”")
                % {"fact": fact}
            )
    elif op in ORDER_OPERATORS:
        if kind in NUMERIC_TYPES:
            if to_decimal(value) is None:
                errors.append(
                    _("condition on “%(fact)s”: “%(value)s” is not a number")
                    % {"fact": fact, "value": value}
                )
        elif kind == "date":
            if to_date(value) is None:
                errors.append(
                    _("condition on “%(fact)s”: “%(value)s” is not a date")
                    % {"fact": fact, "value": value}
                )
        else:
            errors.append(
                _("“%(op)s” compares numbers or dates; “%(fact)s” is %(type)s")
                % {"op": op, "fact": fact, "type": kind}
            )
    elif op in ("in", "not_in") and not isinstance(value, list):
        errors.append(_("“%(op)s” needs a list of values") % {"op": op})
    elif op in ("in", "not_in") and kind not in ("choice", "text", "int"):
        errors.append(
            _("“%(op)s” lists choices, texts or whole numbers; “%(fact)s” is %(type)s")
            % {"op": op, "fact": fact, "type": kind}
        )
    if kind == "choice" and op in ("eq", "ne", "in", "not_in"):
        choices = declaration.get("choices") or {}
        for item in value if isinstance(value, list) else [value]:
            if item not in choices:
                errors.append(
                    _("“%(value)s” is not a choice of “%(fact)s” (%(choices)s)")
                    % {"value": item, "fact": fact, "choices": ", ".join(choices)}
                )
    return errors


@dataclass
class ConditionResult:
    outcome: str
    reason: str
    fact: str


def _comparable(value: Any, kind: str | None):
    if kind == "date":
        return to_date(value)
    if kind in NUMERIC_TYPES:
        return to_decimal(value)
    return value


def condition_outcome(
    condition: Mapping[str, Any], actual: Any, *, on: datetime.date, kind: str | None
) -> str:
    """pass, fail or unknown for one value: the Python twin of the SQL in ``matching``."""
    op, expected = condition["op"], condition.get("value")
    if actual is None or actual == "":
        return UNKNOWN
    left = _comparable(actual, kind)
    if left is None:
        return UNKNOWN
    if op == "eq":
        ok = left == _comparable(expected, kind)
    elif op == "ne":
        ok = left != _comparable(expected, kind)
    elif op == "in":
        ok = left in [_comparable(v, kind) for v in expected]
    elif op == "not_in":
        ok = left not in [_comparable(v, kind) for v in expected]
    elif op == "gt":
        ok = left > _comparable(expected, kind)
    elif op == "gte":
        ok = left >= _comparable(expected, kind)
    elif op == "lt":
        ok = left < _comparable(expected, kind)
    elif op == "lte":
        ok = left <= _comparable(expected, kind)
    elif op == "is_true":
        ok = left is True
    elif op == "is_false":
        ok = left is False
    else:  # within_days
        ok = on - datetime.timedelta(days=int(expected)) <= left <= on
    return PASS if ok else FAIL


def condition_reason(
    condition: Mapping[str, Any],
    outcome: str,
    actual: Any,
    *,
    declared: Mapping[str, Mapping[str, Any]],
) -> ConditionResult:
    """The sentence a person reads for a condition's outcome."""
    key = condition["fact"]
    declaration = declared.get(key) or {"label": key}
    label = str(declaration.get("label") or key)
    requirement = requirement_text(condition, declaration)
    if outcome == UNKNOWN:
        if actual is None or actual == "":
            reason = _("%(label)s: not given (required: %(requirement)s)") % {
                "label": label,
                "requirement": requirement,
            }
        else:
            reason = _("%(label)s: “%(value)s” cannot be read (required: %(requirement)s)") % {
                "label": label,
                "value": actual,
                "requirement": requirement,
            }
        return ConditionResult(UNKNOWN, reason, key)
    reason = _("%(label)s is %(value)s (required: %(requirement)s): %(verdict)s") % {
        "label": label,
        "value": display_value(actual, declaration),
        "requirement": requirement,
        "verdict": _("met") if outcome == PASS else _("not met"),
    }
    return ConditionResult(outcome, reason, key)


def evaluate_condition(
    condition: Mapping[str, Any],
    facts: Mapping[str, Any],
    *,
    on: datetime.date,
    declared: Mapping[str, Mapping[str, Any]],
) -> ConditionResult:
    actual = facts.get(condition["fact"])
    kind = (declared.get(condition["fact"]) or {}).get("type")
    outcome = condition_outcome(condition, actual, on=on, kind=kind)
    return condition_reason(condition, outcome, actual, declared=declared)


@dataclass
class ItemSpec:
    """What the engine needs of an incentive item, from a catalogue file or the database."""

    key: str
    name: str
    in_force_from: datetime.date | None
    in_force_to: datetime.date | None
    document_status: str
    conditions: Mapping[str, list] = field(default_factory=dict)
    # An undated text (003 篇三): whether it still applies is for the bureau to confirm.
    validity_unknown: bool = False
    checklist: list[str] = field(default_factory=list)
    rules: list[Mapping[str, Any]] = field(default_factory=list)
    declared: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass
class ItemVerdict:
    verdict: str
    estimate: Estimate | None
    reasons: list[str]
    missing: list[str]
    failed: list[str]

    @property
    def label(self) -> str:
        return str(VERDICT_LABELS[self.verdict])


def in_force(spec: ItemSpec, on: datetime.date) -> str | None:
    """None when the item is in force on the date, else why not."""
    if spec.document_status == "draft_for_comment":
        return _("the document is a draft for comment and not in force")
    if spec.document_status == "repealed":
        return _("the document has been repealed")
    if spec.in_force_from and on < spec.in_force_from:
        return _("in force only from %(date)s") % {"date": spec.in_force_from.isoformat()}
    if spec.in_force_to and on > spec.in_force_to:
        return _("expired on %(date)s") % {"date": spec.in_force_to.isoformat()}
    if spec.document_status == "expired":
        return _("the document has expired")
    return None


def evaluate_item(
    spec: ItemSpec,
    facts: Mapping[str, Any],
    *,
    on: datetime.date,
    claim_keys: frozenset[str] = frozenset(),
) -> ItemVerdict:
    """The verdict and estimate for one set of facts on a date, with every reason.

    ``claim_keys`` are facts only a claim gives (the item's inputs, when matching a profile):
    conditions on them are left for the application, and a rule that needs them gives a formula
    instead of a figure."""
    groups = {
        group: [
            evaluate_condition(c, facts, on=on, declared=spec.declared)
            for c in spec.conditions.get(group) or []
            if c["fact"] not in claim_keys
        ]
        for group in ("all", "any")
    }
    return decide(spec, groups["all"], groups["any"], facts, on=on, claim_keys=claim_keys)


def decide(
    spec: ItemSpec,
    results_all: list[ConditionResult],
    results_any: list[ConditionResult],
    facts: Mapping[str, Any],
    *,
    on: datetime.date,
    claim_keys: frozenset[str] = frozenset(),
) -> ItemVerdict:
    """The verdict from the conditions' outcomes and the rule in effect."""
    not_in_force = in_force(spec, on)
    if not_in_force:
        return ItemVerdict(NOT_IN_FORCE, None, [not_in_force], [], [])
    reasons = [r.reason for r in results_all + results_any]
    failed = [r.reason for r in results_all if r.outcome == FAIL]
    missing = [r.fact for r in results_all if r.outcome == UNKNOWN]
    if results_any and not any(r.outcome == PASS for r in results_any):
        if all(r.outcome == FAIL for r in results_any):
            failed.append(_("none of the alternative conditions is met"))
        else:
            missing += [r.fact for r in results_any if r.outcome == UNKNOWN]
    rule = rule_in_effect(spec.rules, on)
    estimate = evaluate_rule(rule, facts, declared=spec.declared) if rule else None
    if rule is None:
        reasons.append(_("no award rule is in effect on %(date)s") % {"date": on.isoformat()})
    elif estimate.kind == "unknown":
        from_claim = [key for key in estimate.missing if key in claim_keys]
        if from_claim and len(from_claim) == len(estimate.missing):
            estimate = formula_estimate(rule, declared=spec.declared)
        else:
            missing += [
                key for key in estimate.missing if key not in missing and key not in claim_keys
            ]
    if failed:
        return ItemVerdict(NOT_ELIGIBLE, estimate, reasons, missing, failed)
    if rule is None:
        return ItemVerdict(NOT_IN_FORCE, None, reasons, missing, failed)
    if missing:
        return ItemVerdict(MISSING_INFORMATION, estimate, reasons, missing, failed)
    if estimate.kind == "exact" and estimate.amount == Decimal(0) and rule.get("kind") != "none":
        # Conditions pass but the figures give nothing (below a floor, a level with no award).
        return ItemVerdict(NOT_ELIGIBLE, estimate, reasons, missing, estimate.lines)
    verdict = LIKELY_ELIGIBLE if spec.checklist else ELIGIBLE
    if spec.validity_unknown:
        verdict = LIKELY_ELIGIBLE
        reasons.append(validity_unknown_reason())
    return ItemVerdict(verdict, estimate, reasons, missing, failed)


def validity_unknown_reason() -> str:
    return _(
        "the document states no date or period of validity: the lead bureau confirms whether "
        "it still applies"
    )
