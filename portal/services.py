"""Services of the site: they write. Views, commands and tasks call these."""

import secrets
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.models import BaseUserManager, Group, Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import throttles
from portal.models import (
    Bureau,
    BureauAlias,
    BureauPosition,
    Enterprise,
    FactSource,
    Invitation,
    Qualification,
    Region,
    Role,
    User,
    YearlyFigures,
)


class PortalError(Exception):
    """A request the portal refuses for a reason the person can act on (an invitation that has
    expired or was already used); the message is meant for them."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Shown by the form (early, beside the field) and by the service (the rule itself).
CREDIT_CODE_TAKEN = gettext_lazy(
    "An enterprise with this credit code is already registered. Only one account administrator "
    "registers an enterprise; ask them to invite you from the enterprise's profile page."
)
DISTRICT_NOT_IN_CITY = gettext_lazy("%(district)s is not part of %(city)s.")

CATALOGUE_ADMIN_GROUP = "政策管理员"
# Models a catalogue admin edits in the admin site; the catalogue issue adds its own models here.
CATALOGUE_ADMIN_MODELS = (
    "portal.region",
    "portal.bureau",
    "portal.bureaualias",
    "incentives.fact",
    "incentives.policydocument",
    "incentives.measure",
    "incentives.incentiveitem",
    "incentives.awardrule",
    "incentives.condition",
    "incentives.goldencase",
    "incentives.assignment",
    "incentives.crossitemlimit",
    "applications.holiday",
    "applications.itembudget",
    "dashboard.target",
    "dashboard.targetvalue",
    "dashboard.indexscheme",
    "dashboard.indexdimension",
    "dashboard.indexindicator",
)


def email_send(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> None:
    """Queue an e-mail for delivery by a Celery worker once the current transaction commits."""
    from portal.tasks import deliver_email

    deliver_email.delay_on_commit(subject=subject, body=body, to=list(to), html_body=html_body)


def email_deliver(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()


def sessions_clear_expired() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def organisations_load(*, path: Path) -> dict[str, int]:
    """Create or update regions, bureaus and aliases from a data file; running it twice changes
    nothing the second time."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    counts = {"regions": 0, "bureaus": 0, "aliases": 0}

    def region(name: str, level: str, parent: Region | None, code: str) -> Region:
        obj, _ = Region.objects.update_or_create(
            name=name, parent=parent, defaults={"level": level, "code": code or ""}
        )
        counts["regions"] += 1
        return obj

    for province_data in data["provinces"]:
        province = region(province_data["name"], Region.Level.PROVINCE, None, province_data["code"])
        for city_data in province_data.get("cities", []):
            city = region(city_data["name"], Region.Level.CITY, province, city_data["code"])
            for district in city_data.get("districts", []):
                region(district["name"], Region.Level.DISTRICT, city, district.get("code", ""))
            for bureau_data in city_data.get("bureaus", []):
                bureau, _ = Bureau.objects.update_or_create(
                    city=city,
                    name=bureau_data["name"],
                    defaults={
                        key: bureau_data.get(key, "") for key in ("email", "phone", "address")
                    },
                )
                counts["bureaus"] += 1
                for alias in bureau_data.get("aliases", []):
                    BureauAlias.objects.update_or_create(
                        city=city, name=alias, defaults={"bureau": bureau}
                    )
                    counts["aliases"] += 1
    return counts


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
) -> User:
    """Create an account, or bring an existing one with this username to the given role.

    A password of None keeps the current one."""
    user = User.objects.filter(username=username).first() or User(username=username)
    user.full_name = full_name
    user.email = email
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


