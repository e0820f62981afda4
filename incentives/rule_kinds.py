"""Every kind of award rule the seed documents use, one class each, registered by its name.

A kind declares its fields (what the rule dict carries, with a label, type and unit) and knows
how to check, evaluate, describe and bound a rule of its kind and which facts it reads. The
order of the classes here is the order of ``RULE_KINDS``. See ``incentives/catalogue/SCHEMA.md``
for the rules as the catalogue files write them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incentives.rule_base import (
    CENT,
    NUMERIC,
    Checker,
    Estimate,
    RuleField,
    RuleKind,
    capped,
    describe_rule,
    evaluate_rule,
    fact_label,
    format_rate,
    format_wan,
    missing_facts,
    nothing,
    plain_number,
    register,
    rule_reads,
    rule_upper_bound,
    to_decimal,
    validate_rule,
)

Declared = Mapping[str, Mapping[str, Any]]

# Fields several kinds share.
CAP = RuleField("cap", gettext_lazy("Cap"), "money")
UP_TO = RuleField(
    "up_to",
    gettext_lazy("Only a maximum, decided in review"),
    "bool",
    help_text=gettext_lazy("The document says “at most” (最高、不超过)."),
)
FLOOR = RuleField("floor", gettext_lazy("Least amount, with “only a maximum”"), "money")
BASE = RuleField("base", gettext_lazy("Computed from (fact or input)"), "fact", required=True)
YEAR_INPUT = RuleField(
    "year_input",
    gettext_lazy("Input giving the year of support"),
    "fact",
    help_text=gettext_lazy("support_year when left empty."),
)


def cap_text(rule: Mapping[str, Any]) -> str:
    cap = to_decimal(rule.get("cap"))
    return _(", at most %(cap)s") % {"cap": format_wan(cap)} if cap is not None else ""


@register
class Fixed(RuleKind):
    """A fixed amount: ``{kind: fixed, amount: 200000}``."""

    name = "fixed"
    label = gettext_lazy("Fixed amount")
    fields = (RuleField("amount", gettext_lazy("Amount"), "money", required=True),)

    def check(self, rule, check: Checker) -> None:
        check.amount("amount")

    def evaluate(self, rule, facts, declared: Declared) -> Estimate:
        amount = to_decimal(rule["amount"])
        return Estimate(
            "exact",
            amount=amount,
            lines=[_("fixed amount %(amount)s") % {"amount": format_wan(amount)}],
        )

    def describe(self, rule, declared: Declared) -> str:
        return _("%(amount)s") % {"amount": format_wan(to_decimal(rule["amount"]))}

    def upper_bound(self, rule) -> Decimal | None:
        return to_decimal(rule["amount"])


@register
class ByLevel(RuleKind):
    """An amount for each level of a choice input: ``{kind: by_level, input: platform_level,
    amounts: {national: 5000000, provincial: 1000000}}``."""

    name = "by_level"
    label = gettext_lazy("Amount by level")
    fields = (
        RuleField("input", gettext_lazy("Level (choice input)"), "fact", required=True),
        RuleField("amounts", gettext_lazy("Amount for each level"), "level_amounts", required=True),
    )

    def check(self, rule, check: Checker) -> None:
        declaration = check.fact("input", ("choice",))
        amounts = rule.get("amounts")
        if not isinstance(amounts, Mapping) or not amounts:
            check.error(_("“amounts” must give an amount for each level"))
            return
        for level, amount in amounts.items():
            number = to_decimal(amount)
            if number is None or number <= 0:
                check.error(
                    _("the amount for “%(level)s” must be a number greater than 0")
                    % {"level": level}
                )
            if declaration and level not in (declaration.get("choices") or {}):
                check.error(
                    _("“%(level)s” is not one of the levels of “%(input)s”")
                    % {"level": level, "input": rule.get("input")}
                )

    def evaluate(self, rule, facts, declared: Declared) -> Estimate:
        key = rule["input"]
        level = facts.get(key)
        if level in (None, ""):
            return missing_facts([key], declared)
        choices = (declared.get(key) or {}).get("choices") or {}
        level_label = choices.get(level, level)
        if level not in rule["amounts"]:
            return nothing(
                _("%(label)s is “%(level)s”: no award at this level")
                % {"label": fact_label(key, declared), "level": level_label}
            )
        amount = to_decimal(rule["amounts"][level])
        return Estimate(
            "exact",
            amount=amount,
            lines=[
                _("%(label)s %(level)s: %(amount)s")
                % {
                    "label": fact_label(key, declared),
                    "level": level_label,
                    "amount": format_wan(amount),
                }
            ],
        )

    def describe(self, rule, declared: Declared) -> str:
        choices = (declared.get(rule["input"]) or {}).get("choices") or {}
        return "；".join(
            f"{choices.get(level, level)} {format_wan(to_decimal(amount))}"
            for level, amount in rule["amounts"].items()
        )

    def upper_bound(self, rule) -> Decimal | None:
        return max(to_decimal(v) for v in rule["amounts"].values())

    def reads(self, rule) -> list[str]:
        return [rule["input"]]


def proportional(
    rule: Mapping[str, Any],
    facts: Mapping[str, Any],
    declared: Declared,
    *,
    rate_key: str,
    matching: bool,
) -> Estimate:
    """A share of a fact: ``rate`` × base (``rate``) or matching 1:``ratio`` (``matching``), from
    ``min_base`` up, on the part above ``excess_over``, up to ``cap``."""
    key = rule["base"]
    base = to_decimal(facts.get(key))
    if base is None:
        return missing_facts([key], declared)
    rate = to_decimal(rule[rate_key])
    label = fact_label(key, declared)
    min_base = to_decimal(rule.get("min_base"))
    if min_base is not None and base < min_base:
        return nothing(
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
    if matching:
        text = prefix + _("%(label)s %(base)s × matching 1:%(ratio)s") % {
            "label": label,
            "base": format_wan(counted),
            "ratio": plain_number(rate),
        }
    else:
        text = (
            f"{prefix}{label} {format_wan(counted)} × {format_rate(rate)}".replace("  ", " ")
        ).strip()
    return capped(counted * rate, to_decimal(rule.get("cap")), text)


@register
class Rate(RuleKind):
    """A share of a fact: ``{kind: rate, base: contract_amount, rate: "0.02", cap: 1000000}``,
    optionally only from ``min_base`` up or on the part above ``excess_over``."""

    name = "rate"
    label = gettext_lazy("Share of an amount")
    ceiling = True
    fields = (
        BASE,
        RuleField(
            "rate",
            gettext_lazy("Rate"),
            "rate",
            required=True,
            help_text=gettext_lazy("In per cent: 2 for 2%."),
        ),
        CAP,
        RuleField("min_base", gettext_lazy("Only from (base at least)"), "money"),
        RuleField("excess_over", gettext_lazy("Only the part above"), "money"),
        UP_TO,
        FLOOR,
    )

    def check(self, rule, check: Checker) -> None:
        check.fact("base", NUMERIC)
        check.rate("rate")
        cap = check.amount("cap", required=False)
        min_base = check.amount("min_base", required=False)
        check.amount("excess_over", required=False)
        if cap is not None and min_base is not None and rule.get("rate") is not None:
            rate = to_decimal(rule["rate"]) or Decimal(0)
            if min_base * rate > cap:
                check.error(_("the floor times the rate is already above the cap"))

    def evaluate(self, rule, facts, declared: Declared) -> Estimate:
        return proportional(rule, facts, declared, rate_key="rate", matching=False)

    def describe(self, rule, declared: Declared) -> str:
        text = _("%(rate)s of %(base)s") % {
            "rate": format_rate(to_decimal(rule["rate"])),
            "base": fact_label(rule["base"], declared),
        }
        if rule.get("excess_over") is not None:
            text += _(" (the part above %(floor)s)") % {
                "floor": format_wan(to_decimal(rule["excess_over"]))
            }
        if rule.get("min_base") is not None:
            text += _(" (only from %(floor)s)") % {
                "floor": format_wan(to_decimal(rule["min_base"]))
            }
        return text + cap_text(rule)

    def upper_bound(self, rule) -> Decimal | None:
        return to_decimal(rule.get("cap"))

    def reads(self, rule) -> list[str]:
        return [rule["base"]]


@register
class Matching(RuleKind):
    """Matching funds: ``{kind: matching, base: provincial_grant, ratio: 1, cap: 5000000}``."""

    name = "matching"
    label = gettext_lazy("Matching funds")
    ceiling = True
    fields = (
        BASE,
        RuleField(
            "ratio",
            gettext_lazy("Matching ratio"),
            "ratio",
            required=True,
            help_text=gettext_lazy("1 for matching 1:1, 0.5 for 1:0.5."),
        ),
        CAP,
        UP_TO,
        FLOOR,
    )

    def check(self, rule, check: Checker) -> None:
        check.fact("base", NUMERIC)
        check.rate("ratio", upper=Decimal(10))
        check.amount("cap", required=False)

    def evaluate(self, rule, facts, declared: Declared) -> Estimate:
        return proportional(rule, facts, declared, rate_key="ratio", matching=True)

    def describe(self, rule, declared: Declared) -> str:
        return _("matching %(base)s at 1:%(ratio)s") % {
            "base": fact_label(rule["base"], declared),
            "ratio": plain_number(to_decimal(rule["ratio"])),
        } + cap_text(rule)

    def upper_bound(self, rule) -> Decimal | None:
        return to_decimal(rule.get("cap"))

    def reads(self, rule) -> list[str]:
        return [rule["base"]]


@register
class PerUnit(RuleKind):
    """An amount for each unit counted: ``{kind: per_unit, input: new_hitech_incubatees,
    unit_amount: 100000, cap: 1000000}``."""

    name = "per_unit"
    label = gettext_lazy("Amount per unit")
    ceiling = True
    fields = (
        RuleField("input", gettext_lazy("Counted (whole-number input)"), "fact", required=True),
        RuleField("unit_amount", gettext_lazy("Amount per unit"), "money", required=True),
        CAP,
        UP_TO,
        FLOOR,
    )

    def check(self, rule, check: Checker) -> None:
        check.fact("input", ("int",))
        check.amount("unit_amount")
        check.amount("cap", required=False)

    def evaluate(self, rule, facts, declared: Declared) -> Estimate:
        key = rule["input"]
        count = to_decimal(facts.get(key))
        if count is None:
            return missing_facts([key], declared)
        unit = to_decimal(rule["unit_amount"])
        text = _("%(label)s %(count)s × %(unit)s each") % {
            "label": fact_label(key, declared),
            "count": plain_number(count),
            "unit": format_wan(unit),
        }
        return capped(count * unit, to_decimal(rule.get("cap")), text)

    def describe(self, rule, declared: Declared) -> str:
        return _("%(unit)s for each of %(label)s") % {
            "unit": format_wan(to_decimal(rule["unit_amount"])),
            "label": fact_label(rule["input"], declared),
        } + cap_text(rule)

    def upper_bound(self, rule) -> Decimal | None:
        return to_decimal(rule.get("cap"))

    def reads(self, rule) -> list[str]:
        return [rule["input"]]


@register
class Range(RuleKind):
    """An amount decided in review between ``min`` and ``max`` (either may be absent)."""

    name = "range"
    label = gettext_lazy("Range decided in review")
    fields = (
        RuleField("min", gettext_lazy("At least"), "money"),
        RuleField("max", gettext_lazy("At most"), "money"),
    )

    def check(self, rule, check: Checker) -> None:
        low = check.amount("min", required=False, positive=False)
        high = check.amount("max", required=False)
        if rule.get("min") is None and rule.get("max") is None:
            check.error(_("a range needs “min”, “max” or both"))
        if low is not None and high is not None and low > high:
            check.error(_("“min” is above “max”"))

    def evaluate(self, rule, facts, declared: Declared) -> Estimate:
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

    def describe(self, rule, declared: Declared) -> str:
        low, high = to_decimal(rule.get("min")), to_decimal(rule.get("max"))
        if high is None:
            return _("at least %(min)s, decided in review") % {"min": format_wan(low)}
        if not low:
            return _("up to %(max)s, decided in review") % {"max": format_wan(high)}
        return _("%(min)s to %(max)s, decided in review") % {
            "min": format_wan(low),
            "max": format_wan(high),
        }

    def upper_bound(self, rule) -> Decimal | None:
        return to_decimal(rule.get("max"))


@register
class CapOnly(RuleKind):
    """Only a maximum, the amount decided in review: ``{kind: cap_only, max: 3000000}``."""

    name = "cap_only"
    label = gettext_lazy("Only a maximum")
    fields = (RuleField("max", gettext_lazy("At most"), "money", required=True),)

    def check(self, rule, check: Checker) -> None:
        check.amount("max")

    def evaluate(self, rule, facts, declared: Declared) -> Estimate:
        high = to_decimal(rule["max"])
        return Estimate(
            "range",
            minimum=Decimal(0),
            maximum=high,
            lines=[_("decided in review, at most %(max)s") % {"max": format_wan(high)}],
        )

    def describe(self, rule, declared: Declared) -> str:
        return _("up to %(max)s, decided in review") % {"max": format_wan(to_decimal(rule["max"]))}

    def upper_bound(self, rule) -> Decimal | None:
        return to_decimal(rule["max"])


@register
class Schedule(RuleKind):
    """A rule for each year of support: ``{kind: schedule, year_input: support_year,
    steps: [{years: [1, 2, 3], rule: {kind: range, min: 200000}}]}``."""

    name = "schedule"
    label = gettext_lazy("By year of support")
    fields = (
        YEAR_INPUT,
        RuleField(
            "steps",
            gettext_lazy("Rule for each year"),
            "year_steps",
            required=True,
            help_text=gettext_lazy(
                "A list of {years: [1, 2], rule: {…}}; amounts inside the rules are in yuan."
            ),
        ),
    )

    def check(self, rule, check: Checker) -> None:
        year_key = rule.get("year_input", "support_year")
        if year_key not in check.declared:
            check.error(
                _("the schedule reads “%(key)s”, which is not declared as an input")
                % {"key": year_key}
            )
        steps = rule.get("steps")
        if not isinstance(steps, list) or not steps:
            check.error(_("a schedule needs a list of “steps”"))
            return
        path = check.path
        seen: set[int] = set()
        for number, step in enumerate(steps, start=1):
            step_path = f"{path} step {number}" if path else f"step {number}"
            if not isinstance(step, Mapping) or not isinstance(step.get("years"), list):
                check.error(_("step %(n)d needs “years” and “rule”") % {"n": number})
                continue
            years = step["years"]
            if not all(isinstance(y, int) and y > 0 for y in years):
                check.error(_("step %(n)d: years are whole numbers from 1") % {"n": number})
            elif seen & set(years):
                check.error(_("step %(n)d repeats a year of an earlier step") % {"n": number})
            seen |= {y for y in years if isinstance(y, int)}
            inner = step.get("rule")
            if isinstance(inner, Mapping) and inner.get("kind") == "schedule":
                check.error(_("a schedule cannot contain another schedule"))
            else:
                check.errors.extend(validate_rule(inner, declared=check.declared, path=step_path))

    def evaluate(self, rule, facts, declared: Declared) -> Estimate:
        year_key = rule.get("year_input", "support_year")
        year = facts.get(year_key)
        if year in (None, ""):
            return missing_facts([year_key], declared)
        year = int(year)
        for step in rule["steps"]:
            if year in step["years"]:
                inner = evaluate_rule(step["rule"], facts, declared=declared)
                inner.lines = [
                    _("year %(year)d of support: %(text)s") % {"year": year, "text": line}
                    for line in inner.lines
                ]
                return inner
        return nothing(_("year %(year)d is outside the years of support") % {"year": year})

    def describe(self, rule, declared: Declared) -> str:
        parts = []
        for step in rule["steps"]:
            years = step["years"]
            span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
            parts.append(
                _("year %(years)s: %(text)s")
                % {"years": span, "text": describe_rule(step["rule"], declared=declared)}
            )
        return "；".join(parts)

    def upper_bound(self, rule) -> Decimal | None:
        bounds = [rule_upper_bound(step["rule"]) for step in rule["steps"]]
        return None if any(b is None for b in bounds) else max(bounds)

    def reads(self, rule) -> list[str]:
        inner = [key for step in rule["steps"] for key in rule_reads(step["rule"])]
        return [rule.get("year_input", "support_year"), *inner]


@register
class Premium(RuleKind):
    """A share of an insurance premium, the premium rate counted up to ``max_premium_rate``:
    ``{kind: premium, base: premium_paid, insured: insured_amount, rate: "0.8",
    max_premium_rate: "0.03", max_years: 3}`` (or ``rates_by_year`` instead of ``rate``)."""

    name = "premium"
    label = gettext_lazy("Insurance premium subsidy")
    ceiling = True
    fields = (
        RuleField("base", gettext_lazy("Premium paid (fact or input)"), "fact", required=True),
        RuleField("insured", gettext_lazy("Amount insured (fact or input)"), "fact", required=True),
        RuleField("rate", gettext_lazy("Share of the premium"), "rate"),
        RuleField(
            "rates_by_year",
            gettext_lazy("Share of the premium, year by year"),
            "rate_list",
            help_text=gettext_lazy(
                "Instead of one share, in per cent: 80, 60, 40 for years 1, 2, 3."
            ),
        ),
        RuleField(
            "max_premium_rate", gettext_lazy("Premium rate counted up to"), "rate", required=True
        ),
        RuleField("max_years", gettext_lazy("For at most (years)"), "int"),
        YEAR_INPUT,
        CAP,
        UP_TO,
        FLOOR,
    )

    def check(self, rule, check: Checker) -> None:
        check.fact("base", NUMERIC)
        check.fact("insured", NUMERIC)
        if rule.get("rate") is None and not rule.get("rates_by_year"):
            check.error(_("a premium subsidy needs “rate” or “rates_by_year”"))
        check.rate("rate", required=False)
        for rate in rule.get("rates_by_year") or []:
            number = to_decimal(rate)
            if number is None or not (0 < number <= 1):
                check.error(_("each of “rates_by_year” must be between 0 and 1"))
        check.rate("max_premium_rate")
        check.amount("cap", required=False)
        max_years = rule.get("max_years")
        if max_years is not None and (not isinstance(max_years, int) or max_years < 1):
            check.error(_("“max_years” must be a whole number from 1"))
        if (rule.get("rates_by_year") or max_years) and rule.get(
            "year_input", "support_year"
        ) not in check.declared:
            check.error(
                _("the premium rule reads “%(key)s”, which is not declared as an input")
                % {"key": rule.get("year_input", "support_year")}
            )

    def evaluate(self, rule, facts, declared: Declared) -> Estimate:
        def value(key: str) -> Decimal | None:
            return to_decimal(facts.get(key))

        base_key, insured_key = rule["base"], rule["insured"]
        year_key = rule.get("year_input", "support_year")
        needed = self.reads(rule)
        absent = [key for key in needed if value(key) is None]
        if absent:
            return missing_facts(absent, declared)
        premium, insured = value(base_key), value(insured_key)
        lines = []
        year = int(value(year_key)) if year_key in needed else 1
        max_years = rule.get("max_years")
        if max_years and year > max_years:
            return nothing(
                _("year %(year)d is beyond the %(max)d years of subsidy")
                % {"year": year, "max": max_years}
            )
        if rule.get("rates_by_year"):
            rates = rule["rates_by_year"]
            if year > len(rates):
                return nothing(
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
        result = capped(counted * rate, to_decimal(rule.get("cap")), text)
        result.lines = lines + result.lines
        return result

    def describe(self, rule, declared: Declared) -> str:
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
        return text + cap_text(rule)

    def upper_bound(self, rule) -> Decimal | None:
        return to_decimal(rule.get("cap"))

    def reads(self, rule) -> list[str]:
        needed = [rule["base"], rule["insured"]]
        if rule.get("rates_by_year") or rule.get("max_years"):
            needed.append(rule.get("year_input", "support_year"))
        return needed


@register
class NoMoney(RuleKind):
    """No money: a status, tax treatment or service, said in ``note``."""

    name = "none"
    label = gettext_lazy("No money")
    money = False
    fields = (
        RuleField(
            "note",
            gettext_lazy("What the enterprise gets instead"),
            "text",
            required=True,
        ),
    )

    def check(self, rule, check: Checker) -> None:
        if not rule.get("note"):
            check.error(_("say in “note” what the enterprise gets instead of money"))

    def evaluate(self, rule, facts, declared: Declared) -> Estimate:
        return Estimate("none", lines=[str(rule["note"])])

    def describe(self, rule, declared: Declared) -> str:
        return str(rule.get("note") or "")
