"""What the steps of a case check, in one place: whether the item serves the enterprise, whether
the ledger still has room for it, what a submission lacks and whether an approved amount lies
within the rule, the item's budget and the enterprise's caps. The workflow's guards and effects
call these; so do the pages that show why a step is refused."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from applications import ledger
from applications.calendar import from_rows
from applications.models import Application, Holiday
from enterprises.models import Enterprise
from incentives import facts as fact_readers
from incentives import selectors as catalogue_selectors
from incentives import services as catalogue_services
from incentives.engine import ELIGIBLE, LIKELY_ELIGIBLE, NOT_ELIGIBLE, NOT_IN_FORCE, evaluate_item
from incentives.models import AssignmentRole, CrossItemLimit, Grant, IncentiveItem
from incentives.plans import plan_for
from incentives.rules import Estimate, format_wan, rule_in_effect, rule_upper_bound
from organisations.models import Bureau
from portal import clock


class ApplicationError(Exception):
    """A step that cannot be taken; the message says why, for the person who tried."""


def calendar():
    return from_rows(Holiday.objects.values_list("date", "is_working_day"))


def processing_days(item: IncentiveItem) -> int:
    return item.processing_days or settings.DEFAULT_PROCESSING_DAYS


def period_for(*, on: datetime.date) -> str:
    return str(on.year)


def second_review_above(item: IncentiveItem) -> Decimal:
    """Approvals above this amount need a second head's sign-off (双人复核)."""
    if item.second_review_above is not None:
        return item.second_review_above
    return Decimal(str(settings.SECOND_REVIEW_ABOVE))


def routing_bureaus(*, item: IncentiveItem) -> list[Bureau]:
    """Where a case goes: the lead units of the annex. Where the document names only 责任单位
    (鹤壁 2019), the first of them receives the case."""
    leads = catalogue_selectors.item_bureaus(item, AssignmentRole.LEAD)
    if leads:
        return leads
    return catalogue_selectors.item_bureaus(item, AssignmentRole.RESPONSIBLE)[:1]


# ---------------------------------------------------------------------------------------------
# Money invariants: scope and the ledger
# ---------------------------------------------------------------------------------------------


def scope_refusal(item: IncentiveItem, enterprise: Enterprise) -> str | None:
    """Why the item does not serve this enterprise (its region, its kind), from the item plan."""
    return plan_for(item).scope_refusal(enterprise)


def claim_refusal(application: Application) -> str | None:
    """The invariants every step checks: the item serves the enterprise, and the ledger has
    room for another grant."""
    return scope_refusal(application.item, application.enterprise) or ledger.application_refusal(
        application
    )


# ---------------------------------------------------------------------------------------------
# The claim and its verdict
# ---------------------------------------------------------------------------------------------


def profile_facts(enterprise: Enterprise, on: datetime.date) -> dict[str, Any]:
    loaded = Enterprise.objects.prefetch_related("qualifications", "yearly_figures").get(
        pk=enterprise.pk
    )
    return fact_readers.profile_facts(fact_readers.Profile.of(loaded), on)


def claim_facts(application: Application) -> dict[str, Any]:
    facts = profile_facts(application.enterprise, clock.today())
    declared = catalogue_services.item_declared(item=application.item)
    for key, value in (application.form_data or {}).items():
        if value in (None, ""):
            continue
        kind = (declared.get(key) or {}).get("type")
        if kind in ("money", "decimal", "percent"):
            value = Decimal(str(value))
        elif kind == "int":
            value = int(value)
        elif kind == "date" and isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        facts[key] = value
    return facts


def evaluate(application: Application, *, on: datetime.date | None = None):
    """The item's verdict for the enterprise's profile and what the claim states."""
    spec = catalogue_services.item_spec(item=application.item)
    return evaluate_item(spec, claim_facts(application), on=on or clock.today())


