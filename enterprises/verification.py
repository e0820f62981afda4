"""Who acts for an enterprise: verifying the person behind its administrator account.

An enterprise registered on the portal starts *awaiting verification*: its accounts keep the
profile and prepare drafts, but nothing is submitted, confirmed or paid until a bureau that
verifies the city's enterprises (``Bureau.verifies_enterprises``) has seen the 营业执照 and the
授权委托书 and approved. A code already on the portal — imported from an official list with no
account, or held by someone — is claimed the same way, without an account: the bureau decides,
and an approved claimant is invited to create the administrator account (a dispute's approval
transfers the administration, and may close the accounts that held it). Every decision is kept
in the claim's history and told to those it concerns.
"""

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services as account_services
from accounts.models import Role, User
from enterprises import signals
from enterprises.models import AccountClaim, AccountStatus, Enterprise
from organisations.models import Bureau
from portal import clock, throttles
from portal.uploads import UploadInfo
from portal.validators import normalise_code

NOT_ON_PORTAL = gettext_lazy(
    "No enterprise with this credit code is on the portal yet: register it instead."
)
CLAIM_PENDING = gettext_lazy(
    "You have already filed a claim on this enterprise; the bureau is checking it. You will "
    "hear from it by e-mail."
)
AWAITING_VERIFICATION = gettext_lazy(
    "Your enterprise's account is awaiting verification by the bureau: until it is verified "
    "you can keep the profile and prepare applications, but not submit, confirm or receive "
    "money. Upload the business licence and the letter of authorisation on the verification "
    "page."
)


def _tell(**kwargs: Any) -> None:
    """Have the outbox (above this app) tell them, in this transaction."""
    signals.people_to_tell.send(sender=AccountClaim, **kwargs)


def verifying_bureaus(*, enterprise: Enterprise) -> QuerySet[Bureau]:
    return Bureau.objects.filter(city_id=enterprise.city_id, verifies_enterprises=True)


def verifies_for(user: User) -> int | None:
    """The city whose enterprises the user verifies — staff of a bureau that verifies
    enterprises (its city's 科技局) — or None. The one rule ``may_verify``, ``claims_to_decide``
    and ``claim_files_visible`` read."""
    if not (user.is_authenticated and user.is_active and user.role == Role.BUREAU):
        return None
    bureau = user.bureau
    return bureau.city_id if bureau is not None and bureau.verifies_enterprises else None


def may_verify(*, user: User, enterprise: Enterprise) -> bool:
    """Staff of a bureau of the enterprise's city that verifies enterprises."""
    city_id = verifies_for(user)
    return city_id is not None and city_id == enterprise.city_id


def require_verified(*, enterprise: Enterprise) -> None:
    """Refuse what only a verified enterprise may do (submit, confirm, be paid)."""
    if enterprise.account_status != AccountStatus.VERIFIED:
        raise ValidationError(AWAITING_VERIFICATION, code="awaiting_verification")


def _store(*, enterprise_id: int, upload: Any, info: UploadInfo) -> str:
    today = clock.today()
    path = f"claims/{enterprise_id}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}{info.extension}"
    return default_storage.save(path, upload)


def _documents(*, enterprise_id: int, licence: Any, authorisation: Any) -> dict[str, str]:
    """The claim's fields for the two documents, each stored under a random name."""
    fields = {}
    for field, upload in (("licence", licence), ("authorisation", authorisation)):
        fields[field] = _store(enterprise_id=enterprise_id, upload=upload, info=upload.inspected)
        fields[f"{field}_name"] = upload.inspected.safe_name
    return fields


def _staff_of(bureaus) -> list[User]:
    return list(User.objects.filter(bureau__in=bureaus, role=Role.BUREAU, is_active=True))


def _tell_bureau(claim: AccountClaim) -> None:
    bureaus = verifying_bureaus(enterprise=claim.enterprise)
    _tell(
        key=f"claim:{claim.pk}:filed",
        subject=_("%(kind)s awaits your decision: %(enterprise)s")
        % {"kind": claim.get_kind_display(), "enterprise": claim.enterprise.name},
        body=_("Check the business licence and the letter of authorisation beside the registry."),
        link=reverse("enterprises:verification_detail", args=[claim.pk]),
        users=_staff_of(bureaus),
        addresses=[b.email for b in bureaus if b.email and not b.placeholder_contacts()],
    )


