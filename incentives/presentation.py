"""How items are shown to people: the award in one line, the application state, the lead
bureaus, the conditions in words. Computed once per page for all its items."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from incentives import selectors, services
from incentives.engine import VERDICT_LABELS, requirement_text
from incentives.models import AssignmentRole, IncentiveItem
from incentives.rules import describe_rule, format_wan, rule_in_effect
from portal import clock


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
        item.can_apply = (
            item.support_kind in ("money", "status") and item.state == selectors.ItemState.OPEN
        )
        if with_bureaus:
            item.leads = selectors.item_bureaus(item, AssignmentRole.LEAD)
            # Where the annex names no lead (鹤壁 2019), the first responsible unit receives the
            # cases (applications.casework.routing_bureaus): say so rather than "牵头：—".
            item.receiver = (
                None
                if item.leads
                else next(iter(selectors.item_bureaus(item, AssignmentRole.RESPONSIBLE)), None)
            )
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


def estimate_text(kind: str, amount, minimum, maximum, breakdown: str) -> str:
    """An estimate in one phrase: 20万元; 20万元–100万元; 最高100万元; the formula."""
    if kind == "exact" and amount is not None:
        return format_wan(amount)
    if kind == "range":
        if maximum is None:
            if not minimum:  # the document sets no amount: never "不低于0万元"
                return _("amount decided in review")
            return _("at least %(min)s") % {"min": format_wan(minimum)}
        if not minimum:
            return _("up to %(max)s") % {"max": format_wan(maximum)}
        return f"{format_wan(minimum)}–{format_wan(maximum)}"
    if kind == "formula":
        return breakdown
    return ""


@dataclass
class MatchGroup:
    status: str
    label: str
    rows: list = field(default_factory=list)


def group_results(rows, *, facts_declared) -> list[MatchGroup]:
    """Matches (stored or computed) grouped by status, information items apart. Each row gets
    ``estimate_display`` and ``missing_labels``."""
    groups = {
        status: MatchGroup(status, str(VERDICT_LABELS[status])) for status in selectors.STATUS_ORDER
    }
    information = MatchGroup("information", _("Policy information"))
    on = clock.today()
    for row in rows:
        row.missing_labels = [
            (facts_declared.get(key) or {}).get("label", key) for key in row.missing or []
        ]
        row.estimate_display = estimate_text(
            row.estimate_kind,
            getattr(row, "shown_amount", row.amount),
            row.minimum,
            getattr(row, "shown_maximum", row.maximum),
            row.breakdown,
        )
        # Qualifying is not the same as being able to apply today: say where the window stands.
        row.window_state = selectors.item_state(row.item, on)
        row.window_label = selectors.ItemState.LABELS[row.window_state]
        if row.item.support_kind == "information" and row.status in ("eligible", "likely_eligible"):
            information.rows.append(row)
        else:
            groups[row.status].rows.append(row)
    kind_order = {"money": 0, "status": 1, "tax": 2, "service": 3, "information": 4}

    def weight(row):
        top = getattr(row, "shown_amount", None) or row.amount or row.maximum or row.minimum or 0
        return (kind_order.get(row.item.support_kind, 5), -top, row.item.name)

    for group in [*groups.values(), information]:
        group.rows.sort(key=weight)
    return [g for g in [*groups.values(), information] if g.rows]


FIRST_ROWS = 10  # a group shows this many rows, the rest behind "show N more"


def claim_summary(groups: list[MatchGroup]) -> dict:
    """What the enterprise may claim, in one line: how many money or status items it qualifies
    for (surely or likely), how much is certain and the most it may reach."""
    rows = [
        row
        for group in groups
        if group.status in ("eligible", "likely_eligible")
        for row in group.rows
        if row.item.support_kind in ("money", "status")
    ]
    certain = sum(
        (row.amount for row in rows if row.estimate_kind == "exact" and row.amount), Decimal(0)
    )
    ranges = sum(
        (row.maximum for row in rows if row.estimate_kind == "range" and row.maximum), Decimal(0)
    )
    return {
        "claimable_count": len(rows),
        "certain_total": certain,
        "at_most_total": certain + ranges,
        "by_claim_count": sum(1 for row in rows if row.estimate_kind == "formula"),
    }
