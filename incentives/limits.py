"""Limits that cross items, applied after each item has been evaluated on its own:

- ``exclusive`` (就高不重复): of a group, only the item with the highest award is kept;
- ``yearly_cap``: what one enterprise gets from a group in a year, with what it was already
  granted this year, stays within the cap;
- ``total_cap``: the same across funding levels, counting everything already granted.

Pure functions over estimates, so the matching engine and the approval guard agree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from incentives.rules import Estimate, format_wan


@dataclass(frozen=True)
class LimitSpec:
    key: str
    kind: str  # exclusive | yearly_cap | total_cap
    items: tuple[str, ...]
    amount: Decimal | None = None
    note: str = ""


@dataclass
class LimitOutcome:
    estimates: dict[str, Estimate]
    excluded: dict[str, str] = field(default_factory=dict)  # item key → why


def _value(estimate: Estimate) -> Decimal:
    """How much an estimate may give at most, for ranking; an open range ranks by its floor."""
    if estimate.kind == "exact":
        return estimate.amount or Decimal(0)
    if estimate.kind == "range":
        return (
            estimate.maximum if estimate.maximum is not None else (estimate.minimum or Decimal(0))
        )
    return Decimal(0)


def _cut(estimate: Estimate, room: Decimal, line: str) -> Estimate:
    room = max(room, Decimal(0))
    if estimate.kind == "exact" and (estimate.amount or 0) > room:
        return dataclasses.replace(
            estimate, amount=room, lines=[*estimate.lines, line], cap_applied=True
        )
    if estimate.kind == "range" and (estimate.maximum is None or estimate.maximum > room):
        minimum = min(estimate.minimum or Decimal(0), room)
        return dataclasses.replace(
            estimate, minimum=minimum, maximum=room, lines=[*estimate.lines, line], cap_applied=True
        )
    return estimate


def apply_limits(
    estimates: Mapping[str, Estimate],
    limits: list[LimitSpec],
    *,
    granted_this_year: Mapping[str, Decimal] | None = None,
    granted_total: Mapping[str, Decimal] | None = None,
) -> LimitOutcome:
    """Apply every limit to the estimates of one enterprise (keyed by item key)."""
    outcome = LimitOutcome(estimates=dict(estimates))
    granted_this_year = granted_this_year or {}
    granted_total = granted_total or {}
    for limit in limits:
        present = [key for key in limit.items if key in outcome.estimates]
        if limit.kind == "exclusive":
            if len(present) < 2:
                continue
            best = max(present, key=lambda key: (_value(outcome.estimates[key]), key))
            for key in present:
                if key != best:
                    outcome.excluded[key] = _(
                        "not awarded together with a higher award of the same group (%(note)s)"
                    ) % {"note": limit.note or limit.key}
                    del outcome.estimates[key]
            continue
        ledger = granted_this_year if limit.kind == "yearly_cap" else granted_total
        used = sum((ledger.get(key, Decimal(0)) for key in limit.items), Decimal(0))
        room = (limit.amount or Decimal(0)) - used
        # The highest awards are served first; what is left over goes to the next.
        for key in sorted(present, key=lambda k: (-_value(outcome.estimates[k]), k)):
            estimate = outcome.estimates[key]
            line = _(
                "%(note)s: cap %(cap)s, already granted %(used)s, at most %(room)s for this item"
            ) % {
                "note": limit.note or limit.key,
                "cap": format_wan(limit.amount or 0),
                "used": format_wan(used),
                "room": format_wan(max(room, Decimal(0))),
            }
            cut = _cut(estimate, room, line)
            outcome.estimates[key] = cut
            room -= _value(cut)
    return outcome
