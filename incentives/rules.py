"""Award rules as data: validation and evaluation.

A rule is a plain mapping, as written in the catalogue files and stored on ``AwardRule.params``:
``{"kind": "rate", "base": "contract_amount", "rate": "0.02", "cap": 1000000}``. This module
knows every kind of rule the seed documents use (see ``incentives/catalogue/SCHEMA.md``), refuses
an invalid one with a message per problem, and computes for given facts the exact amount or the
range, with a breakdown in plain Chinese ("技术合同成交额 3,000万元 × 2% = 60万元（上限100万元）").

It touches no database, so the catalogue checker, the admin preview, the matching engine and the
approval guard all compute the same figure the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)

RULE_KINDS = (
    "fixed",
    "by_level",
    "rate",
    "matching",
    "per_unit",
    "range",
    "cap_only",
    "schedule",
    "premium",
    "none",
)
MONEY_KINDS = frozenset(RULE_KINDS) - {"none"}
# Kinds that compute a figure from the claim; ``up_to: true`` reads it as a ceiling ("最高按…%",
# "不超过…%"): the award is decided in review between 0 (or ``floor``) and the computed figure.
CEILING_KINDS = frozenset({"rate", "matching", "per_unit", "premium"})
# Keys every rule may carry besides its own parameters.
COMMON_KEYS = {"kind", "effective_from", "effective_to", "clause", "note"}
KIND_KEYS = {
    "fixed": {"amount"},
    "by_level": {"input", "amounts"},
    "rate": {"base", "rate", "cap", "min_base", "excess_over", "up_to", "floor"},
    "matching": {"base", "ratio", "cap", "up_to", "floor"},
    "per_unit": {"input", "unit_amount", "cap", "up_to", "floor"},
    "range": {"min", "max"},
    "cap_only": {"max"},
    "schedule": {"year_input", "steps"},
    "premium": {
        "base",
        "insured",
        "rate",
        "rates_by_year",
        "max_premium_rate",
        "max_years",
        "year_input",
        "cap",
        "up_to",
        "floor",
    },
    "none": set(),
}


class RuleError(ValueError):
    """An award rule that cannot be evaluated; ``messages`` says every problem found."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------


def plain_number(number: Decimal) -> str:
    """1234.5000 → "1,234.5"; 30000000 → "30,000,000"."""
    number = number.quantize(CENT, rounding=ROUND_HALF_UP)
    text = f"{number:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_wan(yuan: Decimal | int) -> str:
    """Yuan shown in 万元 as the documents write them: 200000 → "20万元", 30000000 → "3,000万元"."""
    wan = Decimal(yuan) / TEN_THOUSAND
    text = f"{wan:,.4f}".rstrip("0").rstrip(".")
    return _("%(amount)s万元") % {"amount": text}


def format_yuan(yuan: Decimal | int) -> str:
    return _("%(amount)s元") % {"amount": plain_number(Decimal(yuan))}