@transaction.atomic
def registration_verification_request(
    *,
    enterprise: Enterprise,
    by: User,
    licence: Any,
    authorisation: Any,
    statement: str = "",
) -> AccountClaim:
    """The administrator of an enterprise awaiting verification sends the 营业执照 and the
    授权委托书 (files checked by ``portal.uploads`` in the form: ``.inspected``)."""
    account_services.require_enterprise_admin(enterprise=enterprise, by=by)
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.account_status == AccountStatus.VERIFIED:
        raise ValidationError(_("Your enterprise's account is already verified."))
    if enterprise.account_claims.filter(
        kind=AccountClaim.Kind.REGISTRATION, state=AccountClaim.State.PENDING
    ).exists():
        raise ValidationError(
            _("Your documents are with the bureau already; you will be told of its decision.")
        )
    claim = AccountClaim(
        enterprise=enterprise,
        kind=AccountClaim.Kind.REGISTRATION,
        user=by,
        claimant_name=by.full_name or by.username,
        claimant_mobile=by.mobile,
        claimant_email=by.email,
        company_name=enterprise.name,
        statement=statement,
        **_documents(enterprise_id=enterprise.pk, licence=licence, authorisation=authorisation),
    )
    claim.full_clean()
    claim._history_user = by
    claim.save()
    _tell_bureau(claim)
    return claim


@transaction.atomic
def claim_file(
    *,
    credit_code: str,
    company_name: str,
    claimant_name: str,
    claimant_mobile: str,
    claimant_email: str,
    licence: Any,
    authorisation: Any,
    statement: str,
    client: str,
) -> AccountClaim:
    """Someone claims an enterprise already on the portal. The answer is the same whether it
    has an account or not: it never says who holds it."""
    if not throttles.throttle_take(
        scope="claim", who=client, limits=[(throttles.HOUR, 5), (throttles.DAY, 20)]
    ):
        raise ValidationError(
            _("Too many claims from your network; please try again in an hour."),
            code="throttled",
        )
    code = normalise_code(credit_code)
    enterprise = Enterprise.objects.select_for_update().filter(credit_code=code).first()
    if enterprise is None:
        raise ValidationError({"credit_code": NOT_ON_PORTAL})
    email = claimant_email.strip().lower()
    if enterprise.account_claims.filter(
        state=AccountClaim.State.PENDING, claimant_email__iexact=email
    ).exists():
        raise ValidationError(CLAIM_PENDING)
    held = enterprise.users.filter(is_active=True).exists()
    claim = AccountClaim(
        enterprise=enterprise,
        kind=AccountClaim.Kind.DISPUTE if held else AccountClaim.Kind.CLAIM,
        claimant_name=claimant_name,
        claimant_mobile=claimant_mobile,
        claimant_email=email,
        company_name=company_name,
        statement=statement,
        **_documents(enterprise_id=enterprise.pk, licence=licence, authorisation=authorisation),
    )
    claim.full_clean()
    claim.save()
    _tell_bureau(claim)
    return claim


def _decidable(*, claim: AccountClaim, by: User) -> AccountClaim:
    claim = (
        AccountClaim.objects.select_for_update(of=("self",))
        .select_related("enterprise", "user")
        .get(pk=claim.pk)
    )
    if not may_verify(user=by, enterprise=claim.enterprise):
        raise PermissionDenied(_("Only the bureau that verifies this city's enterprises decides."))
    if claim.state != AccountClaim.State.PENDING:
        raise ValidationError(
            _("This request was decided already (%(state)s).")
            % {"state": claim.get_state_display()}
        )
    return claim


@transaction.atomic
def claim_approve(
    *, claim: AccountClaim, by: User, site_url: str, deactivate_holders: bool = True
) -> AccountClaim:
    """Verify the person: a registration's enterprise may act from now on; a claim's or a
    dispute's claimant is invited to create the administrator account (a dispute transfers the
    administration: the accounts that held it lose it, and are closed unless the bureau keeps
    them)."""
    claim = _decidable(claim=claim, by=by)
    enterprise = Enterprise.objects.select_for_update().get(pk=claim.enterprise_id)
    now = timezone.now()
    holders = list(enterprise.users.filter(is_active=True)) if claim.kind != "registration" else []
    if claim.kind == AccountClaim.Kind.REGISTRATION:
        if not claim.user.is_active or claim.user.enterprise_id != enterprise.pk:
            raise ValidationError(_("The account that asked is no longer the enterprise's."))
    else:
        for holder in holders:
            holder.is_enterprise_admin = False
            holder.is_active = not deactivate_holders
            holder.save(update_fields=["is_enterprise_admin", "is_active"])
        account_services.administrator_invitation_create(
            enterprise=enterprise, by=by, email=claim.claimant_email, site_url=site_url
        )
    enterprise.account_status = AccountStatus.VERIFIED
    enterprise.verified_by, enterprise.verified_at = by, now
    enterprise._history_user = by
    enterprise.save(update_fields=["account_status", "verified_by", "verified_at"])
    claim.state = AccountClaim.State.APPROVED
    claim.decided_by, claim.decided_at = by, now
    claim.holders_deactivated = bool(holders) and deactivate_holders
    claim._history_user = by
    claim.save(update_fields=["state", "decided_by", "decided_at", "holders_deactivated"])
    _tell_decision(claim, holders=holders)
    return claim


