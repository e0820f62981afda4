"""What the enterprise sends and sees of its own case: the amount it requests where the rule
leaves the amount open, its contact, the 承诺书 and the confirmation before sending; the case that
申报 leads to; when the decision is expected in working days. The money checks are casework's
(``amount_bounds``, ``submission_problems``, the ledger), asked here, never decided again."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from applications import casework, ledger
from applications.models import OPEN_STATES, Application, State
from enterprises.verification import AWAITING_VERIFICATION
from incentives import services as catalogue_services
from incentives.engine import ELIGIBLE, LIKELY_ELIGIBLE, MISSING_INFORMATION
from incentives.models import IncentiveItem, PaysOnce
from incentives.plans import claim_keys
from incentives.rules import format_wan, rule_in_effect
from portal import clock

# ---------------------------------------------------------------------------------------------
# What the enterprise sends: the amount it requests, its contact, the 承诺书
# ---------------------------------------------------------------------------------------------

# The step that sends a case from each state the enterprise edits in.
SENDING_ACTIONS = {State.DRAFT: "submit", State.SUPPLEMENT: "resubmit", State.OFFERED: "confirm"}


@dataclass(frozen=True)
class AmountTerms:
    """What the rule lets this claim ask for: an exact figure, or bounds within which the
    enterprise states the amount it requests (a range, "up to"); ``pending`` says why neither is
    known yet (the claim does not yet give what the amount is computed from)."""

    exact: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    why: str = ""
    pending: str = ""

    @property
    def open(self) -> bool:
        return self.exact is None and not self.pending

    @property
    def words(self) -> str:
        if self.exact is not None:
            return format_wan(self.exact)
        if self.pending:
            return self.pending
        if self.high is None and not self.low:
            return _("an amount decided in review")
        if self.high is None:
            return _("at least %(min)s") % {"min": format_wan(self.low)}
        if not self.low:
            return _("up to %(max)s") % {"max": format_wan(self.high)}
        return _("%(min)s to %(max)s") % {"min": format_wan(self.low), "max": format_wan(self.high)}


def amount_terms(application: Application) -> AmountTerms | None:
    """The money this claim may ask for, from the same verdict and bounds the approval checks
    (``amount_bounds``); None where the item gives no money or the claim does not qualify (the
    submission problems say why)."""
    item = application.item
    rule = rule_in_effect([r.as_rule() for r in item.rules.all()], clock.today())
    if item.support_kind != "money" or rule is None or rule.get("kind") == "none":
        return None
    verdict = casework.evaluate(application)
    declared = catalogue_services.item_declared(item=item)
    if verdict.verdict == MISSING_INFORMATION and set(verdict.missing) <= claim_keys(item):
        # Only the claim is incomplete: its inputs decide the amount (and the conditions).
        labels = "、".join((declared.get(k) or {}).get("label", k) for k in verdict.missing)
        return AmountTerms(
            pending=_("The amount follows from what you claim: fill in %(inputs)s first.")
            % {"inputs": labels}
        )
    if verdict.verdict not in (ELIGIBLE, LIKELY_ELIGIBLE) or verdict.estimate is None:
        return None
    estimate = verdict.estimate
    if estimate.kind == "unknown":
        labels = "、".join((declared.get(k) or {}).get("label", k) for k in estimate.missing)
        return AmountTerms(
            pending=_("The amount follows from what you claim: fill in %(inputs)s first.")
            % {"inputs": labels or _("the claim")}
        )
    if estimate.kind not in ("exact", "range"):
        return None
    low, high, why = casework.bounds_of(estimate, rule)
    if low == high:
        return AmountTerms(exact=low, low=low, high=high, why=why)
    return AmountTerms(low=low, high=high, why=why)


def requested_amount_problem(application: Application, amount: Decimal | None) -> str | None:
    """Why an amount requested does not fit the rule for this claim (None: it fits, or the rule
    fixes the amount itself and the request is not asked for)."""
    terms = amount_terms(application)
    if terms is None or not terms.open:
        return None
    if amount is None:
        return _("Give the amount you request (%(terms)s).") % {"terms": terms.words}
    if amount <= 0:
        return _("The amount requested must be more than 0.")
    if amount < terms.low or (terms.high is not None and amount > terms.high):
        return _("The amount requested (%(amount)s) must be %(terms)s: %(why)s.") % {
            "amount": format_wan(amount),
            "terms": terms.words,
            "why": terms.why,
        }
    return None


# A mainland mobile (optionally +86) or a landline with its area code (010, 0315 …) and an
# optional extension. Local numbers never start with 0 or 1, which also refuses 0315-0000000.
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_LANDLINE = re.compile(
    r"\(?(0(?:[12]\d|[3-9]\d{2}))\)?-?([2-9]\d{6,7})(?:(?:-|转|ext\.?)(\d{1,6}))?"
)


def phone_normalised(value: str) -> str | None:
    """The phone number in one written form (13812345678, 0315-2345678, 0315-2345678-801), or
    None when it is neither a mainland mobile nor a landline with its area code."""
    text = unicodedata.normalize("NFKC", value or "")
    text = re.sub(r"[\s\u00a0]+", "", text).replace("—", "-").replace("－", "-")
    if len(text) > 30:
        return None
    if match := _MOBILE.fullmatch(text.replace("-", "")):
        return match.group(1)
    if match := _LANDLINE.fullmatch(text):
        area, number, extension = match.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    return None


def sending_problems(application: Application) -> list[str]:
    """Everything that stops the enterprise from sending the case: the submission's problems,
    the contact, and the amount requested where the rule leaves it open."""
    problems = casework.submission_problems(application)
    if not application.enterprise.is_verified:
        problems.insert(0, str(AWAITING_VERIFICATION))
    if not application.contact_name.strip():
        problems.append(_("Give the contact person for this application."))
    if not application.contact_phone:
        problems.append(_("Give the contact phone for this application."))
    elif phone_normalised(application.contact_phone) is None:
        problems.append(_("The contact phone is not a mobile or a landline with its area code."))
    amount = requested_amount_problem(application, application.requested_amount)
    if amount:
        problems.append(amount)
    if application.state == State.OFFERED and not application.bank_account.strip():
        problems.append(_("Give the bank account the money is paid to."))
    return problems


def application_fingerprint(application: Application) -> str:
    """A digest of what the confirmation page shows, so a case changed in another tab since is
    not sent unseen."""
    latest = {}
    for label, file_id in application.materials.order_by("added_at", "pk").values_list(
        "label", "file_id"
    ):
        latest[label] = file_id
    shown = [
        application.form_data,
        application.contact_name,
        application.contact_phone,
        str(application.requested_amount),
        application.bank_account,
        sorted(latest.items()),
    ]
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()[:32]


def case_in_the_way(*, enterprise_id: int, item: IncentiveItem, on: datetime.date):
    """The enterprise's case that 申报 on this item leads to: the open one (any year for a
    once-only award, this year's otherwise; as ``application_start`` resumes it), else the case
    whose grant already uses what a new claim would need (the ledger's slot)."""
    period = casework.period_for(on=on)
    open_cases = Application.objects.filter(
        enterprise_id=enterprise_id, item=item, state__in=OPEN_STATES
    )
    if item.pays != PaysOnce.ONCE:
        open_cases = open_cases.filter(period=period)
    case = open_cases.order_by("-created_at").first()
    if case is not None or item.pays in (PaysOnce.PER_PROJECT, PaysOnce.PER_CLAIM):
        return case
    grant = ledger.earlier_grant(
        enterprise_id=enterprise_id,
        item=item,
        slot=ledger.slot_for(item=item, period=period, form_data={}, reference=""),
    )
    if grant is None or not grant.reference:
        return None
    return Application.objects.filter(
        enterprise_id=enterprise_id, reference=grant.reference
    ).first()


@dataclass(frozen=True)
class DecisionExpected:
    """When the enterprise may expect the decision: the 兑现时限 in working days, counted from
    acceptance (受理), or from submission while the case waits to be accepted."""

    days: int
    on: datetime.date | None  # None: the case is not sent yet
    counted_from: str  # "accepted", "submitted", "" (not sent)
    uncovered_years: tuple[int, ...] = ()


def decision_expected(application: Application) -> DecisionExpected | None:
    """None once the case is decided or closed."""
    if application.state not in (
        State.DRAFT,
        State.OFFERED,
        State.SUBMITTED,
        State.RESUBMITTED,
        State.ACCEPTED,
        State.SUPPLEMENT,
        State.COSIGN,
        State.SIGNOFF,
    ):
        return None
    days = casework.processing_days(application.item)
    if application.accepted_on:
        start, counted_from = application.accepted_on, "accepted"
    elif application.submitted_at:
        start, counted_from = timezone.localdate(application.submitted_at), "submitted"
    else:
        return DecisionExpected(days=days, on=None, counted_from="")
    days_calendar = casework.calendar()
    on = application.deadline or days_calendar.add_working_days(start, days)
    return DecisionExpected(
        days=days,
        on=on,
        counted_from=counted_from,
        uncovered_years=tuple(days_calendar.uncovered_years(start, on)),
    )
