"""Selectors of applications: they read, and they decide who may see what."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Role
from applications.models import (
    RUNNING_STATES,
    Application,
    CaseEvent,
    CosignRequest,
    Notification,
    State,
)
from incentives.models import EnterpriseNotice, Match
from portal import clock

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
    return Match.objects.filter(enterprise=application.enterprise, item=application.item).first()


def bureau_queue(*, user, filters: dict) -> QuerySet[Application]:
    queue = visible_applications(user=user).select_related("item", "enterprise__district")
    if filters.get("state"):
        queue = queue.filter(state=filters["state"])
    if filters.get("item"):
        queue = queue.filter(item=filters["item"])
    if filters.get("district"):
        queue = queue.filter(enterprise__district=filters["district"])
    if filters.get("overdue"):
        queue = queue.filter(state__in=RUNNING, deadline__lt=clock.today())
    return queue.order_by(filters.get("sort") or "-submitted_at", "pk")


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
