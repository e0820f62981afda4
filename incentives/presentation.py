"""How items are shown to people: the award in one line, the application state, the lead
bureaus, the conditions in words. Computed once per page for all its items."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from incentives import selectors, services
from incentives.engine import requirement_text
from incentives.models import AssignmentRole, IncentiveItem
from incentives.rules import describe_rule, rule_in_effect


def _condition_line(condition, declared) -> str:
    declaration = declared.get(condition.fact, {})
    label = declaration.get("label", condition.fact)
    requirement = requirement_text(condition.as_condition(), declaration)
    # "认定类别为首次认定", "研发投入不低于300万元" read as one phrase; yes/no facts need a colon.
    return (
        f"{label}：{requirement}" if declaration.get("type") == "bool" else f"{label}{requirement}"
    )


def present_items(
    items: Iterable[IncentiveItem],
    *,
    on: datetime.date,
    detail: bool = False,
    with_bureaus: bool = True,
) -> None:
    facts = services.facts_declared()
    for item in items:
        declared = services.item_declared(item=item, facts=facts)
        rules = sorted(item.rules.all(), key=lambda r: r.effective_from or datetime.date.min)
        current = rule_in_effect([r.as_rule() for r in rules], on) or (
            rules[-1].as_rule() if rules else None
        )
        item.award_text = describe_rule(current, declared=declared) if current else ""
        item.state = selectors.item_state(item, on)
        item.state_label = selectors.ItemState.LABELS[item.state]
        if with_bureaus:
            item.leads = selectors.item_bureaus(item, AssignmentRole.LEAD)
        if detail:
            conditions = list(item.conditions.all())
            item.condition_lines = [
                _condition_line(c, declared) for c in conditions if c.group == "all"
            ]
            item.any_condition_lines = [
                _condition_line(c, declared) for c in conditions if c.group == "any"
            ]
            item.rule_lines = [
                (rule, describe_rule(rule.as_rule(), declared=declared)) for rule in rules
            ]
            item.input_labels = [i.get("label") for i in item.inputs or []]