# Demo data: one enterprise of 唐山 and one account per kind of user. Only for the embedded setup.
DEMO_ENTERPRISE = {
    "credit_code": "91130200MA0DEM0134",
    "name": "唐山示例智能装备有限公司（演示）",
    "city": "唐山市",
    "district": "路北区",
}
DEMO_BUREAU = ("唐山市", "市科学技术局")
DEMO_ACCOUNTS: list[dict[str, Any]] = [
    {
        "username": "qiye",
        "password": "Qiye-demo-2026",
        "role": Role.ENTERPRISE,
        "is_enterprise_admin": True,
        "full_name": "王经理",
        "email": "qiye@example.cn",
    },
    {
        "username": "shenhe",
        "password": "Shenhe-demo-2026",
        "role": Role.BUREAU,
        "bureau_position": BureauPosition.REVIEWER,
        "full_name": "李审核",
        "email": "shenhe@example.cn",
    },
    {
        "username": "kezhang",
        "password": "Kezhang-demo-2026",
        "role": Role.BUREAU,
        "bureau_position": BureauPosition.HEAD,
        "full_name": "张科长",
        "email": "kezhang@example.cn",
    },
    {
        # A second head of the bureau: approvals above 100万 need one (双人复核).
        "username": "fukezhang",
        "password": "Fukezhang-demo-2026",
        "role": Role.BUREAU,
        "bureau_position": BureauPosition.HEAD,
        "full_name": "刘副科长",
        "email": "fukezhang@example.cn",
    },
    {
        "username": "guanli",
        "password": "Guanli-demo-2026",
        "role": Role.CATALOGUE_ADMIN,
        "full_name": "赵管理",
        "email": "guanli@example.cn",
    },
    {
        "username": "lingdao",
        "password": "Lingdao-demo-2026",
        "role": Role.LEADERSHIP,
        "full_name": "陈主任",
        "email": "lingdao@example.cn",
    },
]


@transaction.atomic
def demo_load() -> list[dict[str, Any]]:
    """Create (or reset) the demo enterprise and accounts; returns the accounts for printing."""
    city = Region.objects.get(name=DEMO_ENTERPRISE["city"], level=Region.Level.CITY)
    district = Region.objects.get(name=DEMO_ENTERPRISE["district"], parent=city)
    enterprise, _ = Enterprise.objects.update_or_create(
        credit_code=DEMO_ENTERPRISE["credit_code"],
        defaults={"name": DEMO_ENTERPRISE["name"], "city": city, "district": district},
    )
    bureau = Bureau.objects.get(city__name=DEMO_BUREAU[0], name=DEMO_BUREAU[1])
    accounts = []
    for account in DEMO_ACCOUNTS:
        user = user_save(
            enterprise=enterprise if account["role"] == Role.ENTERPRISE else None,
            bureau=bureau if account["role"] == Role.BUREAU else None,
            **account,
        )
        accounts.append({**account, "user": user})
    return accounts


def enterprise_profile_changed(*, enterprise: Enterprise) -> None:
    """Call after any change of an enterprise's profile: its matches are recomputed by a worker
    once the change is committed (policy finds the enterprise)."""
    from incentives.tasks import recompute_enterprise_matches

    recompute_enterprise_matches.delay_on_commit(enterprise.pk)


# ---------------------------------------------------------------------------------------------
# Registration and the profile (一企一档)
# ---------------------------------------------------------------------------------------------


def _username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def _username_taken_error() -> ValidationError:
    return ValidationError({"username": User._meta.get_field("username").error_messages["unique"]})


@transaction.atomic
def enterprise_register(
    *,
    credit_code: str,
    name: str,
    city: Region,
    district: Region,
    username: str,
    full_name: str,
    email: str,
    password: str,
) -> User:
    """Register an enterprise with its first account, who administers it (invites colleagues,
    keeps the profile). One enterprise per credit code."""
    credit_code = credit_code.strip().upper()
    if district.parent_id != city.pk or district.level != Region.Level.DISTRICT:
        raise ValidationError(
            {"district": DISTRICT_NOT_IN_CITY % {"district": district.name, "city": city.name}}
        )
    if Enterprise.objects.filter(credit_code=credit_code).exists():
        raise ValidationError({"credit_code": CREDIT_CODE_TAKEN})
    if _username_taken(username):
        raise _username_taken_error()
    enterprise = Enterprise(credit_code=credit_code, name=name, city=city, district=district)
    enterprise.full_clean()
    try:
        with transaction.atomic():  # two people registering the same code at once
            enterprise.save()
    except IntegrityError:
        raise ValidationError({"credit_code": CREDIT_CODE_TAKEN}) from None
    user = user_save(
        username=username,
        password=password,
        role=Role.ENTERPRISE,
        full_name=full_name,
        email=email,
        enterprise=enterprise,
        is_enterprise_admin=True,
    )
    # The account did not exist when the enterprise row was written; the history names it.
    Enterprise.history.filter(id=enterprise.pk).update(history_user=user)
    enterprise_profile_changed(enterprise=enterprise)
    return user


