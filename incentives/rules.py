"""Award rules as data: validation and evaluation.

A rule is a plain mapping, as written in the catalogue files and stored on ``AwardRule.params``:
``{"kind": "rate", "base": "contract_amount", "rate": "0.02", "cap": 1000000}``. This module
knows every kind of rule the seed documents use (see ``incentives/catalogue/SCHEMA.md``), refuses
an invalid one with a message per problem, and computes for given facts the exact amount or the
range, with a breakdown in plain Chinese ("技术合同成交额 3,000万元 × 2% = 60万元（上限100万元）").

Each kind is a class in ``incentives/rule_kinds.py`` registered by name in
``incentives/rule_base.py`` (its fields, how it validates, evaluates, describes and bounds a
rule); this module is the front door: it loads them all and names what the rest of the code uses.

It touches no database, so the catalogue checker, the admin preview, the matching engine and the
approval guard all compute the same figure the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from incentives import rule_kinds
from incentives.rule_base import (
    CENT,
    COMMON_KEYS,
    REGISTRY,
    TEN_THOUSAND,
    Estimate,
    RuleError,
    RuleField,
    RuleKind,
    as_ceiling,
    describe_rule,
    evaluate_rule,
    format_rate,
    format_wan,
    format_yuan,
    kind_of,
    plain_number,
    rule_kind,
    rule_reads,
    rule_upper_bound,
    to_decimal,
    validate_rule,
)

__all__ = [
    "CEILING_KINDS",
    "CENT",
    "COMMON_KEYS",
    "KIND_KEYS",
    "MONEY_KINDS",
    "REGISTRY",
    "RULE_KINDS",
    "TEN_THOUSAND",
    "Estimate",
    "RuleError",
    "RuleField",
    "RuleKind",
    "as_ceiling",
    "describe_rule",
    "evaluate_rule",
    "format_rate",
    "format_wan",
    "format_yuan",
    "formula_estimate",
    "kind_of",
    "money_bound_problems",
    "plain_number",
    "rule_in_effect",
    "rule_kind",
    "rule_kinds",
    "rule_reads",
    "rule_upper_bound",
    "to_decimal",
    "validate_rule",
]

# Derived from the registry (``rule_kinds`` has registered every kind by now).
RULE_KINDS = tuple(REGISTRY)
MONEY_KINDS = frozenset(name for name, kind in REGISTRY.items() if kind.money)
# Kinds that compute a figure from the claim; ``up_to: true`` reads it as a ceiling ("最高按…%",
# "不超过…%"): the award is decided in review between 0 (or ``floor``) and the computed figure.
CEILING_KINDS = frozenset(name for name, kind in REGISTRY.items() if kind.ceiling)
# The keys each kind takes besides ``COMMON_KEYS``.
KIND_KEYS = {name: set(kind.keys) for name, kind in REGISTRY.items()}


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
