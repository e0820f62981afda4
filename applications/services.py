"""Services of applications: they write. Every step of a case goes through ``transition``: one
transaction, the case row locked, the step checked against the workflow, an event row, outbox
rows, and — on approval — the budget debited under a row lock."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from applications import casework, ledger, notifications, sending, workflow
from applications.casework import (  # noqa: F401 - the services' public names
    ApplicationError,
    approval_problems,
    calendar,
    evaluate,
    period_for,
    processing_days,
    routing_bureaus,
    submission_problems,
)
from applications.models import (
    DECLARATION_TEXT,
    EDITABLE_STATES,
    OPEN_STATES,
    RUNNING_STATES,
    Application,
    ApplicationMaterial,
    CaseEvent,
    CaseNumberCounter,
    CosignRequest,
    EnterpriseFile,
    Holiday,
    Objection,
    State,
)
from applications.signals import case_ended
from enterprises.models import Enterprise
from incentives import facts as fact_readers
from incentives import services as catalogue_services
from incentives.engine import ELIGIBLE, evaluate_item
from incentives.models import IncentiveItem, PaysOnce
from incentives.plans import claim_keys
from portal import clock
from portal.uploads import UploadRefused, inspect_upload, storage_path

logger = logging.getLogger(__name__)
HOLIDAYS_FILE = Path(__file__).resolve().parent / "data" / "holidays.yaml"


# ---------------------------------------------------------------------------------------------
# Working days
# ---------------------------------------------------------------------------------------------


def holidays_load(*, path: Path = HOLIDAYS_FILE) -> int:
    """Load the official holiday arrangements into the admin-editable table (idempotent)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    count = 0
    for year in (data.get("years") or {}).values():
        for row, working in [(r, False) for r in year.get("days_off") or []] + [
            (r, True) for r in year.get("workdays") or []
        ]:
            Holiday.objects.update_or_create(
                date=row["date"], defaults={"name": row["name"], "is_working_day": working}
            )
            count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Starting and filling a case
# ---------------------------------------------------------------------------------------------


def application_start(*, user, item: IncentiveItem) -> Application:
    """Open (or resume) the enterprise's draft for this item and period, prefilled from the
    profile where an input is a profile fact. Refused where the item does not serve the
    enterprise or the ledger says it was paid already."""
    if item.support_kind not in ("money", "status"):
        raise ApplicationError(
            _("This item is information or a service; there is nothing to apply for.")
        )
    if not routing_bureaus(item=item):
        raise ApplicationError(_("The annex names no unit to receive applications for this item."))
    enterprise = user.enterprise
    refusal = casework.scope_refusal(item, enterprise)
    if refusal:
        raise ApplicationError(refusal)
    period = period_for(on=clock.today())
    open_cases = Application.objects.filter(enterprise=enterprise, item=item, state__in=OPEN_STATES)
    # A once-only award has one case at a time, whatever the year it was started in.
    existing = (
        open_cases if item.pays == PaysOnce.ONCE else open_cases.filter(period=period)
    ).first()
    if existing:
        return existing
    refusal = ledger.refusal_before_claim(enterprise_id=enterprise.pk, item=item, period=period)
    if refusal:
        raise ApplicationError(refusal)
    facts = casework.profile_facts(enterprise, clock.today())
    prefill = {key: _jsonable(facts[key]) for key in claim_keys(item) if facts.get(key) is not None}
    try:
        with transaction.atomic():
            application = Application.objects.create(
                reference=case_number_next(item=item, enterprise=enterprise),
                enterprise=enterprise,
                item=item,
                period=period,
                created_by=user,
                form_data=prefill,
                contact_name=(user.full_name or "")[:40],
            )
            _event(application, "create", "", State.DRAFT, user)
    except IntegrityError:  # another tab opened it at the same moment
        return open_cases.get(period=period)
    return application


