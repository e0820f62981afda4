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
from portal import clock, uploads

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
    original = getattr(upload, "name", "") or ""
    rows = [_row_of(read) for read in read_list(upload, file_name=original)]
    upload.seek(0)
    workbook = upload.read(4).startswith(uploads.ZIP_SIGNATURE)
    # Shown and stored under a harmless name (no path, no control or text-direction characters).
    extension = ".xlsx" if workbook else ".csv"
    stem = original[: -len(extension)] if original.lower().endswith(extension) else original
    file_name = uploads.safe_name(stem, extension=extension)
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
    """The fields a list changes, as JSON (kept on the row, to undo it)."""
    values = {}
    for name in RESTORED:
        value = getattr(qualification, name if name != "verified_by" else "verified_by_id")
        values[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def _recognition(held: list[Qualification], row: ListRow) -> str:
    earlier = any(q.recognized_on < row.recognized_on for q in held)
    return Recognition.RENEWAL if earlier else Recognition.NEW


def _create_unclaimed(rows: list[ListRow], *, by: User) -> int:
    """Unclaimed profiles for the new enterprises (through the enterprises' service); a row whose
    enterprise cannot be created becomes invalid with the reason. Returns how many were made."""
    created: dict[str, Enterprise] = {}
    regions = judging.Regions()
    for row in rows:
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
                    announce=False,  # the list recomputes all its enterprises at once below
                )
        except (ValidationError, IntegrityError) as error:
            row.outcome = Outcome.INVALID
            row.reason = _("The enterprise could not be created: %(error)s") % {
                "error": "；".join(getattr(error, "messages", [str(error)]))
            }
            continue
        row.enterprise_created = True
        created[row.credit_code] = row.enterprise
    return len(created)


def _refuse(row: ListRow, reason: str) -> None:
    row.outcome, row.reason = Outcome.INVALID, reason


def _take_over(qualification: Qualification, row: ListRow, mine: list[Qualification]) -> bool:
    """Give a recorded qualification the list's values (the list is the official source); False,
    changing nothing, where that would make it the twin of another of the enterprise's rows."""
    level = row.level or qualification.level
    if any(
        q is not qualification and (q.level, q.recognized_on) == (level, row.recognized_on)
        for q in mine
    ):
        return False
    row.previous = _snapshot(qualification)
    kept = qualification.expires_on
    qualification.recognized_on = row.recognized_on
    qualification.level = level
    qualification.certificate_number = row.certificate_number or qualification.certificate_number
    qualification.expires_on = row.expires_on or (
        kept if kept and kept >= row.recognized_on else None
    )
    return True


def _verify(rows: list[ListRow], *, by: User, source: str) -> tuple[int, int]:
    """Create, or mark verified, the qualification each row names, with the list as its source
    (who, when, which 批次). Returns (created, marked verified)."""
    now = timezone.now()
    held: dict[tuple[int, str], list[Qualification]] = {}
    for qualification in Qualification.objects.select_for_update().filter(
        enterprise_id__in={row.enterprise.pk for row in rows}
    ):
        held.setdefault((qualification.enterprise_id, qualification.kind), []).append(qualification)
    new: list[tuple[ListRow, Qualification]] = []
    changed: dict[int, Qualification] = {}
    for row in rows:
        mine = held.setdefault((row.enterprise.pk, row.kind), [])
        qualification = judging.same_recognition(mine, row)
        if qualification is None:
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
        elif qualification.pk is None or qualification.pk in changed:
            _refuse(row, _("Another row of the list already names this qualification."))
            continue
        elif _take_over(qualification, row, mine):
            changed[qualification.pk] = qualification
        else:
            _refuse(
                row,
                _(
                    "The profile would hold this qualification twice; the enterprise should "
                    "delete the wrong one first."
                ),
            )
            continue
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
        for (row, _unsaved), qualification in zip(new, saved, strict=True):
            row.qualification = qualification
    if changed:
        bulk_update_with_history(
            list(changed.values()),
            Qualification,
            [name for name in RESTORED if name != "recognition"],
            batch_size=BATCH,
            default_user=by,
        )
    return len(new), len(changed)


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
        applying = [
            row
            for row in rows
            if row.outcome in (Outcome.MATCHED, Outcome.NEW_ENTERPRISE, Outcome.CONFLICT)
            or (row.outcome == Outcome.NAME_MISMATCH and row.number in ticked)
        ]
        enterprises_created = _create_unclaimed(applying, by=by)
        applying = [row for row in applying if row.enterprise is not None]
        created, verified = _verify(applying, by=by, source=official_list.source)
        proven = {row.enterprise.pk for row in rows if row.applied}
        for enterprise_id in proven:
            # The list names the code and the company: proof of the company, not of a person.
            enterprise_services.company_proof_record(
                enterprise=Enterprise(pk=enterprise_id), source=official_list.source
            )
        for row in rows:
            row.apply_anyway = row.outcome == Outcome.NAME_MISMATCH and row.applied
        # The rows are written again whole: an UPDATE of thousands of rows by CASE … WHEN (what
        # bulk_update writes) grows with the square of the batch; DELETE and INSERT do not.
        official_list.rows.all().delete()
        ListRow.objects.bulk_create(rows, batch_size=BATCH)
        official_list.state = ListState.CONFIRMED
        official_list.confirmed_by = by
        official_list.confirmed_at = timezone.now()
        official_list.counts = judging.counts(rows)
        official_list.applied = {
            "qualifications_created": created,
            "qualifications_verified": verified,
            "enterprises_created": enterprises_created,
            "enterprises": len(proven),
            "offers": 0,
        }
        official_list.effects = EffectsState.PENDING
        official_list._history_user = by
        official_list.save(
            update_fields=["state", "confirmed_by", "confirmed_at", "counts", "applied", "effects"]
        )
        after_commit(official_list.pk)
    return official_list


def after_commit(list_id: int) -> None:
    """Once the transaction commits, queue the list's effects (matches, offers)."""
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
    # Pending, or failed before (a retry): anything else has been done already.
    if official_list is None or official_list.effects not in (
        EffectsState.PENDING,
        EffectsState.FAILED,
    ):
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
