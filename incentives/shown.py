"""What an enterprise is shown of its matches: the stored rows, and the verdicts derived from the
catalogue where no row is stored.

What is stored and what is derived (docs/benchmarks.md, "Issue 17: what is stored"):
- **stored**: every verdict that depends on the enterprise — eligible, likely eligible, missing
  information, not eligible (with the conditions that failed, in words) and "not in force" of an
  item in force whose award rule has lapsed (its reasons are the enterprise's conditions);
- **derived**: an item out of force on the day (not yet in force, expired, a draft document's)
  stores no row: every enterprise it would serve gets the same verdict, one reason read from the
  item's dates, so the page asks the item's plan — no evaluation of the enterprise's facts;
- **never stored, never shown**: items outside the enterprise's region or kind of organisation.

A stored row of an item that is out of force today (stored on a day it was in force, before the
nightly run) gives way to the derived verdict, so the page says the same whichever it finds:
``tests/incentives/test_stored_or_derived.py`` holds 我的政策 equal both ways.
"""

from __future__ import annotations

import datetime

from incentives import plans as item_plans
from incentives import selectors
from incentives.models import IncentiveItem, Match
from portal import clock


def derived_matches(*, enterprise, on: datetime.date) -> list[Match]:
    """The enterprise's verdicts on the items that serve it and are out of force on ``on``, as
    unsaved ``Match`` rows (``derived`` is true of each), with their items read in one query."""
    out = {
        plan.item_id: plan
        for plan in item_plans.catalogue().for_enterprise(enterprise)
        if plan.out_of_force(on)
    }
    if not out:
        return []
    items = IncentiveItem.objects.select_related("measure__document__region").in_bulk(list(out))
    derived = []
    for item_id, plan in out.items():
        match = plan.match_row(enterprise.pk, plan.evaluate({}, on=on), on)
        match.item = items[item_id]
        match.enterprise = enterprise
        match.derived = True
        derived.append(match)
    return derived


def _order(match: Match) -> tuple:
    document = match.item.measure.document
    return (document.region.code, document.pk, match.item.position, match.item_id)


def enterprise_matches(*, enterprise, on: datetime.date | None = None) -> list[Match]:
    """Every verdict 我的政策 shows the enterprise, stored or derived, in the catalogue's order
    (region, document, position)."""
    on = on or clock.today()
    derived = derived_matches(enterprise=enterprise, on=on)
    gone = {match.item_id for match in derived}
    stored = [
        match
        for match in selectors.enterprise_matches(enterprise=enterprise)
        if match.item_id not in gone
    ]
    return sorted(stored + derived, key=_order)


def enterprise_match(*, enterprise, item: IncentiveItem, on: datetime.date | None = None):
    """The verdict on one item the enterprise is shown (a case page), stored or derived; None
    when the item does not serve it or it has not been matched yet."""
    on = on or clock.today()
    plan = item_plans.catalogue().by_id.get(item.pk)
    if plan is not None and plan.serves(enterprise) and plan.out_of_force(on):
        match = plan.match_row(enterprise.pk, plan.evaluate({}, on=on), on)
        match.enterprise, match.derived = enterprise, True
        return match
    return Match.objects.filter(enterprise=enterprise, item=item).first()