def case_number_next(*, item: IncentiveItem, enterprise: Enterprise) -> str:
    """A readable case number: the city that handles the case, the year, and the next number
    of that city's year (唐山-2026-000123). Call inside the transaction that creates the case:
    the counter's row stays locked until it commits, so no two cases share a number."""
    region = item.measure.document.region
    city = region if region.level == "city" else enterprise.city
    prefix = (city.name.removesuffix("市") or city.name)[:12] if city else "SQ"
    year = clock.today().year
    counter, _created = CaseNumberCounter.objects.select_for_update().get_or_create(
        prefix=prefix, year=year
    )
    while True:
        counter.last += 1
        reference = f"{prefix}-{year}-{counter.last:06d}"
        # A number taken by a row made another way (an import) is skipped, never reused.
        if not Application.objects.filter(reference=reference).exists():
            break
    counter.save(update_fields=["last"])
    return reference


def _jsonable(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def application_update(*, application: Application, user, form_data: dict[str, Any]) -> None:
    if user.enterprise_id != application.enterprise_id or application.state not in EDITABLE_STATES:
        raise ApplicationError(_("This application cannot be changed now."))
    application.form_data = {key: _jsonable(value) for key, value in form_data.items()}
    application.save(update_fields=["form_data"])


def application_details_save(
    *,
    application: Application,
    user,
    contact_name: str,
    contact_phone: str,
    requested_amount: Decimal | None,
    bank_account: str | None = None,
) -> None:
    """Save who the bureau calls about the case and the amount requested (yuan), each checked:
    the phone a mobile or a landline with its area code, the amount within the rule's bounds
    for the claim as saved (``sending.requested_amount_problem``)."""
    if user.enterprise_id != application.enterprise_id or application.state not in EDITABLE_STATES:
        raise ApplicationError(_("This application cannot be changed now."))
    phone = ""
    if contact_phone.strip():
        phone = sending.phone_normalised(contact_phone)
        if phone is None:
            raise ApplicationError(
                _("The contact phone is not a mobile or a landline with its area code.")
            )
    terms = sending.amount_terms(application)
    if terms is None or not terms.open:
        requested_amount = None  # the rule fixes the amount (recorded when the case is sent)
    elif requested_amount is not None:
        problem = sending.requested_amount_problem(application, requested_amount)
        if problem:
            raise ApplicationError(problem)
    application.contact_name = " ".join(contact_name.split())[:40]
    application.contact_phone = phone
    application.requested_amount = requested_amount
    fields = ["contact_name", "contact_phone", "requested_amount"]
    if bank_account is not None and application.state == State.OFFERED:
        application.bank_account = bank_account.strip()[:64]
        fields.append("bank_account")
    try:
        application.full_clean(exclude=["enterprise", "item", "created_by", "lead_bureaus"])
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages)) from error
    application.save(update_fields=fields)


def application_send(*, application_id: int, user, declared: bool, seen: str = "") -> Application:
    """Send the case the enterprise has checked on the confirmation page: the 承诺书 agreed to
    (who, when, its words), the amount requested recorded (the rule's own figure where it gives
    one), then the workflow's step (submit, resubmit or confirm), which checks the money
    invariants again. Refused, with the reason, if anything changed since it was shown."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("item__measure__document", "enterprise")
            .get(pk=application_id)
        )
        if not user.is_authenticated or user.enterprise_id != application.enterprise_id:
            raise ApplicationError(_("Only the applying enterprise may do this."))
        action = sending.SENDING_ACTIONS.get(application.state)
        if action is None:
            raise ApplicationError(_("This application cannot be sent now."))
        if not declared:
            raise ApplicationError(
                _("Tick the declaration (承诺书) to send the application: it is required.")
            )
        if seen != sending.application_fingerprint(application):
            raise ApplicationError(
                _("The application has changed since you checked it; check it again.")
            )
        problems = sending.sending_problems(application)
        if problems:
            raise ApplicationError(" ".join(problems))
        terms = sending.amount_terms(application)
        if terms is not None and terms.exact is not None and terms.exact > 0:
            application.requested_amount = terms.exact
        application.declared_by, application.declared_at = user, timezone.now()
        application.declaration_text = str(DECLARATION_TEXT)
        application.save(
            update_fields=["requested_amount", "declared_by", "declared_at", "declaration_text"]
        )
        return transition(
            application_id=application.pk,
            user=user,
            action=action,
            bank_account=application.bank_account,
        )


def file_upload(*, enterprise: Enterprise, user, label: str, upload) -> EnterpriseFile:
    """Keep an uploaded file in the enterprise's library, recognised by its content."""
    try:
        info = inspect_upload(upload)
    except UploadRefused as refusal:
        raise ApplicationError(str(refusal)) from refusal
    stored = EnterpriseFile(
        enterprise=enterprise,
        label=label,
        original_name=info.safe_name,
        kind=info.kind,
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=user,
    )
    upload.seek(0)
    stored.file.save(
        storage_path(enterprise_id=enterprise.pk, info=info), ContentFile(upload.read()), save=False
    )
    stored.save()
    return stored


