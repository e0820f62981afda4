"""Services of official lists: upload (the dry run), confirm, withdraw, and the work after commit
(matches recomputed, 免申即享 offers opened). They write; views, tasks and commands call them.

Who may do what (``confirm_refusal``, ``withdraw_refusal``): staff of any bureau of the city may
upload a list and read its dry run — lists come from several bureaus (科技局's 高企, 工信局's
专精特新) and reading one changes nothing. Confirming changes many enterprises' profiles and opens
money offers, so it needs the head of the uploading bureau; withdrawing it undoes that, so the
same head — or the person who uploaded it, who is the first to notice a wrong file.
"""

from __future__ import annotations

import functools
from collections.abc import Collection

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import User
from applications import services as case_services
from applications.models import Application, State
from enterprises import services as enterprise_services
from enterprises.models import Enterprise, FactSource, Qualification, Recognition
from incentives import matching, matching_bulk
from official_lists import judging
from official_lists.models import (
    EffectsState,
    ListOffer,
    ListRow,
    ListState,
    OfficialList,
    Outcome,
)
from official_lists.reading import ListError, ReadRow, read_list
from portal import clock

# The qualification's fields a list sets; their earlier values are kept on the row to undo it.
RESTORED = [
    "level",
    "recognition",
    "certificate_number",
    "recognized_on",
    "expires_on",
    "source",
    "verified_by",
    "verified_at",
    "verified_source",
]
EFFECTS_TASK = "official_lists.tasks.list_effects"
BATCH = 1000


# ---------------------------------------------------------------------------------------------
# Who
# ---------------------------------------------------------------------------------------------


def city_of(user: User) -> int | None:
    return user.bureau.city_id if getattr(user, "bureau", None) else None


def upload_refusal(user: User) -> str | None:
    if not user.is_authenticated or user.bureau_id is None:
        return _("Only bureau staff upload official lists.")
    return None


def confirm_refusal(official_list: OfficialList, user: User) -> str | None:
    """Why this user may not confirm the list now (None: they may)."""
    if not (user.is_bureau_head and user.bureau_id == official_list.bureau_id):
        return _("Only the head of %(bureau)s confirms this list.") % {
            "bureau": official_list.bureau.name
        }
    if official_list.state != ListState.DRY_RUN:
        return _("This list is already %(state)s.") % {"state": official_list.get_state_display()}
    return None


def withdraw_refusal(official_list: OfficialList, user: User) -> str | None:
    head = user.is_bureau_head and user.bureau_id == official_list.bureau_id
    if not (head or user.pk == official_list.uploaded_by_id):
        return _(
            "Only the head of %(bureau)s or the person who uploaded it withdraws this list."
        ) % {"bureau": official_list.bureau.name}
    if official_list.state == ListState.WITHDRAWN:
        return _("This list is already withdrawn.")
    return None


# ---------------------------------------------------------------------------------------------
# Upload: the dry run
# ---------------------------------------------------------------------------------------------


def _row_of(read: ReadRow) -> ListRow:
    return ListRow(
        number=read.number,
        cells=read.cells,
        credit_code=read.credit_code,
        name=read.name,
        kind=read.kind,
        level=read.level,
        recognized_on=read.recognized_on,
        expires_on=read.expires_on,
        certificate_number=read.certificate_number,
        batch=read.batch,
        outcome=Outcome.INVALID if read.problems else Outcome.MATCHED,
        reason="；".join(read.problems),
    )


def list_upload(*, by: User, title: str, batch: str, upload) -> OfficialList:
    """Read the file and judge every row against the portal as it is: the list and its rows are
    saved (the dry run); nothing else is. ``ListError`` if the file cannot be read."""
    refusal = upload_refusal(by)
    if refusal:
        raise ListError(refusal)
    file_name = (getattr(upload, "name", "") or "list")[-200:]
    rows = [_row_of(read) for read in read_list(upload, file_name=file_name)]
    judging.judge(rows, city=by.bureau.city)
    with transaction.atomic():
        upload.seek(0)
        official_list = OfficialList(
            title=title.strip(),
            batch=batch.strip(),
            file_name=file_name,
            bureau=by.bureau,
            city=by.bureau.city,
            uploaded_by=by,
            counts=judging.counts(rows),
        )
        official_list._history_user = by
        official_list.file.save(file_name, upload, save=False)
        official_list.full_clean()
        official_list.save()
        for row in rows:
            row.official_list = official_list
        ListRow.objects.bulk_create(rows, batch_size=BATCH)
    return official_list


# ---------------------------------------------------------------------------------------------
# Confirm
# ---------------------------------------------------------------------------------------------


