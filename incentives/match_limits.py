"""The limits that cross items (就高不重复, yearly caps, totals across funding levels) applied to
the stored matches of some enterprises, after their rows were written: by matching one
enterprise or one item (``matching``) and by the full recompute, chunk by chunk
(``matching_bulk``)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from incentives.engine import ELIGIBLE, LIKELY_ELIGIBLE
from incentives.limits import LimitSpec, apply_limits
from incentives.models import CrossItemLimit, Grant, Match
from incentives.rules import Estimate

GOOD = (ELIGIBLE, LIKELY_ELIGIBLE)


def _ledger(enterprise_ids: Iterable[int], on: datetime.date):
    this_year: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    total: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for enterprise_id, key, granted_on, amount in Grant.objects.filter(
        enterprise_id__in=list(enterprise_ids), reversed_at__isnull=True
    ).values_list("enterprise_id", "item__key", "granted_on", "amount"):
        total[enterprise_id][key] += amount
        if granted_on.year == on.year:
            this_year[enterprise_id][key] += amount
    return this_year, total


def apply_cross_item_limits(*, enterprise_ids: Iterable[int] | None, on: datetime.date) -> int:
    """Apply every limit to the stored matches of these enterprises (all when None)."""
    limits = list(CrossItemLimit.objects.prefetch_related("items"))
    if not limits:
        return 0
    specs = [
        LimitSpec(
            lim.key,
            lim.kind,
            tuple(i.key for i in lim.items.all()),
            lim.amount,
            lim.note or lim.key,
        )
        for lim in limits
    ]
    grouped_ids = {i.pk for lim in limits for i in lim.items.all()}
    matches = (
        Match.objects.filter(item_id__in=grouped_ids)
        .select_related("item")
        .only(
            "enterprise_id",
            "item__key",
            "status",
            "estimate_kind",
            "amount",
            "minimum",
            "maximum",
            "limited_amount",
            "limited_maximum",
            "limit_notes",
            "excluded",
        )
    )
    if enterprise_ids is not None:
        matches = matches.filter(enterprise_id__in=list(enterprise_ids))
    by_enterprise: dict[int, list[Match]] = defaultdict(list)
    for match in matches:
        by_enterprise[match.enterprise_id].append(match)
    this_year, total = _ledger(by_enterprise, on)
    changed = []
    for enterprise_id, rows in by_enterprise.items():
        good = {m.item.key: m for m in rows if m.status in GOOD}
        estimates = {
            key: Estimate(m.estimate_kind, amount=m.amount, minimum=m.minimum, maximum=m.maximum)
            for key, m in good.items()
        }
        outcome = apply_limits(
            estimates,
            specs,
            granted_this_year=this_year[enterprise_id],
            granted_total=total[enterprise_id],
        )
        for match in rows:
            new = (None, None, [], False)
            key = match.item.key
            if key in outcome.excluded:
                new = (
                    Decimal(0) if match.estimate_kind == "exact" else None,
                    Decimal(0),
                    [outcome.excluded[key]],
                    True,
                )
            elif key in outcome.estimates and outcome.estimates[key] is not estimates.get(key):
                limited = outcome.estimates[key]
                new = (
                    limited.amount if limited.kind == "exact" else None,
                    limited.maximum if limited.kind != "exact" else None,
                    limited.lines[-1:],
                    False,
                )
            old = (match.limited_amount, match.limited_maximum, match.limit_notes, match.excluded)
            if old != new:
                match.limited_amount, match.limited_maximum, match.limit_notes, match.excluded = new
                changed.append(match)
    Match.objects.bulk_update(
        changed, ["limited_amount", "limited_maximum", "limit_notes", "excluded"], batch_size=1000
    )
    return len(changed)
