"""The machinery under award rules: values, formatting, the Estimate, and the registry of kinds.

Each kind of rule (``fixed``, ``rate``, ``schedule``…) is a small class in
``incentives/rule_kinds.py``, registered here under its name with ``@register``. A kind declares
its fields (name, label, type, unit) and says how it validates, evaluates, describes and bounds
a rule and which facts it reads; the functions below only look the kind up and ask it.

Use ``incentives.rules``: it loads every kind. This module alone knows none.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)

# Keys every rule may carry besides its own parameters.
COMMON_KEYS = {"kind", "effective_from", "effective_to", "clause", "note"}
# Types of the fact or input a rule computes from.
NUMERIC = ("money", "int", "decimal", "percent")
# Types of a kind's fields: how the value is written in the rule (and edited in the form).
FIELD_TYPES = frozenset(
    {
        "money",  # yuan in the rule, shown and edited in 万元
        "rate",  # a decimal fraction: 0.02 for 2%
        "ratio",  # a decimal: 1 for matching 1:1
        "int",  # a whole number
        "bool",  # true or false
        "fact",  # the key of a declared fact or input
        "text",  # words
        "level_amounts",  # {level: yuan}
        "rate_list",  # [rate, rate, …], one a year
        "year_steps",  # [{years: [1, 2], rule: {…}}, …]
    }
)
UNITS = {"money": "万元", "rate": "%", "rate_list": "%"}


class RuleError(ValueError):
    """An award rule that cannot be evaluated; ``messages`` says every problem found."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


# ---------------------------------------------------------------------------------------------
# Values and formatting
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


def fact_label(key: str, declared: Mapping[str, Mapping[str, Any]]) -> str:
    """The label a fact or input is declared with; its key when it has none."""
    return str((declared.get(key) or {}).get("label") or key)


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


def missing_facts(keys: list[str], declared: Mapping[str, Mapping[str, Any]]) -> Estimate:
    """Unknown until these facts are given."""
    return Estimate(
        "unknown",
        missing=list(keys),
        lines=[_("needs: %(facts)s") % {"facts": "、".join(fact_label(k, declared) for k in keys)}],
    )


def nothing(line: str) -> Estimate:
    """Exactly 0, and why."""
    return Estimate("exact", amount=Decimal(0), lines=[line])


def capped(raw: Decimal, cap: Decimal | None, text: str) -> Estimate:
    """``raw`` (rounded to the cent), or the cap when it is above it, with the line saying so."""
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


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


class Checker:
    """Collects the problems of one rule; a kind's ``check`` asks it about each key."""

    def __init__(
        self, rule: Mapping[str, Any], declared: Mapping[str, Mapping[str, Any]], path: str
    ):
        self.rule = rule
        self.declared = declared
        self.path = path
        self.where = f"{path}: " if path else ""
        self.errors: list[str] = []

    def error(self, message: str) -> None:
        self.errors.append(self.where + message)

    def amount(self, key: str, *, required: bool = True, positive: bool = True) -> Decimal | None:
        """A number ≥ 0 (> 0 when ``positive``); None when absent or not a number."""
        rule = self.rule
        if rule.get(key) is None:
            if required:
                self.error(_("“%(key)s” is required") % {"key": key})
            return None
        number = to_decimal(rule[key])
        if number is None:
            self.error(_("“%(key)s” must be a number") % {"key": key})
        elif number < 0 or (positive and number == 0):
            self.error(_("“%(key)s” must be greater than 0") % {"key": key})
        return number

    def rate(self, key: str, *, required: bool = True, upper: Decimal = Decimal(1)) -> None:
        """A rate written as a decimal fraction, at most ``upper``."""
        number = self.amount(key, required=required)
        if number is not None and number > upper:
            self.error(
                _("“%(key)s” is %(value)s; a rate is written as a decimal, e.g. 0.02 for 2%%")
                % {"key": key, "value": self.rule[key]}
            )

    def fact(self, key: str, types: tuple[str, ...]) -> Mapping[str, Any] | None:
        """The declaration of the fact or input ``key`` names, which must be of one of ``types``."""
        name = self.rule.get(key)
        if not name:
            self.error(_("“%(key)s” must name a fact or input") % {"key": key})
            return None
        declaration = self.declared.get(name)
        if declaration is None:
            self.error(
                _("“%(key)s” names “%(name)s”, which is neither a declared fact nor an input")
                % {"key": key, "name": name}
            )
            return None
        if declaration.get("type") not in types:
            self.error(
                _("“%(name)s” is of type %(type)s; “%(key)s” needs %(types)s")
                % {
                    "name": name,
                    "type": declaration.get("type"),
                    "key": key,
                    "types": " / ".join(types),
                }
            )
        return declaration


# ---------------------------------------------------------------------------------------------
# Kinds and their registry
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleField:
    """One parameter of a kind of rule, as the rule writes it and the editor shows it."""

    name: str
    label: Any  # a lazy translation
    type: str
    required: bool = False
    help_text: Any = ""

    def __post_init__(self):
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r}")

    @property
    def unit(self) -> str:
        """The unit the value is shown in ("万元" for money, stored in yuan)."""
        return UNITS.get(self.type, "")


