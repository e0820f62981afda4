"""Selectors of applications: they read, and they decide who may see what."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import BureauPosition, Role
from applications import workflow
from applications.models import (
    RUNNING_STATES,
    Application,
    CaseEvent,
    CosignRequest,
    Notification,
    State,
)
from incentives import shown
from incentives.models import EnterpriseNotice, Match
from portal import clock
from portal.validators import normalise_code

RUNNING = RUNNING_STATES


def visible_applications(*, user) -> QuerySet[Application]:
    """Cases a user may open: the enterprise's own; a bureau's led or co-reviewed cases."""
    if not user.is_authenticated:
        return Application.objects.none()
    if user.role == Role.ENTERPRISE:
        return Application.objects.filter(enterprise_id=user.enterprise_id)
    if user.role == Role.BUREAU:
        return (
            Application.objects.filter(
                Q(lead_bureaus=user.bureau_id) | Q(cosigns__bureau=user.bureau_id)
            )
            .exclude(state__in=[State.DRAFT, State.OFFERED])
            .distinct()
        )
    return Application.objects.none()


def case_detail(*, user, reference: str) -> Application:
    if "\x00" in reference:  # no case number has one, and PostgreSQL refuses to compare with it
        raise Application.DoesNotExist
    return (
        visible_applications(user=user)
        .select_related(
            "item__measure__document__region", "enterprise__city", "enterprise__district"
        )
        .prefetch_related(
            "lead_bureaus",
            Prefetch(
                "events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "pk")
            ),
            Prefetch(
                "cosigns", queryset=CosignRequest.objects.select_related("bureau", "answered_by")
            ),
            "materials__file",
        )
        .get(reference=reference)
    )


def case_match(*, application: Application) -> Match | None:
    """The enterprise's verdict on the case's item, stored or derived (an item out of force)."""
    return shown.enterprise_match(enterprise=application.enterprise, item=application.item)


QUEUE_WAITING, QUEUE_ALL = "waiting", "all"


def bureau_waiting_states(*, user) -> set[str]:
    """States in which the lead bureau must act, read from the workflow: the sources of every
    step this user's role could take (a head's decisions only for heads)."""
    head = user.bureau_position == BureauPosition.HEAD
    return {
        state
        for t in workflow.TRANSITIONS.values()
        if t.actor == workflow.LEAD or (t.actor == workflow.LEAD_HEAD and head)
        for state in t.sources
    }


def bureau_waiting(*, user) -> QuerySet[Application]:
    """Cases waiting for this user's bureau: led in a state where it must act, or co-reviewed
    with its opinion still unanswered (会签)."""
    return Application.objects.filter(
        Q(lead_bureaus=user.bureau_id, state__in=bureau_waiting_states(user=user))
        | Q(
            state=State.COSIGN,
            cosigns__bureau=user.bureau_id,
            cosigns__answered_at__isnull=True,
        )
    )


def queue_search(queue: QuerySet[Application], text: str) -> QuerySet[Application]:
    """Company name (contains), credit code (exact or prefix, typed with spaces or lower case)
    or case number (exact or contains)."""
    text = text.replace("\x00", "").strip()
    if not text:
        return queue
    match = Q(enterprise__name__icontains=text) | Q(reference__icontains=text)
    code = normalise_code(text)
    if code and code.isascii() and code.isalnum() and len(code) <= 18:
        match |= Q(enterprise__credit_code__startswith=code)
    return queue.filter(match)


def bureau_queue(*, user, filters: dict) -> QuerySet[Application]:
    """The queue: by default the cases waiting for this bureau (``show`` = ``all``: every case
    it may open), narrowed by the filters and the search."""
    queue = visible_applications(user=user).select_related("item", "enterprise__district")
    if (filters.get("show") or QUEUE_WAITING) != QUEUE_ALL:
        queue = queue.filter(pk__in=bureau_waiting(user=user).values("pk"))
    if filters.get("q"):
        queue = queue_search(queue, filters["q"])
    if filters.get("state"):
        queue = queue.filter(state=filters["state"])
    if filters.get("item"):
        queue = queue.filter(item=filters["item"])
    if filters.get("district"):
        queue = queue.filter(enterprise__district=filters["district"])
    if filters.get("overdue"):
        queue = queue.filter(state__in=RUNNING, deadline__lt=clock.today())
    return queue.order_by(filters.get("sort") or "-submitted_at", "pk")


def head_only_decisions(*, application: Application, user) -> list[workflow.ActionChoice]:
    """For lead-bureau staff who are not heads: the decisions a head takes on this case now
    (核定), shown disabled with the reason, so a reviewer sees the step and who takes it."""
    choices = []
    for action in DECISIONS_SHOWN_TO_REVIEWERS:
        transition = workflow.TRANSITIONS[action]
        if application.state not in transition.sources or transition.actor != workflow.LEAD_HEAD:
            continue
        if (
            workflow.actor_refusal(workflow.TRANSITIONS["accept"], application, user)
            or user.bureau_position == BureauPosition.HEAD
        ):
            continue  # not lead-bureau staff, or a head, who sees the step itself
        reason = workflow.actor_refusal(transition, application, user) or ""
        choices.append(workflow.ActionChoice(transition, False, reason))
    return choices


DECISIONS_SHOWN_TO_REVIEWERS = ("approve",)


def inbox(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(
        user=user, channel=Notification.Channel.INBOX, status=Notification.Status.SENT
    ).select_related("application__item")


@dataclass(frozen=True)
class InboxEntry:
    """One line of the inbox: a case's notice (``case``) or a policy notice of the enterprise
    (``policy``: newly eligible, a window opening)."""

    source: str
    pk: int
    subject: str
    body: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


INBOX_LIMIT = 500  # the newest of each kind; older ones stay in the database


def inbox_entries(*, user) -> list[InboxEntry]:
    """Everything the user is told, newest first: their case notices and, for an enterprise
    account, the enterprise's policy notices."""
    entries = [
        InboxEntry("case", n.pk, n.subject, n.body, n.created_at, n.read_at)
        for n in inbox(user=user).order_by("-created_at")[:INBOX_LIMIT]
    ]
    if user.enterprise_id:
        entries += [
            InboxEntry(
                "policy",
                n.pk,
                n.item.name if n.item_id else n.get_kind_display(),
                n.message,
                n.created_at,
                n.read_at,
            )
            for n in EnterpriseNotice.objects.filter(enterprise_id=user.enterprise_id)
            .select_related("item")
            .order_by("-created_at")[:INBOX_LIMIT]
        ]
    return sorted(entries, key=lambda e: e.created_at, reverse=True)


def policy_notices(*, user) -> QuerySet[EnterpriseNotice]:
    if not user.enterprise_id:
        return EnterpriseNotice.objects.none()
    return EnterpriseNotice.objects.filter(enterprise_id=user.enterprise_id)


def publicity_list() -> QuerySet[Application]:
    return (
        Application.objects.filter(state=State.PUBLICIZED, publicity_ends__gte=clock.today())
        .select_related("item__measure__document", "enterprise")
        .order_by("publicity_ends", "pk")
    )
