"""Services of accounts: they write. Views, commands and tasks call these."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import BaseUserManager, Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Invitation, Role, User
from organisations.models import Bureau
from portal import throttles
from portal.mail import email_send

if TYPE_CHECKING:  # enterprises sits above accounts: only the type is named here
    from enterprises.models import Enterprise


class AccountError(Exception):
    """A request the portal refuses for a reason the person can act on (an invitation that has
    expired or was already used); the message is meant for them."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


CATALOGUE_ADMIN_GROUP = "政策管理员"


# Models a catalogue admin edits in the admin site; the catalogue issue adds its own models here.
CATALOGUE_ADMIN_MODELS = (
    "organisations.region",
    "organisations.bureau",
    "organisations.bureaualias",
    "incentives.fact",
    "incentives.policydocument",
    "incentives.measure",
    "incentives.incentiveitem",
    "incentives.awardrule",
    "incentives.condition",
    "incentives.goldencase",
    "incentives.assignment",
    "incentives.crossitemlimit",
    "incentives.changeproposal",
    "incentives.documentdraft",
    "applications.holiday",
    "applications.itembudget",
    "dashboard.target",
    "dashboard.targetvalue",
    "dashboard.indexscheme",
    "dashboard.indexdimension",
    "dashboard.indexindicator",
    "ratings.ratingsettings",
)


def catalogue_admin_group_sync() -> Group:
    """The group whose members may edit the catalogue in the admin site."""
    group, _ = Group.objects.get_or_create(name=CATALOGUE_ADMIN_GROUP)
    wanted = Permission.objects.none()
    for label in CATALOGUE_ADMIN_MODELS:
        app_label, model = label.split(".")
        wanted |= Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model
        )
    group.permissions.set(wanted)
    return group


@transaction.atomic
def user_save(
    *,
    username: str,
    password: str | None,
    role: str,
    full_name: str = "",
    email: str = "",
    enterprise: Enterprise | None = None,
    bureau: Bureau | None = None,
    bureau_position: str = "",
    is_enterprise_admin: bool = False,
    mobile: str | None = None,
) -> User:
    """Create an account, or bring an existing one with this username to the given role.

    A password of None keeps the current one; a mobile of None keeps the current one."""
    user = User.objects.filter(username=username).first() or User(username=username)
    user.full_name = full_name
    user.email = email
    if mobile is not None:
        user.mobile = mobile
    user.role = role
    user.enterprise = enterprise if role == Role.ENTERPRISE else None
    user.bureau = bureau if role == Role.BUREAU else None
    user.bureau_position = bureau_position if role == Role.BUREAU else ""
    user.is_enterprise_admin = is_enterprise_admin and role == Role.ENTERPRISE
    # Catalogue admins edit the catalogue in the admin site; nobody else gets in there.
    user.is_staff = role == Role.CATALOGUE_ADMIN or user.is_superuser
    if password is not None:
        user.set_password(password)
    user.full_clean()
    user.save()
    if role == Role.CATALOGUE_ADMIN:
        user.groups.add(catalogue_admin_group_sync())
    else:
        user.groups.remove(*Group.objects.filter(name=CATALOGUE_ADMIN_GROUP))
    return user


def username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def username_taken_error() -> ValidationError:
    return ValidationError({"username": User._meta.get_field("username").error_messages["unique"]})


@transaction.atomic
def invitation_create(*, enterprise: Enterprise, by: User, email: str, site_url: str) -> Invitation:
    """Invite a colleague by e-mail; the mail leaves once the transaction commits. Inviting an
    address that already has a pending invitation renews it (new link, seven more days)."""
    require_enterprise_admin(enterprise=enterprise, by=by)
    email = BaseUserManager.normalize_email(email.strip()).lower()
    if enterprise.users.filter(email__iexact=email, is_active=True).exists():
        raise ValidationError(
            {"email": _("%(email)s already has an account of this enterprise.") % {"email": email}}
        )
    hourly = settings.INVITATIONS_PER_ENTERPRISE_PER_HOUR
    daily = settings.INVITATIONS_PER_ENTERPRISE_PER_DAY
    if not throttles.throttle_take(
        scope="invitation",
        who=f"enterprise:{enterprise.pk}",
        limits=[(throttles.HOUR, hourly), (throttles.DAY, daily)],
    ):
        raise ValidationError(
            _(
                "Invitations are being sent too often: each enterprise may send at most "
                "%(hourly)d an hour and %(daily)d a day. Please try again later."
            )
            % {"hourly": hourly, "daily": daily},
            code="throttled",
        )
    return _invitation_send(
        enterprise=enterprise, by=by, email=email, site_url=site_url, as_administrator=False
    )


@transaction.atomic
def administrator_invitation_create(
    *, enterprise: Enterprise, by: User, email: str, site_url: str
) -> Invitation:
    """Invite the person a bureau verified to create the enterprise's administrator account.
    The caller (``enterprises.verification``) has checked that ``by`` may decide the claim."""
    email = BaseUserManager.normalize_email(email.strip()).lower()
    return _invitation_send(
        enterprise=enterprise, by=by, email=email, site_url=site_url, as_administrator=True
    )