class RuleKind(ABC):
    """A kind of award rule. Subclasses set ``name``, ``label`` and ``fields`` and implement
    ``check``, ``evaluate``, ``describe``, ``upper_bound`` and ``reads``. The first three are
    abstract: a kind that lacks one cannot be registered (``register`` instantiates it)."""

    name: ClassVar[str]
    label: ClassVar[Any]
    fields: ClassVar[tuple[RuleField, ...]] = ()
    # Gives money (every kind but ``none``).
    money: ClassVar[bool] = True
    # Computes a figure from the claim; ``up_to: true`` reads it as a ceiling ("最高按…%",
    # "不超过…%"): the award is decided in review between 0 (or ``floor``) and the figure.
    ceiling: ClassVar[bool] = False

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def field(self, name: str) -> RuleField:
        return next(f for f in self.fields if f.name == name)

    @abstractmethod
    def check(self, rule: Mapping[str, Any], check: Checker) -> None:
        """Report every problem of the kind's own parameters to ``check``."""

    @abstractmethod
    def evaluate(
        self,
        rule: Mapping[str, Any],
        facts: Mapping[str, Any],
        declared: Mapping[str, Mapping[str, Any]],
    ) -> Estimate:
        """The amount for these facts (the rule is valid; ``up_to`` is applied by the caller)."""

    @abstractmethod
    def describe(self, rule: Mapping[str, Any], declared: Mapping[str, Mapping[str, Any]]) -> str:
        """The rule in words (without ``up_to``, which the caller adds)."""

    def upper_bound(self, rule: Mapping[str, Any]) -> Decimal | None:
        """The most the rule can give whatever the facts; None when it has no top."""
        return None

    def reads(self, rule: Mapping[str, Any]) -> list[str]:
        """The facts and inputs the rule computes from."""
        return []


REGISTRY: dict[str, RuleKind] = {}


def register(cls: type[RuleKind]) -> type[RuleKind]:
    """Class decorator: register a kind under its name (in the order kinds are defined)."""
    if cls.name in REGISTRY:
        raise ValueError(f"the rule kind {cls.name!r} is registered twice")
    REGISTRY[cls.name] = cls()
    return cls


def rule_kind(name: str) -> RuleKind:
    """The registered kind ``name``; KeyError when there is none."""
    return REGISTRY[name]


def kind_of(rule: Mapping[str, Any]) -> RuleKind | None:
    """The registered kind of a rule; None when its ``kind`` names none."""
    name = rule.get("kind")
    return REGISTRY.get(name) if isinstance(name, str) else None


# ---------------------------------------------------------------------------------------------
# What every rule is asked, whatever its kind
# ---------------------------------------------------------------------------------------------


def validate_rule(
    rule: Any, *, declared: Mapping[str, Mapping[str, Any]], path: str = ""
) -> list[str]:
    """Every problem with a rule, in words an admin understands; [] when it is valid.

    ``declared`` maps each fact or input key the rule may read to its declaration (type,
    choices), so a misspelt key or a level the input does not offer is caught when saved."""
    where = f"{path}: " if path else ""
    if not isinstance(rule, Mapping):
        return [where + _("the award rule must be a mapping with a kind")]
    kind = kind_of(rule)
    if kind is None:
        return [
            where
            + _("unknown kind of award rule “%(kind)s”; use one of: %(kinds)s")
            % {"kind": rule.get("kind"), "kinds": ", ".join(REGISTRY)}
        ]
    check = Checker(rule, declared, path)
    unknown = set(rule) - COMMON_KEYS - kind.keys
    if unknown:
        check.error(
            _("a “%(kind)s” rule does not take: %(keys)s")
            % {"kind": kind.name, "keys": ", ".join(sorted(unknown))}
        )
    kind.check(rule, check)
    if kind.ceiling:
        if "up_to" in rule and not isinstance(rule["up_to"], bool):
            check.error(_("“up_to” is true or false"))
        floor = check.amount("floor", required=False, positive=False)
        if floor is not None and not rule.get("up_to"):
            check.error(_("a “floor” goes with “up_to: true”"))
        cap = to_decimal(rule.get("cap"))
        if floor is not None and cap is not None and floor > cap:
            check.error(_("the floor is above the cap"))
    return check.errors


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
    estimate = REGISTRY[rule["kind"]].evaluate(rule, facts, declared)
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


def describe_rule(rule: Mapping[str, Any], *, declared: Mapping[str, Mapping[str, Any]]) -> str:
    """The rule in one line of plain Chinese, as the 申兑指南 states it."""
    kind = kind_of(rule)
    text = kind.describe(rule, declared) if kind else str(rule.get("note") or "")
    if rule.get("up_to"):
        text = _("up to %(rule)s, decided in review") % {"rule": text}
        if to_decimal(rule.get("floor")):
            text += _(" (at least %(floor)s)") % {"floor": format_wan(to_decimal(rule["floor"]))}
    return text


def rule_upper_bound(rule: Mapping[str, Any]) -> Decimal | None:
    """The most a rule can ever give, whatever the facts; None when it has no top."""
    kind = kind_of(rule)
    return kind.upper_bound(rule) if kind else None


def rule_reads(rule: Mapping[str, Any]) -> list[str]:
    """The facts and inputs a (valid) rule computes from, each once, in the order it reads them."""
    kind = kind_of(rule)
    return list(dict.fromkeys(kind.reads(rule))) if kind else []
