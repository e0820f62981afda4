"""Services of applications: they write. Every step of a case goes through ``transition``: one
transaction, the case row locked, the step checked against the workflow, an event row, outbox
rows, and — on approval — the budget debited under a row lock."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import notifications, workflow
from applications.calendar import from_rows
from applications.models import (
    Application,
    ApplicationMaterial,
    CaseEvent,
    CosignRequest,
    EnterpriseFile,
    Holiday,
    ItemBudget,
    Objection,
    State,
)
from applications.uploads import UploadRefused, inspect_upload, storage_path
from incentives import facts as fact_readers
from incentives import selectors as catalogue_selectors
from incentives import services as catalogue_services
from incentives.engine import ELIGIBLE, LIKELY_ELIGIBLE, NOT_ELIGIBLE, NOT_IN_FORCE, evaluate_item
from incentives.matching import claim_keys
from incentives.models import AssignmentRole, CrossItemLimit, Grant, IncentiveItem
from incentives.rules import format_wan, rule_in_effect, rule_upper_bound
from portal.models import Bureau, Enterprise

HOLIDAYS_FILE = Path(__file__).resolve().parent / "data" / "holidays.yaml"


class ApplicationError(Exception):
    """A step that cannot be taken; the message says why, for the person who tried."""


def today() -> datetime.date:
    return timezone.localdate()


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


def calendar():
    return from_rows(Holiday.objects.values_list("date", "is_working_day"))


def processing_days(item: IncentiveItem) -> int:
    return item.processing_days or settings.DEFAULT_PROCESSING_DAYS


# ---------------------------------------------------------------------------------------------
# Starting and filling a case
# ---------------------------------------------------------------------------------------------


def period_for(*, on: datetime.date) -> str:
    return str(on.year)


def routing_bureaus(*, item: IncentiveItem) -> list[Bureau]:
    """Where a case goes: the lead units of the annex. Where the document names only 责任单位
    (鹤壁 2019), the first of them receives the case."""
    leads = catalogue_selectors.item_bureaus(item, AssignmentRole.LEAD)
    if leads:
        return leads
    return catalogue_selectors.item_bureaus(item, AssignmentRole.RESPONSIBLE)[:1]


def _profile_facts(enterprise: Enterprise, on: datetime.date) -> dict[str, Any]:
    loaded = Enterprise.objects.prefetch_related("qualifications", "yearly_figures").get(
        pk=enterprise.pk
    )
    return fact_readers.profile_facts(fact_readers.Profile.of(loaded), on)


def application_start(*, user, item: IncentiveItem) -> Application:
    """Open (or resume) the enterprise's draft for this item and period, prefilled from the
    profile where an input is a profile fact."""
    if item.support_kind not in ("money", "status"):
        raise ApplicationError(
            _("This item is information or a service; there is nothing to apply for.")
        )
    if not routing_bureaus(item=item):
        raise ApplicationError(_("The annex names no unit to receive applications for this item."))
    period = period_for(on=today())
    existing = Application.objects.filter(
        enterprise=user.enterprise, item=item, period=period, state__in=workflow_open_states()
    ).first()
    if existing:
        return existing
    facts = _profile_facts(user.enterprise, today())
    prefill = {key: _jsonable(facts[key]) for key in claim_keys(item) if facts.get(key) is not None}
    try:
        with transaction.atomic():
            application = Application.objects.create(
                enterprise=user.enterprise,
                item=item,
                period=period,
                created_by=user,
                form_data=prefill,
            )
            _event(application, "create", "", State.DRAFT, user)
    except IntegrityError:  # another tab opened it at the same moment
        return Application.objects.get(
            enterprise=user.enterprise, item=item, period=period, state__in=workflow_open_states()
        )
    return application


def workflow_open_states() -> list[str]:
    from applications.models import OPEN_STATES

    return OPEN_STATES


def _jsonable(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def application_update(*, application: Application, user, form_data: dict[str, Any]) -> None:
    if user.enterprise_id != application.enterprise_id or application.state not in (
        State.DRAFT,
        State.SUPPLEMENT,
        State.OFFERED,
    ):
        raise ApplicationError(_("This application cannot be changed now."))
    application.form_data = {key: _jsonable(value) for key, value in form_data.items()}
    application.save(update_fields=["form_data"])


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
    if application.state not in (State.DRAFT, State.SUPPLEMENT, State.OFFERED):
        raise ApplicationError(
            _("Materials can be changed only in a draft or while a supplement is asked for.")
        )
    ApplicationMaterial.objects.create(application=application, label=label, file=enterprise_file)


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------


def _claim_facts(application: Application) -> dict[str, Any]:
    facts = _profile_facts(application.enterprise, today())
    declared = catalogue_services.item_declared(item=application.item)
    for key, value in (application.form_data or {}).items():
        if value in (None, ""):
            continue
        kind = (declared.get(key) or {}).get("type")
        if kind in ("money", "decimal", "percent"):
            value = Decimal(str(value))
        elif kind == "int":
            value = int(value)
        elif kind == "date" and isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        facts[key] = value
    return facts


def evaluate(application: Application, *, on: datetime.date | None = None):
    """The item's verdict for the enterprise's profile and what the claim states."""
    spec = catalogue_services.item_spec(item=application.item)
    return evaluate_item(spec, _claim_facts(application), on=on or today())


def submission_problems(application: Application) -> list[str]:
    """Everything that stops a submission, each in a sentence."""
    problems = []
    item = application.item
    declared = catalogue_services.item_declared(item=item)
    for input_ in item.inputs or []:
        if application.form_data.get(input_["key"]) in (None, ""):
            problems.append(
                _("Fill in: %(label)s.") % {"label": input_.get("label") or input_["key"]}
            )
    have = set(application.materials.values_list("label", flat=True))
    missing = [m for m in item.materials or [] if m not in have]
    if missing:
        problems.append(_("Attach: %(materials)s.") % {"materials": "、".join(missing)})
    state = catalogue_selectors.item_state(item, today())
    if state == "upcoming":
        problems.append(
            _("The application window opens on %(date)s.") % {"date": item.window_opens}
        )
    elif state == "closed":
        problems.append(
            _("The application window closed on %(date)s.") % {"date": item.window_closes}
        )
    verdict = evaluate(application)
    if verdict.verdict == NOT_IN_FORCE:
        problems.extend(verdict.reasons[:1])
    elif verdict.verdict == NOT_ELIGIBLE:
        problems.extend(
            _("Not eligible: %(reason)s") % {"reason": reason} for reason in verdict.failed
        )
    elif verdict.missing:
        labels = "、".join((declared.get(k) or {}).get("label", k) for k in verdict.missing)
        problems.append(_("Complete your profile first: %(facts)s.") % {"facts": labels})
    return problems


def approval_problems(
    application: Application, amount: Decimal | None, *, lock_budget: bool
) -> list[str]:
    """Whether an amount fits the rule, the item's remaining budget and the enterprise's caps."""
    item = application.item
    rule = rule_in_effect([r.as_rule() for r in item.rules.all()], today())
    gives_money = item.support_kind == "money" and rule is not None and rule.get("kind") != "none"
    if not gives_money:
        return [] if not amount else [_("This item gives no money; approve it without an amount.")]
    if amount is None or amount <= 0:
        return [_("Give the approved amount.")]
    verdict = evaluate(application)
    if verdict.verdict not in (ELIGIBLE, LIKELY_ELIGIBLE):
        return [
            _("The case no longer meets the conditions: %(why)s")
            % {"why": "；".join(verdict.failed or verdict.reasons[:1])}
        ]
    estimate = verdict.estimate
    problems = []
    if estimate.kind == "exact" and amount != estimate.amount:
        problems.append(
            _("The rule gives exactly %(amount)s (%(why)s).")
            % {"amount": format_wan(estimate.amount), "why": estimate.breakdown}
        )
    elif estimate.kind in ("range", "formula"):
        low, high = estimate.minimum or Decimal(0), estimate.maximum
        if estimate.kind == "formula":
            high = rule_upper_bound(rule)
        if amount < low or (high is not None and amount > high):
            problems.append(
                _("The amount must be between %(min)s and %(max)s.")
                % {"min": format_wan(low), "max": format_wan(high) if high is not None else "—"}
            )
    year = today().year
    for limit in CrossItemLimit.objects.filter(items=item).prefetch_related("items"):
        granted = Grant.objects.filter(
            enterprise=application.enterprise, item__in=limit.items.all(), reversed_at__isnull=True
        )
        if limit.kind == "yearly_cap":
            granted = granted.filter(granted_on__year=year)
        used = granted.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if limit.kind == "exclusive" and used > 0:
            problems.append(
                _("Already granted within “%(note)s”: no double award.")
                % {"note": limit.note or limit.key}
            )
        elif limit.kind in ("yearly_cap", "total_cap") and used + amount > limit.amount:
            problems.append(
                _("%(note)s: %(used)s already granted, at most %(room)s more.")
                % {
                    "note": limit.note or limit.key,
                    "used": format_wan(used),
                    "room": format_wan(max(limit.amount - used, 0)),
                }
            )
    if item.yearly_budget is not None:
        budget = _budget_row(item, year, lock=lock_budget)
        if budget.remaining < amount:
            problems.append(
                _("The item's budget for %(year)s has %(left)s left.")
                % {"year": year, "left": format_wan(budget.remaining)}
            )
    return problems


def _budget_row(item: IncentiveItem, year: int, *, lock: bool) -> ItemBudget:
    query = ItemBudget.objects.select_for_update() if lock else ItemBudget.objects
    budget = query.filter(item=item, year=year).first()
    if budget is None:
        try:
            with transaction.atomic():
                ItemBudget.objects.create(item=item, year=year, total=item.yearly_budget)
        except IntegrityError:
            pass  # created by a concurrent approval
        budget = query.get(item=item, year=year)
    return budget


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
) -> Application:
    """Take one step of a case, or refuse it with the reason."""
    step = workflow.TRANSITIONS[action]
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("item__measure__document", "enterprise")
            .get(pk=application_id)
        )
        refusal = (
            workflow.state_refusal(step, application)
            if step.actor == workflow.SYSTEM
            else workflow.refusal(action, application, user)
        )
        if refusal:
            raise ApplicationError(refusal)
        if step.needs_comment and not comment.strip():
            raise ApplicationError(_("Say why: the enterprise reads it."))
        source, target = application.state, workflow.target_of(step, application)
        fields = ["state"]
        cosign_bureaus = []
        if action in ("submit", "confirm", "resubmit"):
            if action == "confirm":
                if not bank_account.strip():
                    raise ApplicationError(_("Give the bank account the money is paid to."))
                application.bank_account = bank_account.strip()
                fields.append("bank_account")
            problems = submission_problems(application)
            if problems:
                raise ApplicationError(" ".join(problems))
            application.submitted_at = timezone.now()
            fields.append("submitted_at")
            if action != "resubmit":
                application.lead_bureaus.set(routing_bureaus(item=application.item))
        elif action == "accept":
            application.accepted_on = today()
            application.deadline = calendar().add_working_days(
                today(), processing_days(application.item)
            )
            fields += ["accepted_on", "deadline"]
        elif action == "request_cosign":
            responsible = catalogue_selectors.item_bureaus(
                application.item, AssignmentRole.RESPONSIBLE
            )
            allowed = {
                b.pk: b
                for b in responsible
                if b.city_id == application.item.measure.document.region_id
            }
            chosen = [allowed[pk] for pk in cosign_bureau_ids or [] if pk in allowed] or list(
                allowed.values()
            )
            lead_ids = set(application.lead_bureaus.values_list("pk", flat=True))
            cosign_bureaus = [b for b in chosen if b.pk not in lead_ids]
            if not cosign_bureaus:
                raise ApplicationError(
                    _("The annex names no responsible unit to ask for co-review.")
                )
            CosignRequest.objects.bulk_create(
                CosignRequest(application=application, bureau=b, requested_by=user)
                for b in cosign_bureaus
            )
        elif action == "approve":
            amount = amount if amount is not None else None
            problems = approval_problems(application, amount, lock_budget=True)
            if problems:
                raise ApplicationError(" ".join(problems))
            if amount:
                if application.item.yearly_budget is not None:
                    budget = _budget_row(application.item, today().year, lock=True)
                    budget.used += amount
                    budget.save(update_fields=["used"])
                Grant.objects.create(
                    enterprise=application.enterprise,
                    item=application.item,
                    granted_on=today(),
                    amount=amount,
                    source=Grant.Source.APPLICATION,
                    reference=application.reference,
                )
            application.approved_amount = amount
            application.decided_at = timezone.now()
            fields += ["approved_amount", "decided_at"]
        elif action == "reject":
            application.decided_at = timezone.now()
            fields.append("decided_at")
        elif action == "publicize":
            days = application.item.publicity_days or settings.DEFAULT_PUBLICITY_DAYS
            application.publicity_ends = calendar().add_working_days(today(), days)
            fields.append("publicity_ends")
        elif action == "reopen":
            _reverse_approval(application)
            application.approved_amount, application.decided_at, application.publicity_ends = (
                None,
                None,
                None,
            )
            fields += ["approved_amount", "decided_at", "publicity_ends"]
        elif action == "disburse":
            if not paid_on or not payment_reference.strip():
                raise ApplicationError(_("Give the payment date and the payment reference."))
            application.paid_on, application.payment_reference = paid_on, payment_reference.strip()
            fields += ["paid_on", "payment_reference"]
        application.state = target
        application.save(update_fields=fields)
        event = _event(
            application,
            action,
            source,
            target,
            user,
            comment,
            amount if action == "approve" else None,
        )
        if action == "request_cosign":
            notifications.notify(
                application=application, action=action, event=event, bureaus=cosign_bureaus
            )
        elif action != "withdraw" or source != State.DRAFT:
            notifications.notify(application=application, action=action, event=event)
    return application


def _reverse_approval(application: Application) -> None:
    grant = (
        Grant.objects.select_for_update()
        .filter(reference=application.reference, reversed_at__isnull=True)
        .first()
    )
    if grant is None:
        return
    grant.reversed_at = timezone.now()
    grant.save(update_fields=["reversed_at"])
    if application.item.yearly_budget is not None:
        budget = _budget_row(application.item, grant.granted_on.year, lock=True)
        budget.used -= grant.amount
        budget.save(update_fields=["used"])


def cosign_answer(*, request_id: int, user, opinion: str, comment: str) -> CosignRequest:
    with transaction.atomic():
        request = (
            CosignRequest.objects.select_for_update()
            .select_related("application")
            .get(pk=request_id)
        )
        if user.role != "bureau" or user.bureau_id != request.bureau_id:
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


def objection_file(*, application_id: int, text: str, contact: str = "") -> Application:
    """An objection during 公示 reopens the review."""
    if not text.strip():
        raise ApplicationError(_("Write the objection."))
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application_id)
        if application.state != State.PUBLICIZED:
            raise ApplicationError(_("This case is not in publicity."))
        Objection.objects.create(
            application=application, text=text.strip()[:5000], contact=contact[:100]
        )
    return transition(
        application_id=application_id, user=None, action="reopen", comment=text.strip()[:500]
    )


def applications_offer(*, on: datetime.date | None = None) -> int:
    """免申即享: open a case, awaiting the enterprise's confirmation, wherever verified data alone
    prove eligibility for an item granted without application."""
    on = on or today()
    items = IncentiveItem.objects.filter(
        delivery="no_application", support_kind="money"
    ).select_related("measure__document")
    opened = 0
    for item in items:
        spec = catalogue_services.item_spec(item=item)
        for match in item.matches.filter(status=ELIGIBLE).select_related("enterprise"):
            enterprise = match.enterprise
            verified = Enterprise.objects.prefetch_related(
                _verified("qualifications"), _verified("yearly_figures")
            ).get(pk=enterprise.pk)
            facts = fact_readers.profile_facts(fact_readers.Profile.of(verified), on)
            if evaluate_item(spec, facts, on=on).verdict != ELIGIBLE:
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
                        enterprise=enterprise,
                        item=item,
                        period=period_for(on=on),
                        state=State.OFFERED,
                        created_by=admin,
                    )
                    application.lead_bureaus.set(routing_bureaus(item=item))
                    event = _event(application, "offer", "", State.OFFERED, None)
                    notifications.notify(application=application, action="offer", event=event)
            except IntegrityError:
                continue  # already offered or applied for this period
            opened += 1
    return opened


def _verified(relation: str):
    from django.db.models import Prefetch

    model = Enterprise._meta.get_field(relation).related_model
    return Prefetch(relation, queryset=model.objects.filter(source="verified"))


def deadlines_check(*, on: datetime.date | None = None) -> dict[str, int]:
    """Remind the lead bureau before a deadline; escalate overdue cases to heads and admins."""
    from portal.models import Role, User

    on = on or today()
    soon = calendar().add_working_days(on, settings.DEADLINE_REMINDER_DAYS)
    from applications.selectors import RUNNING

    running = Application.objects.filter(
        state__in=RUNNING,
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