def material_attach(
    *, application: Application, user, label: str, enterprise_file: EnterpriseFile
) -> None:
    if (
        enterprise_file.enterprise_id != application.enterprise_id
        or user.enterprise_id != application.enterprise_id
    ):
        raise ApplicationError(_("This file belongs to another enterprise."))
    if application.state not in EDITABLE_STATES:
        raise ApplicationError(
            _("Materials can be changed only in a draft or while a supplement is asked for.")
        )
    ApplicationMaterial.objects.create(application=application, label=label, file=enterprise_file)


# ---------------------------------------------------------------------------------------------
# Transitions
# ---------------------------------------------------------------------------------------------


def _event(application, action, from_state, to_state, actor, comment="", amount=None) -> CaseEvent:
    return CaseEvent.objects.create(
        application=application,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        comment=comment,
        amount=amount,
    )


def transition(
    *,
    application_id: int,
    user,
    action: str,
    comment: str = "",
    amount: Decimal | None = None,
    paid_on: datetime.date | None = None,
    payment_reference: str = "",
    cosign_bureau_ids: list[int] | None = None,
    bank_account: str = "",
    objection_id: int | None = None,
) -> Application:
    """Take one step of a case, or refuse it with the reason: lock the case, check the step
    (actor, state, guards), apply its effect, record the event, notify (see ``workflow``)."""
    rule = workflow.TRANSITIONS[action]
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("item__measure__document", "enterprise")
            .get(pk=application_id)
        )
        refusal = workflow.refusal(action, application, user)
        if refusal:
            raise ApplicationError(refusal)
        if rule.needs_comment and not comment.strip():
            raise ApplicationError(_("Say why: the enterprise reads it."))
        step = workflow.Step(
            application=application,
            user=user,
            on=clock.today(),
            comment=comment,
            amount=amount,
            paid_on=paid_on,
            payment_reference=payment_reference,
            cosign_bureau_ids=list(cosign_bureau_ids or []),
            bank_account=bank_account,
            objection_id=objection_id,
            target=rule.target,
            recipients=rule.recipients,
        )
        source = application.state
        if rule.effect is not None:
            rule.effect(step)
        application.state = step.target
        application.save(update_fields=list(dict.fromkeys(step.fields)))
        event = _event(
            application, action, source, step.target, user, step.comment, step.event_amount
        )
        if step.recipients == workflow.TO_NAMED:
            notifications.notify(
                application=application, action=action, event=event, bureaus=step.bureaus
            )
        elif step.recipients != workflow.TO_NOBODY and (
            action != "withdraw" or source != State.DRAFT
        ):
            notifications.notify(
                application=application,
                action=step.notice or action,
                event=event,
                to=step.recipients,
            )
        if source in OPEN_STATES and step.target not in OPEN_STATES:
            # What listens (好差评's invitation) writes in this transaction, in its own savepoint;
            # its failure is logged and never undoes the step (a payment stays recorded).
            for receiver, outcome in case_ended.send_robust(
                sender=Application, application_id=application.pk, state=step.target
            ):
                if isinstance(outcome, Exception):
                    logger.error(
                        "case_ended receiver %s failed for %s: %r",
                        receiver,
                        application.reference,
                        outcome,
                    )
    return application


