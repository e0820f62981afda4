"""The application workflow as data: every transition with who may take it, the guards that may
refuse it (shown as disabled buttons with their reason), its effect on the case and the ledger,
and whom it notifies. ``services.transition`` runs any of them the same way: lock the case →
check actor, state and guards → effect → event → notify.

draft → submitted → 受理 accepted (or 退回 returned) → 补正 supplement ⇄ resubmitted → 会签 cosign →
approved (above the item's threshold after a second head's sign-off, 双人复核) / rejected → 公示
publicized → 已兑现 disbursed. Provincial money ends in 推荐上报 recommended instead. An objection
during 公示 changes nothing by itself: the lead bureau's head upholds it (the case goes back to
review and its grant is reversed) or dismisses it with a reason. The enterprise may withdraw
before a decision. 免申即享 cases start as offered and the enterprise confirms.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import BureauPosition, Role
from applications import casework, ledger
from applications.casework import ApplicationError
from applications.models import ACTION_LABELS, Application, CosignRequest, Objection, State
from applications.notifications import TO_ENTERPRISE, TO_LEAD
from enterprises.models import AccountStatus
from enterprises.verification import AWAITING_VERIFICATION
from incentives import selectors as catalogue_selectors
from incentives.models import AssignmentRole
from portal import clock

ENTERPRISE, LEAD, LEAD_HEAD = "enterprise", "lead", "lead_head"
# Whom a step notifies: the enterprise or the lead bureau(s) (``notifications.notify``'s ``to``),
# the bureaus it names (会签), nobody.
TO_NAMED, TO_NOBODY = "named", "nobody"


@dataclass
class Step:
    """One step being taken: the locked case, who takes it, what they gave, and what the
    effect decided (target, fields to save, the event's amount, bureaus to notify)."""

    application: Application
    user: Any
    on: datetime.date
    comment: str = ""
    amount: Decimal | None = None
    paid_on: datetime.date | None = None
    payment_reference: str = ""
    cosign_bureau_ids: list[int] = field(default_factory=list)
    bank_account: str = ""
    objection_id: int | None = None
    target: str = ""
    fields: list[str] = field(default_factory=lambda: ["state"])
    event_amount: Decimal | None = None
    bureaus: list = field(default_factory=list)
    recipients: str = ""
    # The notice's wording when it is not the action's own (an approval proposed for sign-off
    # tells the lead bureau so, not "your application was approved").
    notice: str = ""

    def set(self, **values) -> None:
        for name, value in values.items():
            setattr(self.application, name, value)
            self.fields.append(name)


Guard = Callable[[Application], "str | None"]
Effect = Callable[[Step], None]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    actor: str
    recipients: str = TO_ENTERPRISE
    guards: tuple[Guard, ...] = ()
    effect: Effect | None = None
    # Refusals that depend on who takes the step, beyond their role (the second head).
    actor_guard: Callable[[Application, Any], str | None] | None = None
    needs_comment: bool = False
    style: str = "primary"

    @property
    def label(self) -> str | Promise:
        return ACTION_LABELS[self.action]


# ---------------------------------------------------------------------------------------------
# Guards: why the case's state or data do not allow a step now
# ---------------------------------------------------------------------------------------------


def is_provincial(application: Application) -> bool:
    """Provincial money is recommended upward (推荐上报), not paid by the city."""
    return application.item.funding_level == "provincial"


def cosign_answered(application: Application) -> str | None:
    if application.state != State.COSIGN:
        return None
    waiting = list(
        application.cosigns.filter(answered_at__isnull=True).values_list("bureau__name", flat=True)
    )
    if waiting:
        return _("Waiting for the co-review of: %(bureaus)s.") % {"bureaus": "、".join(waiting)}
    return None


def claim_allowed(application: Application) -> str | None:
    """The money invariants: the item serves the enterprise and the ledger has room."""
    return casework.claim_refusal(application)


def enterprise_verified(application: Application) -> str | None:
    """Only an enterprise whose account a bureau verified submits, confirms or is paid."""
    if application.enterprise.account_status != AccountStatus.VERIFIED:
        return str(AWAITING_VERIFICATION)
    return None


def not_provincial(application: Application) -> str | None:
    if is_provincial(application):
        return _("Provincial money is recommended upward, not publicised here.")
    return None


def publicity_over(application: Application) -> str | None:
    if application.publicity_ends and clock.today() <= application.publicity_ends:
        return _("The publicity runs until %(date)s.") % {"date": application.publicity_ends}
    return None


def no_pending_objection(application: Application) -> str | None:
    if application.objections.filter(status=Objection.Status.PENDING).exists():
        return _("An objection awaits the bureau's decision.")
    return None


def has_pending_objection(application: Application) -> str | None:
    if not application.objections.filter(status=Objection.Status.PENDING).exists():
        return _("No objection awaits a decision.")
    return None


def not_the_proposer(application: Application, user) -> str | None:
    proposal = application.events.filter(action="approve").order_by("-at", "-pk").first()
    if proposal is not None and proposal.actor_id == user.pk:
        return _("A second head signs off: not the one who proposed the amount.")
    return None


# ---------------------------------------------------------------------------------------------
# Effects
# ---------------------------------------------------------------------------------------------


def _submitted(step: Step) -> None:
    problems = casework.submission_problems(step.application)
    if problems:
        raise ApplicationError(" ".join(problems))
    step.set(submitted_at=timezone.now())


def submit_effect(step: Step) -> None:
    _submitted(step)
    step.application.lead_bureaus.set(casework.routing_bureaus(item=step.application.item))


def confirm_effect(step: Step) -> None:
    if not step.bank_account.strip():
        raise ApplicationError(_("Give the bank account the money is paid to."))
    step.set(bank_account=step.bank_account.strip())
    submit_effect(step)


def accept_effect(step: Step) -> None:
    item = step.application.item
    step.set(
        accepted_on=step.on,
        deadline=casework.calendar().add_working_days(step.on, casework.processing_days(item)),
    )


def cosign_effect(step: Step) -> None:
    application = step.application
    responsible = catalogue_selectors.item_bureaus(application.item, AssignmentRole.RESPONSIBLE)
    allowed = {
        b.pk: b for b in responsible if b.city_id == application.item.measure.document.region_id
    }
    chosen = [allowed[pk] for pk in step.cosign_bureau_ids if pk in allowed] or list(
        allowed.values()
    )
    lead_ids = set(application.lead_bureaus.values_list("pk", flat=True))
    step.bureaus = [b for b in chosen if b.pk not in lead_ids]
    if not step.bureaus:
        raise ApplicationError(_("The annex names no responsible unit to ask for co-review."))
    CosignRequest.objects.bulk_create(
        CosignRequest(application=application, bureau=b, requested_by=step.user)
        for b in step.bureaus
    )


def _decided_target(application: Application) -> str:
    return State.RECOMMENDED if is_provincial(application) else State.APPROVED


def _grant(step: Step, amount: Decimal | None) -> None:
    """The decision: check the amount again under the budget's lock, record the grant."""
    application = step.application
    problems = casework.approval_problems(application, amount, lock_budget=True)
    if problems:
        raise ApplicationError(" ".join(problems))
    if amount:
        try:
            ledger.grant_record(application=application, amount=amount, on=step.on)
        except ledger.LedgerRefusal as refusal:
            raise ApplicationError(str(refusal)) from refusal
    step.set(approved_amount=amount, decided_at=timezone.now())
    step.target = _decided_target(application)
    step.event_amount = amount


def approve_effect(step: Step) -> None:
    application = step.application
    amount = step.amount
    if amount and amount > casework.second_review_above(application.item):
        # 双人复核: the amount is proposed; a second head's sign-off records the grant.
        problems = casework.approval_problems(application, amount, lock_budget=False)
        if problems:
            raise ApplicationError(" ".join(problems))
        step.set(approved_amount=amount)
        step.target, step.event_amount, step.recipients = State.SIGNOFF, amount, TO_LEAD
        step.notice = "propose_sign_off"
        return
    _grant(step, amount)


def sign_off_effect(step: Step) -> None:
    _grant(step, step.application.approved_amount)


def decline_sign_off_effect(step: Step) -> None:
    step.set(approved_amount=None)


def reject_effect(step: Step) -> None:
    step.set(decided_at=timezone.now())


def publicize_effect(step: Step) -> None:
    days = step.application.item.publicity_days or settings.DEFAULT_PUBLICITY_DAYS
    step.set(publicity_ends=casework.calendar().add_working_days(step.on, days))


def _pending_objection(step: Step) -> Objection:
    objection = (
        step.application.objections.select_for_update()
        .filter(pk=step.objection_id, status=Objection.Status.PENDING)
        .first()
    )
    if objection is None:
        raise ApplicationError(_("Choose an objection that awaits a decision."))
    return objection


def _decide_objection(step: Step, status: str) -> Objection:
    objection = _pending_objection(step)
    objection.status = status
    objection.decided_by, objection.decided_at = step.user, timezone.now()
    objection.decision_reason = step.comment.strip()
    objection.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    return objection


def uphold_objection_effect(step: Step) -> None:
    """The bureau finds the objection well founded: the grant is reversed, with who and why,
    and the case goes back to review."""
    objection = _decide_objection(step, Objection.Status.UPHELD)
    reason = _("Objection upheld: %(reason)s") % {"reason": step.comment.strip()}
    ledger.grant_reverse(application=step.application, user=step.user, reason=reason)
    step.set(approved_amount=None, decided_at=None, publicity_ends=None)
    step.comment = f"{step.comment.strip()}（{_('objection')}：{objection.text[:200]}）"


def dismiss_objection_effect(step: Step) -> None:
    objection = _decide_objection(step, Objection.Status.DISMISSED)
    step.comment = f"{step.comment.strip()}（{_('objection')}：{objection.text[:200]}）"


def disburse_effect(step: Step) -> None:
    if not step.paid_on or not step.payment_reference.strip():
        raise ApplicationError(_("Give the payment date and the payment reference."))
    step.set(paid_on=step.paid_on, payment_reference=step.payment_reference.strip())


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

BEFORE_DECISION = (
    State.OFFERED,
    State.DRAFT,
    State.SUBMITTED,
    State.ACCEPTED,
    State.SUPPLEMENT,
    State.RESUBMITTED,
    State.COSIGN,
)

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "submit",
            (State.DRAFT,),
            State.SUBMITTED,
            ENTERPRISE,
            recipients=TO_LEAD,
            guards=(enterprise_verified, claim_allowed),
            effect=submit_effect,
        ),
        Transition(
            "confirm",
            (State.OFFERED,),
            State.SUBMITTED,
            ENTERPRISE,
            recipients=TO_LEAD,
            guards=(enterprise_verified, claim_allowed),
            effect=confirm_effect,
        ),
        Transition(
            "resubmit",
            (State.SUPPLEMENT,),
            State.RESUBMITTED,
            ENTERPRISE,
            recipients=TO_LEAD,
            guards=(enterprise_verified, claim_allowed),
            effect=_submitted,
        ),
        Transition(
            "withdraw",
            BEFORE_DECISION,
            State.WITHDRAWN,
            ENTERPRISE,
            recipients=TO_LEAD,
            style="outline-danger",
        ),
        Transition(
            "accept",
            (State.SUBMITTED, State.RESUBMITTED),
            State.ACCEPTED,
            LEAD,
            guards=(claim_allowed,),
            effect=accept_effect,
        ),
        Transition(
            "return",
            (State.SUBMITTED,),
            State.RETURNED,
            LEAD,
            needs_comment=True,
            style="outline-danger",
        ),
        Transition(
            "request_supplement",
            (State.SUBMITTED, State.ACCEPTED, State.RESUBMITTED),
            State.SUPPLEMENT,
            LEAD,
            needs_comment=True,
            style="outline-primary",
        ),
        Transition(
            "request_cosign",
            (State.ACCEPTED,),
            State.COSIGN,
            LEAD,
            recipients=TO_NAMED,
            effect=cosign_effect,
            style="outline-primary",
        ),
        Transition(
            "approve",
            (State.ACCEPTED, State.COSIGN),
            State.APPROVED,
            LEAD_HEAD,
            guards=(cosign_answered, claim_allowed),
            effect=approve_effect,
        ),
        Transition(
            "sign_off",
            (State.SIGNOFF,),
            State.APPROVED,
            LEAD_HEAD,
            guards=(claim_allowed,),
            effect=sign_off_effect,
            actor_guard=not_the_proposer,
        ),
        Transition(
            "decline_sign_off",
            (State.SIGNOFF,),
            State.ACCEPTED,
            LEAD_HEAD,
            recipients=TO_LEAD,
            effect=decline_sign_off_effect,
            actor_guard=not_the_proposer,
            needs_comment=True,
            style="outline-danger",
        ),
        Transition(
            "reject",
            (State.ACCEPTED, State.COSIGN, State.SIGNOFF),
            State.REJECTED,
            LEAD_HEAD,
            guards=(cosign_answered,),
            effect=reject_effect,
            needs_comment=True,
            style="outline-danger",
        ),
        Transition(
            "publicize",
            (State.APPROVED,),
            State.PUBLICIZED,
            LEAD,
            guards=(not_provincial,),
            effect=publicize_effect,
        ),
        Transition(
            "uphold_objection",
            (State.PUBLICIZED,),
            State.ACCEPTED,
            LEAD_HEAD,
            guards=(has_pending_objection,),
            effect=uphold_objection_effect,
            needs_comment=True,
            style="outline-danger",
        ),
        Transition(
            "dismiss_objection",
            (State.PUBLICIZED,),
            State.PUBLICIZED,
            LEAD_HEAD,
            recipients=TO_NOBODY,
            guards=(has_pending_objection,),
            effect=dismiss_objection_effect,
            needs_comment=True,
            style="outline-primary",
        ),
        Transition(
            "disburse",
            (State.PUBLICIZED,),
            State.DISBURSED,
            LEAD,
            guards=(enterprise_verified, publicity_over, no_pending_objection),
            effect=disburse_effect,
        ),
    ]
}