def _snapshot(qualification: Qualification) -> dict:
    values = {}
    for name in RESTORED:
        value = getattr(qualification, name if name != "verified_by" else "verified_by_id")
        values[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def _recognition(held: list[Qualification], row: ListRow) -> str:
    earlier = any(q.recognized_on < row.recognized_on for q in held)
    return Recognition.RENEWAL if earlier else Recognition.NEW


def list_confirm(*, list_id: int, by: User, apply_anyway: Collection[int] = ()) -> OfficialList:
    """Apply the list in one transaction: the rows are judged again (the portal may have changed
    since the dry run), unclaimed profiles created for new enterprises, qualifications created or
    marked verified with the list as their source, the companies recorded as proven. Name
    mismatches are applied only for the row numbers in ``apply_anyway``. Once committed, the
    affected enterprises' matches are recomputed and 免申即享 offers opened (``list_effects``)."""
    with transaction.atomic():
        official_list = (
            OfficialList.objects.select_for_update()
            .select_related("bureau", "city")
            .get(pk=list_id)
        )
        refusal = confirm_refusal(official_list, by)
        if refusal:
            raise ListError(refusal)
        rows = list(official_list.rows.all())
        judging.judge(rows, city=official_list.city)
        ticked = set(apply_anyway)
        now = timezone.now()
        source = official_list.source
        applying = [
            row
            for row in rows
            if row.outcome in (Outcome.MATCHED, Outcome.NEW_ENTERPRISE, Outcome.CONFLICT)
            or (row.outcome == Outcome.NAME_MISMATCH and row.number in ticked)
        ]
        # New enterprises first (unclaimed profiles, through the enterprises' service).
        created: dict[str, Enterprise] = {}
        regions = judging.Regions()
        for row in applying:
            if row.outcome != Outcome.NEW_ENTERPRISE:
                continue
            if row.credit_code in created:
                row.enterprise = created[row.credit_code]
                continue
            home = regions.home(row.credit_code)
            try:
                with transaction.atomic():
                    row.enterprise = enterprise_services.enterprise_create_unclaimed(
                        credit_code=row.credit_code,
                        name=row.name,
                        city=home.city,
                        district=home.district,
                        by=by,
                    )
            except (ValidationError, IntegrityError) as error:
                row.outcome = Outcome.INVALID
                row.reason = _("The enterprise could not be created: %(error)s") % {
                    "error": "；".join(getattr(error, "messages", [str(error)]))
                }
                continue
            row.enterprise_created = True
            created[row.credit_code] = row.enterprise
        applying = [row for row in applying if row.enterprise is not None]
        enterprise_ids = {row.enterprise.pk for row in applying}
        held: dict[tuple[int, str], list[Qualification]] = {}
        for qualification in Qualification.objects.select_for_update().filter(
            enterprise_id__in=enterprise_ids
        ):
            held.setdefault((qualification.enterprise_id, qualification.kind), []).append(
                qualification
            )
        new: list[tuple[ListRow, Qualification]] = []
        changed: dict[int, Qualification] = {}
        for row in applying:
            mine = held.setdefault((row.enterprise.pk, row.kind), [])
            same = judging.same_recognition(mine, row)
            if same is None:
                qualification = Qualification(
                    enterprise=row.enterprise,
                    kind=row.kind,
                    level=row.level,
                    recognition=_recognition(mine, row),
                    certificate_number=row.certificate_number,
                    recognized_on=row.recognized_on,
                    expires_on=row.expires_on,
                )
                mine.append(qualification)
                new.append((row, qualification))
                row.qualification_created = True
            else:
                qualification = same
                if same.pk in changed:
                    row.outcome = Outcome.INVALID
                    row.reason = _("Another row of the list already verified this qualification.")
                    continue
                row.previous = _snapshot(same)
                qualification.recognized_on = row.recognized_on
                qualification.level = row.level or qualification.level
                qualification.certificate_number = (
                    row.certificate_number or qualification.certificate_number
                )
                kept = qualification.expires_on
                qualification.expires_on = row.expires_on or (
                    kept if kept and kept >= row.recognized_on else None
                )
                clash = [
                    q
                    for q in mine
                    if q is not qualification
                    and (q.level, q.recognized_on) == (qualification.level, row.recognized_on)
                ]
                if clash:
                    for name, value in row.previous.items():  # leave it as it was
                        setattr(
                            qualification,
                            name if name != "verified_by" else "verified_by_id",
                            value,
                        )
                    row.previous = {}
                    row.outcome = Outcome.INVALID
                    row.reason = _(
                        "The profile holds this qualification twice; the enterprise should "
                        "delete the wrong one first."
                    )
                    continue
                changed[same.pk] = qualification
            qualification.source = FactSource.VERIFIED
            qualification.verified_by = by
            qualification.verified_at = now
            qualification.verified_source = source
            # The database holds the constraints; checking them here would cost a query a row.
            qualification.full_clean(
                exclude=["enterprise"], validate_unique=False, validate_constraints=False
            )
            row.qualification = qualification
            row.applied = True
        if new:
            saved = bulk_create_with_history(
                [q for _row, q in new], Qualification, batch_size=BATCH, default_user=by
            )
            if saved and saved[0].pk is not None:
                for (row, _unsaved), qualification in zip(new, saved, strict=True):
                    row.qualification = qualification
        if changed:
            bulk_update_with_history(
                list(changed.values()),
                Qualification,
                ["level", "certificate_number", "recognized_on", "expires_on", "source",
                 "verified_by", "verified_at", "verified_source"],
                batch_size=BATCH,
                default_user=by,
            )  # fmt: skip
        for enterprise_id in {row.enterprise.pk for row in rows if row.applied}:
            # The list names the code and the company: proof of the company, not of a person.
            enterprise_services.company_proof_record(
                enterprise=Enterprise(pk=enterprise_id), source=source
            )
        for row in rows:
            if row.outcome == Outcome.NAME_MISMATCH:
                row.apply_anyway = row.applied
        # The rows are written again whole: an UPDATE of thousands of rows by CASE … WHEN (what
        # bulk_update writes) grows with the square of the batch; DELETE and COPY-like INSERT not.
        official_list.rows.all().delete()
        ListRow.objects.bulk_create(rows, batch_size=BATCH)
        official_list.state = ListState.CONFIRMED
        official_list.confirmed_by = by
        official_list.confirmed_at = now
        official_list.counts = judging.counts(rows)
        official_list.applied = {
            "qualifications_created": len(new),
            "qualifications_verified": len(changed),
            "enterprises_created": len(created),
            "enterprises": len({row.enterprise.pk for row in rows if row.applied}),
            "offers": 0,
        }
        official_list.effects = EffectsState.PENDING
        official_list._history_user = by
        official_list.save(
            update_fields=["state", "confirmed_by", "confirmed_at", "counts", "applied", "effects"]
        )
        _after_commit(official_list.pk)
    return official_list


def _after_commit(list_id: int) -> None:
    # By the task's name: the worker imports tasks, nothing here imports it (see tasks.py).
    transaction.on_commit(functools.partial(_queue_effects, list_id))


def _queue_effects(list_id: int) -> None:
    try:
        current_app.signature(EFFECTS_TASK).delay(list_id)
    except (OperationalError, ConnectionError, TimeoutError):
        # The broker is down: the list says so; the nightly recompute and offers catch up.
        OfficialList.objects.filter(pk=list_id).update(effects=EffectsState.FAILED)


# ---------------------------------------------------------------------------------------------
# After commit: matches and offers
# ---------------------------------------------------------------------------------------------


def enterprises_recompute(*, enterprise_ids: list[int]) -> None:
    """The matches of these enterprises, in bulk on PostgreSQL (one streamed run), one by one on
    the embedded SQLite setup."""
    on = clock.today()
    if not enterprise_ids:
        return
    if connection.vendor == "postgresql":
        matching_bulk.full_recompute(on=on, only=sorted(enterprise_ids))
    else:
        for enterprise_id in sorted(enterprise_ids):
            matching.enterprise_recompute(enterprise_id=enterprise_id, on=on)


def list_effects(*, list_id: int) -> int:
    """After a confirmation or a withdrawal commits: recompute the matches of the enterprises the
    list touched and, for a confirmed list, open 免申即享 offers for them at once (each offer
    notifies its enterprise through the outbox). Safe to run twice. Returns the offers opened."""
    official_list = OfficialList.objects.filter(pk=list_id).first()
    if official_list is None or official_list.effects != EffectsState.PENDING:
        return 0
    ids = sorted(
        set(
            official_list.rows.filter(applied=True, enterprise__isnull=False).values_list(
                "enterprise_id", flat=True
            )
        )
    )
    try:
        enterprises_recompute(enterprise_ids=ids)
        opened = 0
        if official_list.state == ListState.CONFIRMED:
            # Only an enterprise with an account can be offered a case (applications_offer
            # skips the others): the unclaimed profiles are left out before, not one by one.
            applied = list(
                Enterprise.objects.filter(pk__in=ids, users__isnull=False)
                .distinct()
                .values_list("pk", flat=True)
            )
            # The offers this run opens are those that did not exist before it.
            before = set(
                Application.objects.filter(
                    enterprise_id__in=applied, state=State.OFFERED
                ).values_list("pk", flat=True)
            )
            case_services.applications_offer(enterprise_ids=applied)
            fresh = Application.objects.filter(
                enterprise_id__in=applied, state=State.OFFERED
            ).exclude(pk__in=before)
            links = [ListOffer(official_list=official_list, application=a) for a in fresh]
            ListOffer.objects.bulk_create(links, ignore_conflicts=True)
            opened = len(links)
    except Exception:
        OfficialList.objects.filter(pk=list_id).update(effects=EffectsState.FAILED)
        raise
    with transaction.atomic():
        current = OfficialList.objects.select_for_update().get(pk=list_id)
        if current.state == ListState.CONFIRMED:
            current.applied = {**current.applied, "offers": current.offers.count()}
        current.effects = EffectsState.DONE
        current.save(update_fields=["applied", "effects"])
    return opened


# ---------------------------------------------------------------------------------------------
# Withdraw
# ---------------------------------------------------------------------------------------------


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
        refusal = withdraw_refusal(official_list, by)
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
            _after_commit(official_list.pk)
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
            restored, Qualification, RESTORED, batch_size=BATCH, default_user=by
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
