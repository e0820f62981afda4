"""Selectors of accounts: they read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accounts.models import Invitation, User
from organisations.models import Bureau

if TYPE_CHECKING:  # enterprises sits above accounts: only the type is named here
    from enterprises.models import Enterprise


def enterprise_colleagues(*, enterprise: Enterprise) -> QuerySet[User]:
    return enterprise.users.filter(is_active=True).order_by("username")


def enterprise_accounts(*, enterprise: Enterprise) -> QuerySet[User]:
    """Every account of the enterprise, the deactivated ones last (its administrator may
    reactivate them)."""
    return enterprise.users.order_by("-is_active", "username")


def bureau_staff(*, bureau: Bureau) -> QuerySet[User]:
    return bureau.staff.order_by("-bureau_position", "username")


def enterprise_pending_invitations(*, enterprise: Enterprise) -> QuerySet[Invitation]:
    return enterprise.invitations.filter(accepted_at__isnull=True).select_related("invited_by")


def invitation_by_token(*, token: str) -> Invitation | None:
    if "\x00" in token:  # no token has one, and PostgreSQL refuses to compare with it
        return None
    return Invitation.objects.select_related("enterprise").filter(token=token).first()


def enterprise_admins(*, enterprise: Enterprise) -> QuerySet[User]:
    return enterprise.users.filter(is_active=True, is_enterprise_admin=True).order_by("username")