def format_rate(rate: Decimal) -> str:
    return f"{plain_number(rate * 100)}%"


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass
class Estimate:
    """What a rule gives for some facts: an exact amount, a range decided in review, nothing
    (a status, tax treatment or service), or unknown until the listed facts are given."""

    kind: str  # exact | range | none | unknown
    amount: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    lines: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    cap_applied: bool = False

    @property
    def breakdown(self) -> str:
        return "；".join(self.lines)

    @property
    def upper_bound(self) -> Decimal | None:
        """The most this rule can give: the amount, or the top of the range (None: no top)."""
        return self.amount if self.kind == "exact" else self.maximum

    def as_dict(self) -> dict[str, Any]:
        def money(value):
            return None if value is None else str(value)

        return {
            "kind": self.kind,
            "amount": money(self.amount),
            "min": money(self.minimum),
            "max": money(self.maximum),
            "breakdown": self.breakdown,
            "missing": list(self.missing),
            "cap_applied": self.cap_applied,
        }


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def to_decimal(value: Any) -> Decimal | None:
    """The value as a Decimal; None for anything that is not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def validate_rule(
    rule: Any, *, declared: Mapping[str, Mapping[str, Any]], path: str = ""
) -> list[str]:
    """Every problem with a rule, in words an admin understands; [] when it is valid.

    ``declared`` maps each fact or input key the rule may read to its declaration (type,
    choices), so a misspelt key or a level the input does not offer is caught when saved."""
    where = f"{path}: " if path else ""
    if not isinstance(rule, Mapping):
        return [where + _("the award rule must be a mapping with a kind")]
    kind = rule.get("kind")
    if kind not in RULE_KINDS:
        return [
            where
            + _("unknown kind of award rule “%(kind)s”; use one of: %(kinds)s")
            % {"kind": kind, "kinds": ", ".join(RULE_KINDS)}
        ]
    errors: list[str] = []
    unknown = set(rule) - COMMON_KEYS - KIND_KEYS[kind]
    if unknown:
        errors.append(
            where
            + _("a “%(kind)s” rule does not take: %(keys)s")
            % {"kind": kind, "keys": ", ".join(sorted(unknown))}
        )

    def need_amount(key: str, *, required: bool = True, positive: bool = True) -> Decimal | None:
        if rule.get(key) is None:
            if required:
                errors.append(where + _("“%(key)s” is required") % {"key": key})
            return None
        number = to_decimal(rule[key])
        if number is None:
            errors.append(where + _("“%(key)s” must be a number") % {"key": key})
        elif number < 0 or (positive and number == 0):
            errors.append(where + _("“%(key)s” must be greater than 0") % {"key": key})
        return number

    def need_rate(key: str, *, required: bool = True, upper: Decimal = Decimal(1)) -> None:
        number = need_amount(key, required=required)
        if number is not None and number > upper:
            errors.append(
                where
                + _("“%(key)s” is %(value)s; a rate is written as a decimal, e.g. 0.02 for 2%%")
                % {"key": key, "value": rule[key]}
            )

    def need_key(key: str, types: tuple[str, ...]) -> Mapping[str, Any] | None:
        name = rule.get(key)
        if not name:
            errors.append(where + _("“%(key)s” must name a fact or input") % {"key": key})
            return None
        declaration = declared.get(name)
        if declaration is None:
            errors.append(
                where
                + _("“%(key)s” names “%(name)s”, which is neither a declared fact nor an input")
                % {"key": key, "name": name}
            )
            return None
        if declaration.get("type") not in types:
            errors.append(
                where
                + _("“%(name)s” is of type %(type)s; “%(key)s” needs %(types)s")
                % {
                    "name": name,
                    "type": declaration.get("type"),
                    "key": key,
                    "types": " / ".join(types),
                }
            )
        return declaration

    numeric = ("money", "int", "decimal", "percent")
    if kind == "fixed":
        need_amount("amount")
    elif kind == "by_level":
        declaration = need_key("input", ("choice",))
        amounts = rule.get("amounts")
        if not isinstance(amounts, Mapping) or not amounts:
            errors.append(where + _("“amounts” must give an amount for each level"))
        else:
            for level, amount in amounts.items():
                number = to_decimal(amount)
                if number is None or number <= 0:
                    errors.append(
                        where
                        + _("the amount for “%(level)s” must be a number greater than 0")
                        % {"level": level}
                    )
                if declaration and level not in (declaration.get("choices") or {}):
                    errors.append(
                        where
                        + _("“%(level)s” is not one of the levels of “%(input)s”")
                        % {"level": level, "input": rule.get("input")}
                    )
    elif kind == "rate":
        need_key("base", numeric)
        need_rate("rate")
        cap = need_amount("cap", required=False)
        min_base = need_amount("min_base", required=False)
        need_amount("excess_over", required=False)
        if cap is not None and min_base is not None and rule.get("rate") is not None:
            rate = to_decimal(rule["rate"]) or Decimal(0)
            if min_base * rate > cap:
                errors.append(where + _("the floor times the rate is already above the cap"))
    elif kind == "matching":
        need_key("base", numeric)
        need_rate("ratio", upper=Decimal(10))
        need_amount("cap", required=False)
    elif kind == "per_unit":
        need_key("input", ("int",))
        need_amount("unit_amount")
        need_amount("cap", required=False)
    elif kind == "range":
        low = need_amount("min", required=False, positive=False)
        high = need_amount("max", required=False)
        if rule.get("min") is None and rule.get("max") is None:
            errors.append(where + _("a range needs “min”, “max” or both"))
        if low is not None and high is not None and low > high:
            errors.append(where + _("“min” is above “max”"))
    elif kind == "cap_only":
        need_amount("max")
    elif kind == "schedule":
        year_key = rule.get("year_input", "support_year")
        if year_key not in declared:
            errors.append(
                where
                + _("the schedule reads “%(key)s”, which is not declared as an input")
                % {"key": year_key}
            )
        steps = rule.get("steps")
        if not isinstance(steps, list) or not steps:
            errors.append(where + _("a schedule needs a list of “steps”"))
        else:
            seen: set[int] = set()
            for number, step in enumerate(steps, start=1):
                step_path = f"{path} step {number}" if path else f"step {number}"
                if not isinstance(step, Mapping) or not isinstance(step.get("years"), list):
                    errors.append(where + _("step %(n)d needs “years” and “rule”") % {"n": number})
                    continue
                years = step["years"]
                if not all(isinstance(y, int) and y > 0 for y in years):
                    errors.append(
                        where + _("step %(n)d: years are whole numbers from 1") % {"n": number}
                    )
                elif seen & set(years):
                    errors.append(
                        where + _("step %(n)d repeats a year of an earlier step") % {"n": number}
                    )
                seen |= {y for y in years if isinstance(y, int)}
                inner = step.get("rule")
                if isinstance(inner, Mapping) and inner.get("kind") == "schedule":
                    errors.append(where + _("a schedule cannot contain another schedule"))
                else:
                    errors.extend(validate_rule(inner, declared=declared, path=step_path))
    elif kind == "premium":
        need_key("base", numeric)
        need_key("insured", numeric)
        if rule.get("rate") is None and not rule.get("rates_by_year"):
            errors.append(where + _("a premium subsidy needs “rate” or “rates_by_year”"))
        need_rate("rate", required=False)
        for rate in rule.get("rates_by_year") or []:
            number = to_decimal(rate)
            if number is None or not (0 < number <= 1):
                errors.append(where + _("each of “rates_by_year” must be between 0 and 1"))
        need_rate("max_premium_rate")
        need_amount("cap", required=False)
        max_years = rule.get("max_years")
        if max_years is not None and (not isinstance(max_years, int) or max_years < 1):
            errors.append(where + _("“max_years” must be a whole number from 1"))
        if (rule.get("rates_by_year") or max_years) and rule.get(
            "year_input", "support_year"
        ) not in declared:
            errors.append(
                where
                + _("the premium rule reads “%(key)s”, which is not declared as an input")
                % {"key": rule.get("year_input", "support_year")}
            )
    elif kind == "none" and not rule.get("note"):
        errors.append(where + _("say in “note” what the enterprise gets instead of money"))
    if kind in CEILING_KINDS:
        if "up_to" in rule and not isinstance(rule["up_to"], bool):
            errors.append(where + _("“up_to” is true or false"))
        floor = need_amount("floor", required=False, positive=False)
        if floor is not None and not rule.get("up_to"):
            errors.append(where + _("a “floor” goes with “up_to: true”"))
        cap = to_decimal(rule.get("cap"))
        if floor is not None and cap is not None and floor > cap:
            errors.append(where + _("the floor is above the cap"))
    return errors


def money_bound_problems(rules: list[Mapping[str, Any]], *, yearly_budget: Any = None) -> list[str]:
    """Every money rule needs a top: its own upper bound, or the item's yearly budget (so no
    approval can pay an amount without end)."""
    if to_decimal(yearly_budget) is not None:
        return []
    return [
        _(
            "the “%(kind)s” rule has no upper bound: give it a maximum or cap, or give the item "
            "a yearly budget"
        )
        % {"kind": rule.get("kind")}
        for rule in rules
        if isinstance(rule, Mapping)
        and rule.get("kind") in MONEY_KINDS
        and rule_upper_bound(rule) is None
    ]


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def _label(key: str, declared: Mapping[str, Mapping[str, Any]]) -> str:
    return str((declared.get(key) or {}).get("label") or key)


def _capped(raw: Decimal, cap: Decimal | None, text: str) -> Estimate:
    raw = raw.quantize(CENT, rounding=ROUND_HALF_UP)
    if cap is not None and raw > cap:
        line = _("%(text)s = %(raw)s, above the cap: %(cap)s") % {
            "text": text,
            "raw": format_wan(raw),
            "cap": format_wan(cap),
        }
        return Estimate("exact", amount=cap, lines=[line], cap_applied=True)
    line = f"{text} = {format_wan(raw)}"
    if cap is not None:
        line += _("(cap %(cap)s)") % {"cap": format_wan(cap)}
    return Estimate("exact", amount=raw, lines=[line])


def evaluate_rule(
    rule: Mapping[str, Any],
    facts: Mapping[str, Any],
    *,
    declared: Mapping[str, Mapping[str, Any]],
) -> Estimate:
    """The amount (or range) the rule gives for these facts, with its breakdown."""
    errors = validate_rule(rule, declared=declared)
    if errors:
        raise RuleError(errors)
    estimate = _evaluate(rule, facts, declared=declared)
    if rule.get("up_to") and estimate.kind == "exact" and estimate.amount:
        return as_ceiling(estimate, floor=to_decimal(rule.get("floor")))
    return estimate


def as_ceiling(estimate: Estimate, *, floor: Decimal | None) -> Estimate:
    """A computed figure the document gives as a maximum: decided in review up to it."""
    low = min(floor or Decimal(0), estimate.amount)
    line = _("at most %(max)s, decided in review") % {"max": format_wan(estimate.amount)}
    if low:
        line = _("from %(min)s to %(max)s, decided in review") % {
            "min": format_wan(low),
            "max": format_wan(estimate.amount),
        }
    return Estimate(
        "range",
        minimum=low,
        maximum=estimate.amount,
        lines=[*estimate.lines, line],
        cap_applied=estimate.cap_applied,
    )


def _evaluate(
    rule: Mapping[str, Any],
    facts: Mapping[str, Any],
    *,
    declared: Mapping[str, Mapping[str, Any]],
) -> Estimate:
    kind = rule["kind"]

    def value(key: str) -> Decimal | None:
        return to_decimal(facts.get(key))

    def missing(*keys: str) -> Estimate:
        return Estimate(
            "unknown",
            missing=list(keys),
            lines=[_("needs: %(facts)s") % {"facts": "、".join(_label(k, declared) for k in keys)}],
        )

    def zero(line: str) -> Estimate:
        return Estimate("exact", amount=Decimal(0), lines=[line])

    cap = to_decimal(rule.get("cap"))
    if kind == "fixed":
        amount = to_decimal(rule["amount"])
        return Estimate(
            "exact",
            amount=amount,
            lines=[_("fixed amount %(amount)s") % {"amount": format_wan(amount)}],
        )
    if kind == "by_level":
        key = rule["input"]
        level = facts.get(key)
        if level in (None, ""):
            return missing(key)
        choices = (declared.get(key) or {}).get("choices") or {}
        level_label = choices.get(level, level)
        if level not in rule["amounts"]:
            return zero(
                _("%(label)s is “%(level)s”: no award at this level")
                % {"label": _label(key, declared), "level": level_label}
            )
        amount = to_decimal(rule["amounts"][level])
        return Estimate(
            "exact",
            amount=amount,
            lines=[
                _("%(label)s %(level)s: %(amount)s")
                % {
                    "label": _label(key, declared),
                    "level": level_label,
                    "amount": format_wan(amount),
                }
            ],
        )
    if kind in ("rate", "matching"):
        key = rule["base"]
        base = value(key)
        if base is None:
            return missing(key)
        rate = to_decimal(rule["rate" if kind == "rate" else "ratio"])
        label = _label(key, declared)
        min_base = to_decimal(rule.get("min_base"))
        if min_base is not None and base < min_base:
            return zero(
                _("%(label)s %(base)s is below the floor of %(floor)s: no award")
                % {"label": label, "base": format_wan(base), "floor": format_wan(min_base)}
            )
        excess_over = to_decimal(rule.get("excess_over"))
        counted = base
        prefix = ""
        if excess_over is not None:
            counted = max(base - excess_over, Decimal(0))
            prefix = _("%(label)s %(base)s, the part above %(floor)s is %(counted)s; ") % {
                "label": label,
                "base": format_wan(base),
                "floor": format_wan(excess_over),
                "counted": format_wan(counted),
            }
            label = ""
        if kind == "rate":
            text = f"{prefix}{label} {format_wan(counted)} × {format_rate(rate)}".replace(
                "  ", " "
            ).strip()
        else:
            text = _("%(label)s %(base)s × matching 1:%(ratio)s") % {
                "label": label,
                "base": format_wan(counted),
                "ratio": plain_number(rate),
            }
            text = prefix + text
        return _capped(counted * rate, cap, text)
    if kind == "per_unit":
        key = rule["input"]
        count = value(key)
        if count is None:
            return missing(key)
        unit = to_decimal(rule["unit_amount"])
        text = _("%(label)s %(count)s × %(unit)s each") % {
            "label": _label(key, declared),
            "count": plain_number(count),
            "unit": format_wan(unit),
        }
        return _capped(count * unit, cap, text)
    if kind == "range":
        low, high = to_decimal(rule.get("min")), to_decimal(rule.get("max"))
        if high is None:
            line = _("decided in review, at least %(min)s") % {"min": format_wan(low)}
        elif low is None or low == 0:
            low = Decimal(0)
            line = _("decided in review, at most %(max)s") % {"max": format_wan(high)}
        else:
            line = _("decided in review, from %(min)s to %(max)s") % {
                "min": format_wan(low),
                "max": format_wan(high),
            }
        return Estimate("range", minimum=low, maximum=high, lines=[line])
    if kind == "cap_only":
        high = to_decimal(rule["max"])
        return Estimate(
            "range",
            minimum=Decimal(0),
            maximum=high,
            lines=[_("decided in review, at most %(max)s") % {"max": format_wan(high)}],
        )
    if kind == "schedule":
        year_key = rule.get("year_input", "support_year")
        year = facts.get(year_key)
        if year in (None, ""):
            return missing(year_key)
        year = int(year)
        for step in rule["steps"]:
            if year in step["years"]:
                inner = evaluate_rule(step["rule"], facts, declared=declared)
                inner.lines = [
                    _("year %(year)d of support: %(text)s") % {"year": year, "text": line}
                    for line in inner.lines
                ]
                return inner
        return zero(_("year %(year)d is outside the years of support") % {"year": year})
    if kind == "premium":
        base_key, insured_key = rule["base"], rule["insured"]
        year_key = rule.get("year_input", "support_year")
        needed = [base_key, insured_key]
        if rule.get("rates_by_year") or rule.get("max_years"):
            needed.append(year_key)
        absent = [key for key in needed if value(key) is None]
        if absent:
            return missing(*absent)
        premium, insured = value(base_key), value(insured_key)
        lines = []
        year = int(value(year_key)) if year_key in needed else 1
        max_years = rule.get("max_years")
        if max_years and year > max_years:
            return zero(
                _("year %(year)d is beyond the %(max)d years of subsidy")
                % {"year": year, "max": max_years}
            )
        if rule.get("rates_by_year"):
            rates = rule["rates_by_year"]
            if year > len(rates):
                return zero(
                    _("year %(year)d is beyond the %(max)d years of subsidy")
                    % {"year": year, "max": len(rates)}
                )
            rate = to_decimal(rates[year - 1])
        else:
            rate = to_decimal(rule["rate"])
        max_rate = to_decimal(rule["max_premium_rate"])
        allowed = (insured * max_rate).quantize(CENT, rounding=ROUND_HALF_UP)
        counted = premium
        if premium > allowed:
            counted = allowed
            lines.append(
                _(
                    "premium %(premium)s is above the rate cap: "
                    "%(insured)s × %(rate)s = %(allowed)s counts"
                )
                % {
                    "premium": format_wan(premium),
                    "insured": format_wan(insured),
                    "rate": format_rate(max_rate),
                    "allowed": format_wan(allowed),
                }
            )
        text = _("premium %(premium)s × %(rate)s") % {
            "premium": format_wan(counted),
            "rate": format_rate(rate),
        }
        if year_key in needed:
            text = _("year %(year)d of support: %(text)s") % {"year": year, "text": text}
        result = _capped(counted * rate, cap, text)
        result.lines = lines + result.lines
        return result
    return Estimate("none", lines=[str(rule["note"])])


def rule_in_effect(rules: list[Mapping[str, Any]], on) -> Mapping[str, Any] | None:
    """The rule (of an item's dated versions) in effect on a date; None if none is."""
    chosen = None
    for rule in rules:
        start, end = rule.get("effective_from"), rule.get("effective_to")
        in_effect = (start is None or start <= on) and (end is None or on <= end)
        if in_effect and (
            chosen is None or (start or on.min) >= (chosen.get("effective_from") or on.min)
        ):
            chosen = rule
    return chosen


def describe_rule(rule: Mapping[str, Any], *, declared: Mapping[str, Mapping[str, Any]]) -> str:
    """The rule in one line of plain Chinese, as the 申兑指南 states it."""
    text = _describe(rule, declared=declared)
    if rule.get("up_to"):
        text = _("up to %(rule)s, decided in review") % {"rule": text}
        if to_decimal(rule.get("floor")):
            text += _(" (at least %(floor)s)") % {"floor": format_wan(to_decimal(rule["floor"]))}
    return text


def _describe(rule: Mapping[str, Any], *, declared: Mapping[str, Mapping[str, Any]]) -> str:
    kind = rule.get("kind")
    cap = to_decimal(rule.get("cap"))
    cap_text = _(", at most %(cap)s") % {"cap": format_wan(cap)} if cap is not None else ""
    if kind == "fixed":
        return _("%(amount)s") % {"amount": format_wan(to_decimal(rule["amount"]))}
    if kind == "by_level":
        choices = (declared.get(rule["input"]) or {}).get("choices") or {}
        return "；".join(
            f"{choices.get(level, level)} {format_wan(to_decimal(amount))}"
            for level, amount in rule["amounts"].items()
        )
    if kind == "rate":
        text = _("%(rate)s of %(base)s") % {
            "rate": format_rate(to_decimal(rule["rate"])),
            "base": _label(rule["base"], declared),
        }
        if rule.get("excess_over") is not None:
            text += _(" (the part above %(floor)s)") % {
                "floor": format_wan(to_decimal(rule["excess_over"]))
            }
        if rule.get("min_base") is not None:
            text += _(" (only from %(floor)s)") % {
                "floor": format_wan(to_decimal(rule["min_base"]))
            }
        return text + cap_text
    if kind == "matching":
        return (
            _("matching %(base)s at 1:%(ratio)s")
            % {
                "base": _label(rule["base"], declared),
                "ratio": plain_number(to_decimal(rule["ratio"])),
            }
            + cap_text
        )
    if kind == "per_unit":
        return (
            _("%(unit)s for each of %(label)s")
            % {
                "unit": format_wan(to_decimal(rule["unit_amount"])),
                "label": _label(rule["input"], declared),
            }
            + cap_text
        )
    if kind == "range":
        low, high = to_decimal(rule.get("min")), to_decimal(rule.get("max"))
        if high is None:
            return _("at least %(min)s, decided in review") % {"min": format_wan(low)}
        if not low:
            return _("up to %(max)s, decided in review") % {"max": format_wan(high)}
        return _("%(min)s to %(max)s, decided in review") % {
            "min": format_wan(low),
            "max": format_wan(high),
        }
    if kind == "cap_only":
        return _("up to %(max)s, decided in review") % {"max": format_wan(to_decimal(rule["max"]))}
    if kind == "schedule":
        parts = []
        for step in rule["steps"]:
            years = step["years"]
            span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
            parts.append(
                _("year %(years)s: %(text)s")
                % {"years": span, "text": describe_rule(step["rule"], declared=declared)}
            )
        return "；".join(parts)
    if kind == "premium":
        if rule.get("rates_by_year"):
            rates = "/".join(format_rate(to_decimal(r)) for r in rule["rates_by_year"])
            text = _("%(rates)s of the premium in successive years") % {"rates": rates}
        else:
            text = _("%(rate)s of the premium") % {"rate": format_rate(to_decimal(rule["rate"]))}
        text += _(" (premium rate counted up to %(max)s)") % {
            "max": format_rate(to_decimal(rule["max_premium_rate"]))
        }
        if rule.get("max_years"):
            text += _(", for at most %(years)d years") % {"years": rule["max_years"]}
        return text + cap_text
    return str(rule.get("note") or "")


def rule_upper_bound(rule: Mapping[str, Any]) -> Decimal | None:
    """The most a rule can ever give, whatever the facts; None when it has no top."""
    kind = rule.get("kind")
    if kind == "fixed":
        return to_decimal(rule["amount"])
    if kind == "by_level":
        return max(to_decimal(v) for v in rule["amounts"].values())
    if kind in ("rate", "matching", "per_unit", "premium"):
        return to_decimal(rule.get("cap"))
    if kind == "range":
        return to_decimal(rule.get("max"))
    if kind == "cap_only":
        return to_decimal(rule["max"])
    if kind == "schedule":
        bounds = [rule_upper_bound(step["rule"]) for step in rule["steps"]]
        return None if any(b is None for b in bounds) else max(bounds)
    return None


def formula_estimate(
    rule: Mapping[str, Any], *, declared: Mapping[str, Mapping[str, Any]]
) -> Estimate:
    """What to show when the figure depends on the claim (the contract amount, the premium…):
    the rule in words, and its top where it has one."""
    top = rule_upper_bound(rule)
    return Estimate(
        "formula",
        minimum=Decimal(0),
        maximum=top,
        lines=[
            _("depends on the application: %(rule)s")
            % {"rule": describe_rule(rule, declared=declared)}
        ],
    )