def _require_enterprise_admin(*, enterprise: Enterprise, by: User) -> None:
    if not (
        by.role == Role.ENTERPRISE and by.enterprise_id == enterprise.pk and by.is_enterprise_admin
    ):
        raise PermissionDenied(_("Only the administrator of the enterprise may change this."))


def _declared_save(*, obj, values: dict[str, Any], by: User, creating: bool) -> bool:
    """Write the values declared by the enterprise; returns whether anything changed. A declared
    edit of a verified record makes it declared again."""
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if not creating and not changed:
        return False
    for field in changed:
        setattr(obj, field, values[field])
    obj.source = FactSource.DECLARED
    obj._history_user = (
        by  # the middleware does this for requests; services are called elsewhere too
    )
    obj.full_clean()
    if creating:
        obj.save()
    else:
        obj.save(update_fields=[*changed, "source"])
    return True


@transaction.atomic
def profile_update(
    *,
    enterprise: Enterprise,
    by: User,
    industry: str,
    ownership: str,
    scale: str,
    is_above_scale: bool | None,
    employees: int | None,
    founded_on: date | None,
) -> Enterprise:
    """Update the basic data of the profile."""
    _require_enterprise_admin(enterprise=enterprise, by=by)
    current = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    values = {
        "industry": industry,
        "ownership": ownership,
        "scale": scale,
        "is_above_scale": is_above_scale,
        "employees": employees,
        "founded_on": founded_on,
    }
    if _declared_save(obj=current, values=values, by=by, creating=False):
        enterprise_profile_changed(enterprise=current)
    return current


QUALIFICATION_DUPLICATE = gettext_lazy(
    "This qualification is already recorded with the same level and recognition date."
)


@transaction.atomic
def qualification_save(
    *,
    enterprise: Enterprise,
    by: User,
    qualification: Qualification | None = None,
    kind: str,
    level: str,
    recognition: str,
    certificate_number: str,
    recognized_on: date,
    expires_on: date | None,
    moved_in_from_other_province: bool,
) -> Qualification:
    """Add a qualification to the profile, or change one of this enterprise's own."""
    _require_enterprise_admin(enterprise=enterprise, by=by)
    creating = qualification is None
    current = (
        Qualification(enterprise=enterprise)
        if creating
        else enterprise.qualifications.select_for_update().get(pk=qualification.pk)
    )
    values = {
        "kind": kind,
        "level": level,
        "recognition": recognition,
        "certificate_number": certificate_number,
        "recognized_on": recognized_on,
        "expires_on": expires_on,
        "moved_in_from_other_province": moved_in_from_other_province,
    }
    duplicate = enterprise.qualifications.filter(
        kind=kind, level=level, recognized_on=recognized_on
    ).exclude(pk=current.pk)
    if duplicate.exists():
        raise ValidationError(QUALIFICATION_DUPLICATE)
    try:
        with transaction.atomic():
            changed = _declared_save(obj=current, values=values, by=by, creating=creating)
    except IntegrityError:
        raise ValidationError(QUALIFICATION_DUPLICATE) from None
    if changed:
        enterprise_profile_changed(enterprise=enterprise)
    return current


@transaction.atomic
def qualification_delete(*, enterprise: Enterprise, by: User, qualification: Qualification) -> None:
    _require_enterprise_admin(enterprise=enterprise, by=by)
    current = enterprise.qualifications.select_for_update().get(pk=qualification.pk)
    current._history_user = by
    current.delete()
    enterprise_profile_changed(enterprise=enterprise)


def figures_year_taken_error(year: int) -> ValidationError:
    return ValidationError(
        {
            "year": _("Figures for %(year)s are already recorded; change that year's row instead.")
            % {"year": year}
        }
    )


@transaction.atomic
def yearly_figures_save(
    *,
    enterprise: Enterprise,
    by: User,
    figures: YearlyFigures | None = None,
    year: int,
    revenue: Decimal | None,
    rd_expense: Decimal | None,
    rd_super_deduction: Decimal | None,
    tax_paid: Decimal | None,
    tech_contract_turnover: Decimal | None,
    invention_patents_granted: int | None,
) -> YearlyFigures:
    """Record one year's figures (amounts in yuan), or change a recorded year. One row per year."""
    _require_enterprise_admin(enterprise=enterprise, by=by)
    creating = figures is None
    current = (
        YearlyFigures(enterprise=enterprise)
        if creating
        else enterprise.yearly_figures.select_for_update().get(pk=figures.pk)
    )
    if enterprise.yearly_figures.filter(year=year).exclude(pk=current.pk).exists():
        raise figures_year_taken_error(year)
    values = {
        "year": year,
        "revenue": revenue,
        "rd_expense": rd_expense,
        "rd_super_deduction": rd_super_deduction,
        "tax_paid": tax_paid,
        "tech_contract_turnover": tech_contract_turnover,
        "invention_patents_granted": invention_patents_granted,
    }
    try:
        with transaction.atomic():
            changed = _declared_save(obj=current, values=values, by=by, creating=creating)
    except IntegrityError:
        raise figures_year_taken_error(year) from None
    if changed:
        enterprise_profile_changed(enterprise=enterprise)
    return current


