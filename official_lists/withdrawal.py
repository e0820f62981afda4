"""Withdrawing an official list (撤回名单): everything a confirmed list did is undone in one
transaction, what can no longer be undone is listed for the bureau; a dry run is discarded."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from accounts.models import User
from applications import services as case_services
from enterprises import services as enterprise_services
from enterprises.models import Enterprise, FactSource, Qualification
from official_lists import services
from official_lists.models import EffectsState, ListState, OfficialList
from official_lists.reading import ListError


def _restore(qualification: Qualification, previous: dict) -> None:
    field_names = {f.name: f for f in Qualification._meta.concrete_fields}
    for name, value in previous.items():
        if name == "verified_by":
            qualification.verified_by_id = value
        else:
            setattr(qualification, name, field_names[name].to_python(value))


def list_withdraw(*, list_id: int, by: User, reason: str) -> OfficialList:
    """Undo a list in one transaction: the offers it opened that still await the enterprise are
    withdrawn (confirmed cases are listed for the bureau, never touched), the qualifications it
    created are deleted, those it marked verified get their earlier values back, its proof of
    the companies goes, and the unclaimed profiles it created are deleted unless something else
    now refers to them (then they are kept and listed). A dry run is simply discarded."""
    reason = (reason or "").strip()
    if not reason:
        raise ListError(_("Say why the list is withdrawn."))
    with transaction.atomic():
        official_list = (
            OfficialList.objects.select_for_update()
            .select_related("bureau", "city")
            .get(pk=list_id)
        )
        refusal = services.withdraw_refusal(official_list, by)
        if refusal:
            raise ListError(refusal)
        confirmed = official_list.state == ListState.CONFIRMED
        left_over: dict[str, list] = {"cases": [], "qualifications": [], "enterprises": []}
        if confirmed:
            _undo(official_list, by=by, reason=reason, left_over=left_over)
        official_list.state = ListState.WITHDRAWN
        official_list.withdrawn_by = by
        official_list.withdrawn_at = timezone.now()
        official_list.withdrawal_reason = reason[:2000]
        official_list.left_over = {k: v for k, v in left_over.items() if v}
        official_list.effects = EffectsState.PENDING if confirmed else EffectsState.NONE
        official_list._history_user = by
        official_list.full_clean(exclude=["file"])
        official_list.save(
            update_fields=[
                "state", "withdrawn_by", "withdrawn_at", "withdrawal_reason", "left_over",
                "effects",
            ]
        )  # fmt: skip
        if confirmed:
            services.after_commit(official_list.pk)
    return official_list


def _undo(official_list: OfficialList, *, by: User, reason: str, left_over: dict) -> None:
    source = official_list.source
    comment = _("The official list “%(list)s” was withdrawn: %(reason)s") % {
        "list": official_list.source,
        "reason": reason,
    }
    for link in official_list.offers.select_related("application"):
        if not case_services.offer_withdraw(
            application_id=link.application_id, by=by, reason=comment
        ):
            left_over["cases"].append(link.application.reference)
    rows = list(
        official_list.rows.filter(applied=True).select_related("qualification", "enterprise")
    )
    qualifications = {
        q.pk: q
        for q in Qualification.objects.select_for_update().filter(
            pk__in=[row.qualification_id for row in rows if row.qualification_id]
        )
    }
    restored = []
    for row in sorted(rows, key=lambda r: r.number, reverse=True):
        qualification = qualifications.get(row.qualification_id)
        ours = (
            qualification is not None
            and qualification.source == FactSource.VERIFIED
            and qualification.verified_source == source
        )
        if qualification is not None and not ours:
            # The enterprise or another list changed it since: theirs now, kept.
            left_over["qualifications"].append(row.number)
            continue
        if qualification is None:
            continue
        if row.qualification_created:
            qualification._history_user = by
            qualification.delete()
        else:
            _restore(qualification, row.previous)
            restored.append(qualification)
    if restored:
        bulk_update_with_history(
            restored, Qualification, services.RESTORED, batch_size=services.BATCH, default_user=by
        )
    for enterprise_id in {row.enterprise_id for row in rows if row.enterprise_id}:
        enterprise_services.company_proof_withdraw(
            enterprise=Enterprise(pk=enterprise_id), source=source
        )
    created = {row.enterprise_id: row.enterprise for row in rows if row.enterprise_created}
    created.pop(None, None)
    # Profiles something else now refers to stay (a claimant's account, their own data, a case).
    used = set()
    for relation in ("users", "qualifications", "yearly_figures", "applications", "account_claims"):
        used |= set(
            Enterprise.objects.filter(pk__in=created, **{f"{relation}__isnull": False}).values_list(
                "pk", flat=True
            )
        )
    for enterprise_id, enterprise in created.items():
        if enterprise_id in used:
            left_over["enterprises"].append(enterprise.credit_code)
            continue
        try:
            with transaction.atomic():
                enterprise._history_user = by
                enterprise.delete()
        except ProtectedError:
            left_over["enterprises"].append(enterprise.credit_code)
