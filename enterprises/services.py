"""Services of the 一企一档: registration and the profile. They write; views and commands call
them."""

import functools
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import services as account_services
from accounts.models import Role, User
from enterprises import schema, signals
from enterprises.models import (
    AccountStatus,
    Enterprise,
    FactSource,
    Qualification,
    YearlyFigures,
)
from organisations.models import Region
from portal.validators import normalise_code

# Shown by the form (early, beside the field) and by the service (the rule itself).
# Said alike whether the code has an account or was imported from a list: it never tells who,
# if anyone, holds the enterprise. Shown by the form (early) and by the service (the rule).
CREDIT_CODE_TAKEN = gettext_lazy(
    "An enterprise with this credit code is already on the portal. If you act for it, file a "
    "claim with its business licence and letter of authorisation: the bureau checks them and "
    "tells you by e-mail."
)


DISTRICT_NOT_IN_CITY = gettext_lazy("%(district)s is not part of %(city)s.")


def enterprise_profile_changed(*, enterprise: Enterprise) -> None:
    """Call after any change of an enterprise's profile: once the change is committed, those who
    listen are told (the catalogue recomputes its matches: policy finds the enterprise)."""
    transaction.on_commit(
        functools.partial(
            signals.profile_changed.send, sender=Enterprise, enterprise_id=enterprise.pk
        )
    )


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
    mobile: str = "",
) -> User:
    """Register an enterprise with its first account, who administers it (invites colleagues,
    keeps the profile). One enterprise per credit code, however it is typed."""
    credit_code = normalise_code(credit_code)
    if district.parent_id != city.pk or district.level != Region.Level.DISTRICT:
        raise ValidationError(
            {"district": DISTRICT_NOT_IN_CITY % {"district": district.name, "city": city.name}}
        )
    if Enterprise.objects.filter(credit_code=credit_code).exists():
        raise ValidationError({"credit_code": CREDIT_CODE_TAKEN})
    if account_services.username_taken(username):
        raise account_services.username_taken_error()
    enterprise = Enterprise(credit_code=credit_code, name=name, city=city, district=district)
    enterprise.full_clean()
    try:
        with transaction.atomic():  # two people registering the same code at once
            enterprise.save()
    except IntegrityError:
        raise ValidationError({"credit_code": CREDIT_CODE_TAKEN}) from None
    user = account_services.user_save(
        username=username,
        password=password,
        role=Role.ENTERPRISE,
        full_name=full_name,
        email=email,
        enterprise=enterprise,
        is_enterprise_admin=True,
        mobile=mobile,
    )
    # The account did not exist when the enterprise row was written; the history names it.
    Enterprise.history.filter(id=enterprise.pk).update(history_user=user)
    enterprise_profile_changed(enterprise=enterprise)
    return user


def enterprise_create_unclaimed(
    *,
    credit_code: str,
    name: str,
    city: Region,
    district: Region | None = None,
    by: User,
    announce: bool = True,
) -> Enterprise:
    """An enterprise known from an official source (a bureau's list) that nobody has claimed yet:
    its profile exists, with no account, until someone claims it and a bureau verifies them.
    ``announce=False`` for a caller that recomputes the matches of many at once itself."""
    if district is not None and district.parent_id != city.pk:
        raise ValidationError(
            {"district": DISTRICT_NOT_IN_CITY % {"district": district.name, "city": city.name}}
        )
    enterprise = Enterprise(
        credit_code=normalise_code(credit_code),
        name=name,
        city=city,
        district=district,
        account_status=AccountStatus.UNCLAIMED,
        source=FactSource.IMPORTED,
    )
    enterprise.full_clean()
    enterprise._history_user = by
    enterprise.save()
    if announce:
        enterprise_profile_changed(enterprise=enterprise)
    return enterprise


def company_proof_record(*, enterprise: Enterprise, source: str) -> None:
    """An official source names this code with this company: the company exists (not proof of
    the person behind an account). The first source is kept."""
    Enterprise.objects.filter(pk=enterprise.pk, proven_by="").update(
        proven_by=source[:200], proven_at=timezone.now()
    )


def company_proof_withdraw(*, enterprise: Enterprise, source: str) -> None:
    """The source was withdrawn: its proof goes with it (another source's proof stays)."""
    Enterprise.objects.filter(pk=enterprise.pk, proven_by=source[:200]).update(
        proven_by="", proven_at=None
    )


def _declared_save(*, obj, values: dict[str, Any], by: User, creating: bool) -> bool:
    """Write the values declared by the enterprise; returns whether anything changed. A declared
    edit of a verified record makes it declared again."""
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if not creating and not changed:
        return False
    for field in changed:
        setattr(obj, field, values[field])
    obj.source = FactSource.DECLARED
    if isinstance(obj, Qualification) and not creating:
        # What a bureau verified no longer holds once the enterprise changes it.
        obj.verified_by, obj.verified_at, obj.verified_source = None, None, ""
        changed += ["verified_by", "verified_at", "verified_source"]
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
    values: Mapping[str, Any],
) -> Enterprise:
    """Update the basic data of the profile: ``values`` maps facts of ``schema.BASIC`` to their
    new values; a fact not given keeps its value."""
    account_services.require_enterprise_admin(enterprise=enterprise, by=by)
    current = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    values = schema.values_of(schema.BASIC, values)
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
    account_services.require_enterprise_admin(enterprise=enterprise, by=by)
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
    account_services.require_enterprise_admin(enterprise=enterprise, by=by)
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
    values: Mapping[str, Any],
) -> YearlyFigures:
    """Record one year's figures, or change a recorded year; one row per year. ``values`` maps
    facts of ``schema.YEARLY`` to their values (amounts in yuan); a fact not given is unknown
    for a new year and keeps its value for a recorded one."""
    account_services.require_enterprise_admin(enterprise=enterprise, by=by)
    creating = figures is None
    current = (
        YearlyFigures(enterprise=enterprise)
        if creating
        else enterprise.yearly_figures.select_for_update().get(pk=figures.pk)
    )
    if enterprise.yearly_figures.filter(year=year).exclude(pk=current.pk).exists():
        raise figures_year_taken_error(year)
    values = {"year": year, **schema.values_of(schema.YEARLY, values)}
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
    account_services.require_enterprise_admin(enterprise=enterprise, by=by)
    current = enterprise.yearly_figures.select_for_update().get(pk=figures.pk)
    current._history_user = by
    current.delete()
    enterprise_profile_changed(enterprise=enterprise)