@transaction.atomic
def yearly_figures_delete(*, enterprise: Enterprise, by: User, figures: YearlyFigures) -> None:
    _require_enterprise_admin(enterprise=enterprise, by=by)
    current = enterprise.yearly_figures.select_for_update().get(pk=figures.pk)
    current._history_user = by
    current.delete()
    enterprise_profile_changed(enterprise=enterprise)


# ---------------------------------------------------------------------------------------------
# Invitations of colleagues
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, enterprise: Enterprise, by: User, email: str, site_url: str) -> Invitation:
    """Invite a colleague by e-mail; the mail leaves once the transaction commits. Inviting an
    address that already has a pending invitation renews it (new link, seven more days)."""
    _require_enterprise_admin(enterprise=enterprise, by=by)
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
    invitation = (
        enterprise.invitations.select_for_update()
        .filter(email=email, accepted_at__isnull=True)
        .first()
    ) or Invitation(enterprise=enterprise, email=email)
    invitation.token = secrets.token_urlsafe(32)
    invitation.invited_by = by
    invitation.created_at = timezone.now()
    invitation.full_clean()
    if invitation.pk:
        invitation.save(update_fields=["token", "invited_by", "created_at"])
    else:
        invitation.save()

    # Only the enterprise's name comes from the inviter's side: not their own free text (a
    # full name can say anything), so the mail cannot be turned into someone else's message.
    context = {
        "enterprise": enterprise,
        "url": site_url.rstrip("/")
        + reverse("portal:invitation_accept", kwargs={"token": invitation.token}),
        "expires_at": invitation.expires_at,
    }
    email_send(
        subject=_("Invitation to join %(enterprise)s on the incentive portal")
        % {"enterprise": enterprise.name},
        body=loader.render_to_string("portal/email/invitation.txt", context),
        to=[email],
    )
    return invitation


def password_reset_throttle(*, email: str, client_ip: str | None) -> bool:
    """Count one password-reset request. Raise PortalError when the client's address has asked
    too often (said on the form: it reveals nothing about accounts); return False when this
    e-mail address has had its share of mails for the hour — nothing is sent, and the page
    still says "sent", as it does for an unknown address; True to send."""
    if not throttles.throttle_take(
        scope="password-reset-ip",
        who=client_ip or "unknown",
        limits=[(throttles.HOUR, settings.PASSWORD_RESETS_PER_IP_PER_HOUR)],
    ):
        raise PortalError(
            _("Too many password-reset requests from your network. Please try again in an hour.")
        )
    return throttles.throttle_take(
        scope="password-reset-address",
        who=BaseUserManager.normalize_email(email.strip()).lower(),
        limits=[(throttles.HOUR, settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR)],
    )


@transaction.atomic
def invitation_revoke(*, enterprise: Enterprise, by: User, invitation: Invitation) -> None:
    _require_enterprise_admin(enterprise=enterprise, by=by)
    enterprise.invitations.filter(pk=invitation.pk, accepted_at__isnull=True).delete()


def invitation_check(*, invitation: Invitation) -> None:
    """Refuse an invitation that was used or has expired, saying which."""
    if invitation.accepted_at is not None:
        raise PortalError(
            _("This invitation has already been used. Log in with the account created with it.")
        )
    if invitation.is_expired():
        raise PortalError(
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
    """Create the invited colleague's account (an enterprise user, not its administrator)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation_check(invitation=invitation)
    if _username_taken(username):
        raise _username_taken_error()
    user = user_save(
        username=username,
        password=password,
        role=Role.ENTERPRISE,
        full_name=full_name,
        email=invitation.email,
        enterprise=invitation.enterprise,
        is_enterprise_admin=False,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user