@transaction.atomic
def claim_refuse(*, claim: AccountClaim, by: User, reason: str) -> AccountClaim:
    claim = _decidable(claim=claim, by=by)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, so the person can put it right.")})
    claim.state = AccountClaim.State.REFUSED
    claim.decided_by, claim.decided_at, claim.reason = by, timezone.now(), reason.strip()
    claim.full_clean()
    claim._history_user = by
    claim.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    holders = (
        list(claim.enterprise.users.filter(is_active=True))
        if claim.kind == AccountClaim.Kind.DISPUTE
        else []
    )
    _tell_decision(claim, holders=holders)
    return claim


def _tell_decision(claim: AccountClaim, *, holders: list[User]) -> None:
    enterprise = claim.enterprise.name
    approved = claim.state == AccountClaim.State.APPROVED
    if claim.kind == AccountClaim.Kind.REGISTRATION:
        subject = (
            _("Your enterprise's account is verified: %(enterprise)s")
            if approved
            else _("The verification of your enterprise's account was refused: %(enterprise)s")
        ) % {"enterprise": enterprise}
        body = claim.reason or _("You may now submit applications and confirm offers.")
        users = list(claim.enterprise.users.filter(is_active=True))
        _tell(
            key=f"claim:{claim.pk}:decided",
            subject=subject,
            body=body,
            link=reverse("enterprises:verification"),
            users=users,
            addresses=[u.email for u in users if u.email],
        )
        return
    # The claimant has no account yet: by e-mail (an approval also brings the invitation).
    _tell(
        key=f"claim:{claim.pk}:decided:claimant",
        subject=(
            _("Your claim on %(enterprise)s was approved")
            if approved
            else _("Your claim on %(enterprise)s was refused")
        )
        % {"enterprise": enterprise},
        body=(
            _("A separate e-mail brings the link to create the administrator account.")
            if approved
            else _("Reason: %(reason)s") % {"reason": claim.reason}
        ),
        addresses=[claim.claimant_email],
    )
    if holders and claim.kind == AccountClaim.Kind.DISPUTE:
        if approved:
            body = _(
                "After checking the business licence and the letter of authorisation, the "
                "bureau transferred the administration of %(enterprise)s to the person who "
                "disputed it."
            ) % {"enterprise": enterprise}
            if claim.holders_deactivated:
                body += " " + _("Your account is closed; contact the bureau if this is wrong.")
        else:
            body = _(
                "Someone disputed who administers %(enterprise)s on the portal; the bureau "
                "refused it. Nothing changes for your account."
            ) % {"enterprise": enterprise}
        _tell(
            key=f"claim:{claim.pk}:decided:holders",
            subject=_("A dispute over the account of %(enterprise)s was decided")
            % {"enterprise": enterprise},
            body=body,
            users=holders,
            addresses=[u.email for u in holders if u.email],
        )


def claims_to_decide(*, user: User) -> QuerySet[AccountClaim]:
    """The requests this bureau's staff may decide: its city's enterprises, if it verifies."""
    city_id = verifies_for(user)
    if city_id is None:
        return AccountClaim.objects.none()
    return AccountClaim.objects.filter(enterprise__city_id=city_id).select_related(
        "enterprise__city", "enterprise__district", "user", "decided_by"
    )


def claim_files_visible(*, user: User) -> Q:
    """Which claims' files the user may open: the deciding bureau's, and a registration's own
    enterprise."""
    condition = Q(pk__in=[])
    city_id = verifies_for(user)
    if city_id is not None:
        condition |= Q(enterprise__city_id=city_id)
    if user.role == Role.ENTERPRISE and user.is_enterprise_admin:
        condition |= Q(enterprise_id=user.enterprise_id, kind=AccountClaim.Kind.REGISTRATION)
    return condition