def submission_problems(application: Application) -> list[str]:
    """Everything that stops a submission, each in a sentence."""
    problems = []
    item = application.item
    refusal = claim_refusal(application)
    if refusal:
        problems.append(refusal)
    declared = catalogue_services.item_declared(item=item)
    for input_ in item.inputs or []:
        if application.form_data.get(input_["key"]) in (None, ""):
            problems.append(
                _("Fill in: %(label)s.") % {"label": input_.get("label") or input_["key"]}
            )
    have = set(application.materials.values_list("label", flat=True))
    missing = [m for m in item.materials or [] if m not in have]
    if missing:
        problems.append(_("Attach: %(materials)s.") % {"materials": "、".join(missing)})
    state = catalogue_selectors.item_state(item, clock.today())
    if state == "upcoming":
        problems.append(
            _("The application window opens on %(date)s.") % {"date": item.window_opens}
        )
    elif state == "closed":
        problems.append(
            _("The application window closed on %(date)s.") % {"date": item.window_closes}
        )
    verdict = evaluate(application)
    if verdict.verdict == NOT_IN_FORCE:
        problems.extend(verdict.reasons[:1])
    elif verdict.verdict == NOT_ELIGIBLE:
        problems.extend(
            _("Not eligible: %(reason)s") % {"reason": reason} for reason in verdict.failed
        )
    elif verdict.missing:
        labels = "、".join((declared.get(k) or {}).get("label", k) for k in verdict.missing)
        problems.append(_("Complete your profile first: %(facts)s.") % {"facts": labels})
    return problems


def amount_bounds(application: Application) -> tuple[Decimal, Decimal | None, str] | str:
    """The lowest and highest amount the rule allows for this claim, and why; or the reason no
    amount can be approved."""
    item = application.item
    rule = rule_in_effect([r.as_rule() for r in item.rules.all()], clock.today())
    verdict = evaluate(application)
    if verdict.verdict not in (ELIGIBLE, LIKELY_ELIGIBLE):
        return _("The case no longer meets the conditions: %(why)s") % {
            "why": "；".join(verdict.failed or verdict.reasons[:1])
        }
    return bounds_of(verdict.estimate, rule)


def bounds_of(estimate: Estimate, rule) -> tuple[Decimal, Decimal | None, str]:
    """The lowest and highest amount an estimate allows (the rule's top where it has no own)."""
    if estimate.kind == "exact":
        return estimate.amount, estimate.amount, estimate.breakdown
    low, high = estimate.minimum or Decimal(0), estimate.maximum
    if high is None and rule is not None:
        high = rule_upper_bound(rule)
    return low, high, estimate.breakdown


def approval_problems(
    application: Application, amount: Decimal | None, *, lock_budget: bool
) -> list[str]:
    """Whether an amount fits the scope, the ledger, the rule, the item's remaining budget and
    the enterprise's caps."""
    item = application.item
    refusal = claim_refusal(application)
    if refusal:
        return [refusal]
    rule = rule_in_effect([r.as_rule() for r in item.rules.all()], clock.today())
    gives_money = item.support_kind == "money" and rule is not None and rule.get("kind") != "none"
    if not gives_money:
        return [] if not amount else [_("This item gives no money; approve it without an amount.")]
    if amount is None or amount <= 0:
        return [_("Give the approved amount.")]
    bounds = amount_bounds(application)
    if isinstance(bounds, str):
        return [bounds]
    low, high, why = bounds
    problems = []
    if low == high and amount != low:
        problems.append(
            _("The rule gives exactly %(amount)s (%(why)s).")
            % {"amount": format_wan(low), "why": why}
        )
    elif amount < low or (high is not None and amount > high):
        problems.append(
            _("The amount must be between %(min)s and %(max)s.")
            % {"min": format_wan(low), "max": format_wan(high) if high is not None else "—"}
        )
    if high is None and item.yearly_budget is None:
        problems.append(
            _(
                "The rule sets no upper bound and the item has no yearly budget: the catalogue "
                "must give one before any amount is approved."
            )
        )
    year = clock.today().year
    for limit in CrossItemLimit.objects.filter(items=item).prefetch_related("items"):
        granted = Grant.objects.filter(
            enterprise=application.enterprise, item__in=limit.items.all(), reversed_at__isnull=True
        )
        if limit.kind == "yearly_cap":
            granted = granted.filter(granted_on__year=year)
        used = granted.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if limit.kind == "exclusive" and used > 0:
            problems.append(
                _("Already granted within “%(note)s”: no double award.")
                % {"note": limit.note or limit.key}
            )
        elif limit.kind in ("yearly_cap", "total_cap") and used + amount > limit.amount:
            problems.append(
                _("%(note)s: %(used)s already granted, at most %(room)s more.")
                % {
                    "note": limit.note or limit.key,
                    "used": format_wan(used),
                    "room": format_wan(max(limit.amount - used, 0)),
                }
            )
    if item.yearly_budget is not None:
        budget = ledger.budget_row(item, year, lock=lock_budget)
        if budget.remaining < amount:
            problems.append(
                _("The item's budget for %(year)s has %(left)s left.")
                % {"year": year, "left": format_wan(budget.remaining)}
            )
    return problems