def actor_refusal(transition: Transition, application: Application, user) -> str | None:
    """Why this user may not take this transition on this case (None: they may)."""
    if user is None or not user.is_authenticated:
        return _("Log in first.")
    if transition.actor == ENTERPRISE:
        if user.role != Role.ENTERPRISE or user.enterprise_id != application.enterprise_id:
            return _("Only the applying enterprise may do this.")
        return None
    if user.role != Role.BUREAU or not application.lead_bureaus.filter(pk=user.bureau_id).exists():
        return _("Only the lead bureau of this case may do this.")
    if transition.actor == LEAD_HEAD and user.bureau_position != BureauPosition.HEAD:
        return _("Only the head of the lead bureau decides.")
    return None


def person_refusal(transition: Transition, application: Application, user) -> str | None:
    """Why this particular person may not take a step their role allows (the second head)."""
    if transition.actor_guard is not None:
        return transition.actor_guard(application, user)
    return None


def state_refusal(transition: Transition, application: Application) -> str | None:
    """Why the case's state or data do not allow the step now (None: they do)."""
    if application.state not in transition.sources:
        return _("Not possible while the case is “%(state)s”.") % {
            "state": application.get_state_display()
        }
    for guard in transition.guards:
        reason = guard(application)
        if reason:
            return reason
    return None


def refusal(action: str, application: Application, user) -> str | None:
    transition = TRANSITIONS[action]
    return (
        actor_refusal(transition, application, user)
        or person_refusal(transition, application, user)
        or state_refusal(transition, application)
    )


@dataclass
class ActionChoice:
    transition: Transition
    allowed: bool
    reason: str


def actions_for(application: Application, user) -> list[ActionChoice]:
    """The steps this user could take on this case, each allowed or disabled with its reason."""
    choices = []
    for transition in TRANSITIONS.values():
        if application.state not in transition.sources:
            continue
        if actor_refusal(transition, application, user):
            continue
        reason = person_refusal(transition, application, user) or state_refusal(
            transition, application
        )
        choices.append(ActionChoice(transition, reason is None, reason or ""))
    return choices
