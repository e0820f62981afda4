"""The application workflow in one place: every transition, who may take it, and why it may be
refused. Views show the refused ones as disabled buttons with their reason.

draft → submitted → 受理 accepted (or 退回 returned) → 补正 supplement ⇄ resubmitted → 会签 cosign →
approved / rejected → 公示 publicized (an objection reopens) → 已兑现 disbursed. Provincial money
ends in 推荐上报 recommended instead. The enterprise may withdraw before a decision. 免申即享 cases
start as offered and the enterprise confirms.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, State
from portal.models import BureauPosition, Role

ENTERPRISE, LEAD, LEAD_HEAD, SYSTEM = "enterprise", "lead", "lead_head", "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    actor: str
    label: str | Promise
    needs_comment: bool = False
    style: str = "primary"


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("submit", (State.DRAFT,), State.SUBMITTED, ENTERPRISE, gettext_lazy("Submit")),
        Transition(
            "confirm",
            (State.OFFERED,),
            State.SUBMITTED,
            ENTERPRISE,
            gettext_lazy("Confirm and claim"),
        ),
        Transition(
            "resubmit", (State.SUPPLEMENT,), State.RESUBMITTED, ENTERPRISE, gettext_lazy("Resubmit")
        ),
        Transition(
            "withdraw",
            (
                State.OFFERED,
                State.DRAFT,
                State.SUBMITTED,
                State.ACCEPTED,
                State.SUPPLEMENT,
                State.RESUBMITTED,
                State.COSIGN,
            ),
            State.WITHDRAWN,
            ENTERPRISE,
            gettext_lazy("Withdraw"),
            style="outline-danger",
        ),
        Transition(
            "accept",
            (State.SUBMITTED, State.RESUBMITTED),
            State.ACCEPTED,
            LEAD,
            gettext_lazy("Accept (受理)"),
        ),
        Transition(
            "return",
            (State.SUBMITTED,),
            State.RETURNED,
            LEAD,
            gettext_lazy("Return (退回)"),
            needs_comment=True,
            style="outline-danger",
        ),
        Transition(
            "request_supplement",
            (State.SUBMITTED, State.ACCEPTED, State.RESUBMITTED),
            State.SUPPLEMENT,
            LEAD,
            gettext_lazy("Ask for a supplement (补正)"),
            needs_comment=True,
            style="outline-primary",
        ),
        Transition(
            "request_cosign",
            (State.ACCEPTED,),
            State.COSIGN,
            LEAD,
            gettext_lazy("Ask for co-review (会签)"),
            style="outline-primary",
        ),
        Transition(
            "approve",
            (State.ACCEPTED, State.COSIGN),
            State.APPROVED,
            LEAD_HEAD,
            gettext_lazy("Approve"),
        ),
        Transition(
            "reject",
            (State.ACCEPTED, State.COSIGN),
            State.REJECTED,
            LEAD_HEAD,
            gettext_lazy("Do not support"),
            needs_comment=True,
            style="outline-danger",
        ),
        Transition(
            "publicize", (State.APPROVED,), State.PUBLICIZED, LEAD, gettext_lazy("Publicise (公示)")
        ),
        Transition(
            "reopen",
            (State.PUBLICIZED,),
            State.ACCEPTED,
            SYSTEM,
            gettext_lazy("Reopen after an objection"),
            needs_comment=True,
        ),
        Transition(
            "disburse",
            (State.PUBLICIZED,),
            State.DISBURSED,
            LEAD,
            gettext_lazy("Record payment (兑现)"),
        ),
    ]
}


# Events that are not transitions of their own.
EVENT_LABELS = {
    "create": gettext_lazy("Application started"),
    "offer": gettext_lazy("Offered without application"),
    "cosign_answer": gettext_lazy("Co-review answered"),
}


def is_provincial(application: Application) -> bool:
    """Provincial money is recommended upward (推荐上报), not paid by the city."""
    return application.item.funding_level == "provincial"


def target_of(transition: Transition, application: Application) -> str:
    if transition.action == "approve" and is_provincial(application):
        return State.RECOMMENDED
    return transition.target


def actor_refusal(transition: Transition, application: Application, user) -> str | None:
    """Why this user may not take this transition on this case (None: they may)."""
    if transition.actor == SYSTEM:
        return _("Only the portal takes this step (after an objection).")
    if not user.is_authenticated:
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


def state_refusal(transition: Transition, application: Application) -> str | None:
    """Why the case's state or data do not allow the step now (None: they do)."""
    if application.state not in transition.sources:
        return _("Not possible while the case is “%(state)s”.") % {
            "state": application.get_state_display()
        }
    if transition.action in ("approve", "reject") and application.state == State.COSIGN:
        waiting = list(
            application.cosigns.filter(answered_at__isnull=True).values_list(
                "bureau__name", flat=True
            )
        )
        if waiting:
            return _("Waiting for the co-review of: %(bureaus)s.") % {"bureaus": "、".join(waiting)}
    if (
        transition.action == "disburse"
        and application.publicity_ends
        and timezone.localdate() <= application.publicity_ends
    ):
        return _("The publicity runs until %(date)s.") % {"date": application.publicity_ends}
    if transition.action == "publicize" and is_provincial(application):
        return _("Provincial money is recommended upward, not publicised here.")
    return None


def refusal(action: str, application: Application, user) -> str | None:
    transition = TRANSITIONS[action]
    return actor_refusal(transition, application, user) or state_refusal(transition, application)


@dataclass
class ActionChoice:
    transition: Transition
    allowed: bool
    reason: str


def actions_for(application: Application, user) -> list[ActionChoice]:
    """The steps this user could take on this case, each allowed or disabled with its reason."""
    choices = []
    for transition in TRANSITIONS.values():
        if transition.actor == SYSTEM or application.state not in transition.sources:
            continue
        if actor_refusal(transition, application, user):
            continue
        reason = state_refusal(transition, application)
        choices.append(ActionChoice(transition, reason is None, reason or ""))
    return choices