def cosign_answer(*, request_id: int, user, opinion: str, comment: str) -> CosignRequest:
    with transaction.atomic():
        request = (
            CosignRequest.objects.select_for_update()
            .select_related("application")
            .get(pk=request_id)
        )
        if (
            not user.is_authenticated
            or user.role != "bureau"
            or user.bureau_id != request.bureau_id
        ):
            raise ApplicationError(_("Only the bureau asked may answer this co-review."))
        if request.answered_at:
            raise ApplicationError(_("This co-review has been answered already."))
        if opinion not in CosignRequest.Opinion.values:
            raise ApplicationError(_("Choose agree or disagree."))
        request.opinion, request.comment = opinion, comment
        request.answered_by, request.answered_at = user, timezone.now()
        request.save(update_fields=["opinion", "comment", "answered_by", "answered_at"])
        application = request.application
        label = CosignRequest.Opinion(opinion).label
        event = _event(
            application, "cosign_answer", application.state, application.state, user,
            f"{request.bureau}：{label}。{comment}".strip(),
        )  # fmt: skip
        notifications.notify(application=application, action="cosign_answer", event=event)
    return request


def objection_file(*, application_id: int, text: str, contact: str, address: str = "") -> Objection:
    """Record an objection during 公示 and tell the lead bureau, which decides on it. Nothing
    about the case changes by the objection alone. Limited per sender's address and per case."""
    text, contact = text.strip(), contact.strip()
    if not text:
        raise ApplicationError(_("Write the objection."))
    if not contact:
        raise ApplicationError(_("Say how the bureau can reach you about the objection."))
    address_hash = _address_hash(address) if address else ""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application_id)
        if application.state != State.PUBLICIZED or (
            application.publicity_ends and clock.today() > application.publicity_ends
        ):
            raise ApplicationError(_("This case is not in publicity; objections are closed."))
        day_ago = timezone.now() - datetime.timedelta(days=1)
        if address_hash and (
            Objection.objects.filter(address_hash=address_hash, received_at__gte=day_ago).count()
            >= settings.OBJECTIONS_PER_ADDRESS_PER_DAY
        ):
            raise ApplicationError(
                _("Too many objections from this address today; try again tomorrow.")
            )
        if (
            application.objections.filter(status=Objection.Status.PENDING).count()
            >= settings.OBJECTIONS_PENDING_PER_CASE
        ):
            raise ApplicationError(
                _("This case has many objections awaiting the bureau; yours would add nothing.")
            )
        objection = Objection.objects.create(
            application=application,
            text=text[:5000],
            contact=contact[:100],
            address_hash=address_hash,
        )
        event = _event(
            application, "objection", application.state, application.state, None, text[:500]
        )
        notifications.notify(application=application, action="objection", event=event)
    return objection