def _invitation_send(
    *, enterprise: Enterprise, by: User, email: str, site_url: str, as_administrator: bool
) -> Invitation:
    invitation = (
        enterprise.invitations.select_for_update()
        .filter(email=email, accepted_at__isnull=True)
        .first()
    ) or Invitation(enterprise=enterprise, email=email)
    invitation.token = secrets.token_urlsafe(32)
    invitation.invited_by = by
    invitation.created_at = timezone.now()
    invitation.as_administrator = as_administrator
    invitation.full_clean()
    if invitation.pk:
        invitation.save(update_fields=["token", "invited_by", "created_at", "as_administrator"])
    else:
        invitation.save()

    # Only the enterprise's name comes from the inviter's side: not their own free text (a
    # full name can say anything), so the mail cannot be turned into someone else's message.
    context = {
        "enterprise": enterprise,
        "url": site_url.rstrip("/")
        + reverse("accounts:invitation_accept", kwargs={"token": invitation.token}),
        "expires_at": invitation.expires_at,
        "as_administrator": as_administrator,
    }
    email_send(
        subject=_("Invitation to join %(enterprise)s on the incentive portal")
        % {"enterprise": enterprise.name},
        body=loader.render_to_string("accounts/email/invitation.txt", context),
        to=[email],
    )
    return invitation


LAST_ADMINISTRATOR = gettext_lazy(
    "%(name)s is the enterprise's only active administrator and cannot be deactivated."
)


@transaction.atomic
def colleague_active_set(
    *, enterprise: Enterprise, by: User, colleague: User, active: bool
) -> User:
    """The enterprise's administrator deactivates a colleague (who can no longer log in, and is
    told nothing more of the enterprise) or reactivates them. Never oneself, never the last
    active administrator."""
    require_enterprise_admin(enterprise=enterprise, by=by)
    colleague = enterprise.users.select_for_update().get(pk=colleague.pk)
    if colleague.pk == by.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if colleague.is_active == active:
        return colleague
    if not active and colleague.is_enterprise_admin:
        others = enterprise.users.filter(is_active=True, is_enterprise_admin=True).exclude(
            pk=colleague.pk
        )
        if not others.exists():
            raise ValidationError(LAST_ADMINISTRATOR % {"name": colleague})
    colleague.is_active = active
    colleague._history_user = by
    colleague.save(update_fields=["is_active"])
    return colleague


def password_reset_throttle(*, email: str, client_ip: str | None) -> bool:
    """Count one password-reset request. Raise AccountError when the client's address has asked
    too often (said on the form: it reveals nothing about accounts); return False when this
    e-mail address has had its share of mails for the hour — nothing is sent, and the page
    still says "sent", as it does for an unknown address; True to send."""
    if not throttles.throttle_take(
        scope="password-reset-ip",
        who=client_ip or "unknown",
        limits=[(throttles.HOUR, settings.PASSWORD_RESETS_PER_IP_PER_HOUR)],
    ):
        raise AccountError(
            _("Too many password-reset requests from your network. Please try again in an hour.")
        )
    return throttles.throttle_take(
        scope="password-reset-address",
        who=BaseUserManager.normalize_email(email.strip()).lower(),
        limits=[(throttles.HOUR, settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR)],
    )


@transaction.atomic
def invitation_revoke(*, enterprise: Enterprise, by: User, invitation: Invitation) -> None:
    require_enterprise_admin(enterprise=enterprise, by=by)
    enterprise.invitations.filter(pk=invitation.pk, accepted_at__isnull=True).delete()


def invitation_check(*, invitation: Invitation) -> None:
    """Refuse an invitation that was used or has expired, saying which."""
    if invitation.accepted_at is not None:
        raise AccountError(
            _("This invitation has already been used. Log in with the account created with it.")
        )
    if invitation.is_expired():
        raise AccountError(
            _(
                "This invitation expired on %(date)s. Ask the administrator of %(enterprise)s "
                "to invite you again."
            )
            % {
                "date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
                "enterprise": invitation.enterprise.name,
            }
        )


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, username: str, full_name: str, password: str
) -> User:
    """Create the invited person's account: a colleague (an enterprise user), or the enterprise's
    administrator when a bureau sent the invitation after verifying a claim."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation_check(invitation=invitation)
    if username_taken(username):
        raise username_taken_error()
    user = user_save(
        username=username,
        password=password,
        role=Role.ENTERPRISE,
        full_name=full_name,
        email=invitation.email,
        enterprise=invitation.enterprise,
        is_enterprise_admin=invitation.as_administrator,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


def require_enterprise_admin(*, enterprise: Enterprise, by: User) -> None:
    if not (
        by.role == Role.ENTERPRISE and by.enterprise_id == enterprise.pk and by.is_enterprise_admin
    ):
        raise PermissionDenied(_("Only the administrator of the enterprise may change this."))
