"""The grant ledger: what each enterprise was granted under each item, paid as often as the
item's document says and no more.

A grant uses up a *slot* (``Grant.slot``): the whole item for a once-only award, one year for a
yearly one, one project, or one case. The database refuses a second grant in a slot that is not
reversed (constraint ``grant_pays_once_per_slot``); the functions here find the earlier grant
first, so that starting, submitting and approving a case can say which case used the slot.

Budgets live here too: an approval debits the item's yearly budget under a row lock, and a
reversal gives the amount back.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, ItemBudget
from incentives.catalogue.files import PROJECT_INPUT
from incentives.models import Grant, IncentiveItem, PaysOnce

ONCE = "once"


class LedgerRefusal(Exception):
    """A grant the ledger will not record; the message names the earlier case."""


def slot_for(*, item: IncentiveItem, period: str, form_data: dict, reference: str) -> str:
    """What a grant under this item and claim uses up."""
    if item.pays == PaysOnce.ONCE:
        return ONCE
    if item.pays == PaysOnce.PER_PROJECT:
        project = " ".join(str(form_data.get(PROJECT_INPUT) or "").split()).casefold()
        return f"project:{project}"[:120] if project else f"case:{reference}"
    if item.pays == PaysOnce.PER_CLAIM:
        return f"case:{reference}"
    return str(period)


def application_slot(application: Application) -> str:
    return slot_for(
        item=application.item,
        period=application.period,
        form_data=application.form_data or {},
        reference=application.reference,
    )


def _live(enterprise_id: int, item: IncentiveItem):
    return Grant.objects.filter(enterprise_id=enterprise_id, item=item, reversed_at__isnull=True)


def earlier_grant(
    *, enterprise_id: int, item: IncentiveItem, slot: str, exclude_reference: str = ""
) -> Grant | None:
    """The live grant that already uses this slot. For a once-only item any live grant does,
    whatever slot it was recorded under (an item whose reading changed to once keeps its
    earlier grants)."""
    grants = _live(enterprise_id, item).exclude(reference__gt="", reference=exclude_reference)
    if item.pays != PaysOnce.ONCE:
        grants = grants.filter(slot=slot)
    return grants.order_by("granted_on", "pk").first()


def refusal_for(
    *, enterprise_id: int, item: IncentiveItem, slot: str, exclude_reference: str = ""
) -> str | None:
    """Why this enterprise cannot be granted this item again (None: it can)."""
    grant = earlier_grant(
        enterprise_id=enterprise_id, item=item, slot=slot, exclude_reference=exclude_reference
    )
    if grant is None:
        return None
    what = {
        PaysOnce.ONCE: _("“%(item)s” pays an enterprise once"),
        PaysOnce.PER_PERIOD: _("“%(item)s” pays an enterprise once a year"),
        PaysOnce.PER_PROJECT: _("“%(item)s” pays once per project"),
        PaysOnce.PER_CLAIM: _("“%(item)s” pays once per claim"),
    }[item.pays] % {"item": item.name}
    where = (
        _("case %(reference)s") % {"reference": grant.reference}
        if grant.reference
        else _("a record imported into the ledger")
    )
    return _("%(what)s, and it was granted on %(date)s (%(where)s).") % {
        "what": what,
        "date": grant.granted_on.isoformat(),
        "where": where,
    }


def refusal_before_claim(*, enterprise_id: int, item: IncentiveItem, period: str) -> str | None:
    """Before a claim names its project or has a case number (starting a case, a 免申即享
    offer): whether the item, or its year, is used up already. Per-project and per-claim items
    are checked once the claim says which project, at submission and approval."""
    if item.pays in (PaysOnce.PER_PROJECT, PaysOnce.PER_CLAIM):
        return None
    return refusal_for(
        enterprise_id=enterprise_id,
        item=item,
        slot=slot_for(item=item, period=period, form_data={}, reference=""),
    )


def application_refusal(application: Application) -> str | None:
    return refusal_for(
        enterprise_id=application.enterprise_id,
        item=application.item,
        slot=application_slot(application),
        exclude_reference=application.reference,
    )


def budget_row(item: IncentiveItem, year: int, *, lock: bool) -> ItemBudget:
    query = ItemBudget.objects.select_for_update() if lock else ItemBudget.objects
    budget = query.filter(item=item, year=year).first()
    if budget is None:
        # get_or_create reads the row a concurrent approval created first.
        ItemBudget.objects.get_or_create(
            item=item, year=year, defaults={"total": item.yearly_budget}
        )
        budget = query.get(item=item, year=year)
    return budget


def grant_record(*, application: Application, amount: Decimal, on: datetime.date) -> Grant:
    """Record the grant of an approval and debit the budget (inside the caller's transaction,
    the case row locked). The database has the last word on paying twice."""
    refusal = application_refusal(application)
    if refusal:
        raise LedgerRefusal(refusal)
    if application.item.yearly_budget is not None:
        budget = budget_row(application.item, on.year, lock=True)
        budget.used += amount
        budget.save(update_fields=["used"])
    try:
        with transaction.atomic():
            return Grant.objects.create(
                enterprise=application.enterprise,
                item=application.item,
                granted_on=on,
                amount=amount,
                source=Grant.Source.APPLICATION,
                reference=application.reference,
                slot=application_slot(application),
            )
    except IntegrityError as error:  # a concurrent approval took the slot first
        raise LedgerRefusal(
            application_refusal(application) or _("This award has been granted already.")
        ) from error


def grant_reverse(*, application: Application, user, reason: str) -> Grant | None:
    """Reverse the case's live grant (a bureau's decision, with who and why) and give the
    amount back to the budget of the year it was granted in."""
    grant = (
        Grant.objects.select_for_update()
        .filter(
            reference=application.reference,
            enterprise_id=application.enterprise_id,
            item_id=application.item_id,
            reversed_at__isnull=True,
        )
        .first()
    )
    if grant is None:
        return None
    grant.reversed_at = timezone.now()
    grant.reversed_by = user
    grant.reversal_reason = reason
    grant.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    if application.item.yearly_budget is not None:
        budget = budget_row(application.item, grant.granted_on.year, lock=True)
        budget.used -= grant.amount
        budget.save(update_fields=["used"])
    return grant