def _address_hash(address: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def applications_offer(
    *, on: datetime.date | None = None, enterprise_ids: list[int] | None = None
) -> int:
    """免申即享: open a case, awaiting the enterprise's confirmation, wherever verified data alone
    prove eligibility for an item granted without application (only for the enterprises of
    ``enterprise_ids`` when given: an official list just verified their qualifications)."""
    on = on or clock.today()
    items = IncentiveItem.objects.filter(
        delivery="no_application", support_kind="money"
    ).select_related("measure__document")
    opened = 0
    for item in items:
        spec = catalogue_services.item_spec(item=item)
        matches = item.matches.filter(status=ELIGIBLE)
        if enterprise_ids is not None:
            matches = matches.filter(enterprise_id__in=enterprise_ids)
        for match in matches.select_related("enterprise"):
            enterprise = match.enterprise
            verified = Enterprise.objects.prefetch_related(
                _verified("qualifications"), _verified("yearly_figures")
            ).get(pk=enterprise.pk)
            facts = fact_readers.profile_facts(fact_readers.Profile.of(verified), on)
            if evaluate_item(spec, facts, on=on).verdict != ELIGIBLE:
                continue
            period = period_for(on=on)
            # Never an offer outside the item's scope, or where the ledger holds a grant.
            if casework.scope_refusal(item, enterprise) or ledger.refusal_before_claim(
                enterprise_id=enterprise.pk, item=item, period=period
            ):
                continue
            if (
                item.pays == PaysOnce.ONCE
                and Application.objects.filter(
                    enterprise=enterprise, item=item, state__in=OPEN_STATES
                ).exists()
            ):
                continue
            admin = (
                enterprise.users.filter(is_enterprise_admin=True).first()
                or enterprise.users.first()
            )
            if admin is None:
                continue
            try:
                with transaction.atomic():
                    application = Application.objects.create(
                        reference=case_number_next(item=item, enterprise=enterprise),
                        enterprise=enterprise,
                        item=item,
                        period=period,
                        state=State.OFFERED,
                        created_by=admin,
                    )
                    application.lead_bureaus.set(routing_bureaus(item=item))
                    event = _event(application, "offer", "", State.OFFERED, None)
                    notifications.notify(
                        application=application,
                        action="offer",
                        event=event,
                        to=notifications.TO_ENTERPRISE,
                    )
            except IntegrityError:
                continue  # already offered or applied for this period
            opened += 1
    return opened


def offer_withdraw(*, application_id: int, by, reason: str) -> bool:
    """A bureau takes back a 免申即享 offer the enterprise has not confirmed yet (the list that
    proved it was withdrawn): the case ends as withdrawn with an event saying who and why, and
    the enterprise is told. Returns False, changing nothing, once the case has moved on."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update().select_related("item").get(pk=application_id)
        )
        if application.state != State.OFFERED:
            return False
        application.state = State.WITHDRAWN
        application.save(update_fields=["state"])
        event = _event(application, "offer_withdraw", State.OFFERED, State.WITHDRAWN, by, reason)
        notifications.notify(
            application=application,
            action="offer_withdraw",
            event=event,
            to=notifications.TO_ENTERPRISE,
        )
        # No case_ended: the enterprise never acted on the offer, so there is nothing to rate.
    return True


def _verified(relation: str):
    model = Enterprise._meta.get_field(relation).related_model
    return Prefetch(relation, queryset=model.objects.filter(source="verified"))


def deadlines_check(*, on: datetime.date | None = None) -> dict[str, int]:
    """Remind the lead bureau before a deadline; escalate overdue cases to heads and admins."""
    on = on or clock.today()
    soon = calendar().add_working_days(on, settings.DEADLINE_REMINDER_DAYS)
    running = Application.objects.filter(
        state__in=RUNNING_STATES,
        deadline__isnull=False,
    ).select_related("item")
    reminded = escalated = 0
    for application in running.filter(
        deadline__gte=on, deadline__lte=soon, reminded_at__isnull=True
    ):
        with transaction.atomic():
            if Application.objects.filter(pk=application.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                notifications.notify(
                    application=application,
                    action="reminder",
                    event=None,
                    key=f"reminder:{application.pk}",
                    body=_("The payment deadline is %(date)s.") % {"date": application.deadline},
                )
                reminded += 1
    admins = list(User.objects.filter(role=Role.CATALOGUE_ADMIN, is_active=True))
    for application in running.filter(deadline__lt=on, escalated_at__isnull=True):
        with transaction.atomic():
            if Application.objects.filter(pk=application.pk, escalated_at__isnull=True).update(
                escalated_at=timezone.now()
            ):
                heads = User.objects.filter(
                    bureau__in=application.lead_bureaus.all(),
                    bureau_position="head",
                    is_active=True,
                )
                notifications.notify(
                    application=application,
                    action="overdue",
                    event=None,
                    bureaus=[],
                    extra_users=[*heads, *admins],
                    key=f"overdue:{application.pk}",
                    body=_("The payment deadline was %(date)s.") % {"date": application.deadline},
                )
                escalated += 1
    return {"reminded": reminded, "escalated": escalated}
