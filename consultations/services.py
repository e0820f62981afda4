"""政策咨询, writing: ask a question, answer it, close it as spam, publish it as a 常见问题 (and
take it back), remind the bureau before the due date; and the bureau's public contacts, kept by
its head."""

from __future__ import annotations

import datetime
import json
import re
import secrets

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BureauPosition, Role, User
from applications.casework import calendar, routing_bureaus
from applications.notifications import notify_people
from consultations.models import Question
from incentives.models import IncentiveItem
from organisations.models import Bureau, is_placeholder
from portal import clock, throttles
from portal.validators import MOBILE, validate_plain_text

# A landline as bureaus write it: area code, a hyphen, 7–8 digits, perhaps an extension.
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
CONTACT_FIELDS = ("phone", "email", "address", "office_hours")


class ConsultationError(Exception):
    """A step on a question that cannot be taken; the message says why."""


# ---------------------------------------------------------------------------------------------
# Asking
# ---------------------------------------------------------------------------------------------


def question_bureau(*, item: IncentiveItem) -> Bureau | None:
    """The bureau that answers questions about an item: where its cases go (the first lead
    unit; the first responsible unit where the annex names no lead)."""
    bureaus = routing_bureaus(item=item)
    return bureaus[0] if bureaus else None


def question_due_on(*, asked_on: datetime.date) -> datetime.date:
    """The answer is due ``QUESTION_ANSWER_DAYS`` working days after the day of asking."""
    return calendar().add_working_days(asked_on, settings.QUESTION_ANSWER_DAYS)


def _throttle(scope: str, who: str, limits: list[tuple[int, int]]) -> None:
    if not throttles.throttle_take(scope=scope, who=who, limits=limits):
        raise ConsultationError(
            _("Too many questions were asked from here today. Please try again later.")
        )


def _staff(bureau: Bureau, *, heads_only: bool = False):
    staff = User.objects.filter(bureau=bureau, role=Role.BUREAU, is_active=True)
    if heads_only:
        staff = staff.filter(bureau_position=BureauPosition.HEAD)
    return list(staff)


def question_ask(
    *,
    item: IncentiveItem,
    text: str,
    user: User | None = None,
    name: str = "",
    phone: str = "",
    email: str = "",
    client_ip: str = "",
) -> Question:
    """Record a question for the item's answering bureau, due in working days, and tell the
    bureau's staff. ``user`` is an enterprise user (the enterprise asks); without one, a visitor
    asks with a name and a phone or an e-mail. Visitors are limited per client address and per
    phone or e-mail, enterprise users per account."""
    text, name, phone, email = text.strip(), name.strip(), phone.strip(), email.strip().lower()
    if not text:
        raise ConsultationError(_("Write your question."))
    bureau = question_bureau(item=item)
    if bureau is None:
        raise ConsultationError(
            _("No bureau is named for this item yet, so questions cannot be sent to one.")
        )
    per_day = settings.QUESTIONS_PER_CONTACT_PER_DAY
    if user is not None:
        if user.role != Role.ENTERPRISE or not user.enterprise_id:
            raise ConsultationError(
                _("Questions are asked by enterprises and visitors; log out to ask as a visitor.")
            )
        _throttle("question-user", str(user.pk), [(throttles.DAY, per_day)])
        name = phone = email = ""
    else:
        if not name:
            raise ConsultationError(_("Say your name, so the bureau knows whom to answer."))
        if not phone and not email:
            raise ConsultationError(
                _(
                    "Give a mobile phone or an e-mail address (at least one), so the answer can "
                    "reach you."
                )
            )
        _throttle(
            "question-ip",
            client_ip or "unknown",
            [
                (throttles.HOUR, settings.QUESTIONS_PER_IP_PER_HOUR),
                (throttles.DAY, settings.QUESTIONS_PER_IP_PER_DAY),
            ],
        )
        for contact in (phone, email):
            if contact:
                _throttle("question-contact", contact, [(throttles.DAY, per_day)])
    question = Question(
        item=item,
        bureau=bureau,
        enterprise_id=user.enterprise_id if user else None,
        asked_by=user,
        name=name,
        phone=phone,
        email=email,
        text=text,
        token=secrets.token_urlsafe(32),
        due_on=question_due_on(asked_on=clock.today()),
    )
    try:
        question.full_clean()
    except ValidationError as error:
        raise ConsultationError(" ".join(error.messages)) from error
    with transaction.atomic():
        question.save()
        staff = _staff(bureau)
        notify_people(
            key=f"question:{question.pk}:new",
            subject=_("New question about %(item)s") % {"item": item.name},
            body=_("Answer by %(date)s.") % {"date": question.due_on} + "\n\n" + text,
            link=reverse("consultations:bureau_question", args=[question.pk]),
            users=staff,
            addresses=[u.email for u in staff if u.email],
        )
    return question


# ---------------------------------------------------------------------------------------------
# The bureau's steps
# ---------------------------------------------------------------------------------------------


def _locked(question_id: int, by: User) -> Question:
    """The question, locked, if ``by`` is staff of its bureau (else it does not exist for them)."""
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("item", "bureau", "enterprise", "asked_by")
        .filter(pk=question_id, bureau_id=by.bureau_id)
        .first()
    )
    if question is None or by.role != Role.BUREAU:
        raise Question.DoesNotExist
    return question


def question_answer(
    *, question_id: int, by: User, answer: str, by_phone: bool = False, site_url: str = ""
) -> Question:
    """Answer an open question and tell the asker: an enterprise user in the inbox and by
    e-mail, a visitor with an e-mail by a mail with the private link. A visitor who left only a
    phone reads it on the private link; ``by_phone`` records that the bureau also called."""
    answer = answer.strip()
    if not answer:
        raise ConsultationError(_("Write the answer."))
    with transaction.atomic():
        question = _locked(question_id, by)
        if question.state != Question.State.OPEN:
            raise ConsultationError(
                _("This question is %(state)s; it cannot be answered again.")
                % {"state": question.get_state_display()}
            )
        question.state = Question.State.ANSWERED
        question.answer = answer
        question.answered_by = by
        question.answered_at = timezone.now()
        question.answered_by_phone = bool(by_phone)
        try:
            question.full_clean()
        except ValidationError as error:
            raise ConsultationError(" ".join(error.messages)) from error
        question.save(
            update_fields=["state", "answer", "answered_by", "answered_at", "answered_by_phone"]
        )
        private = reverse("consultations:question", args=[question.token])
        subject = _("Your question about %(item)s is answered") % {"item": question.item.name}
        if question.asked_by_id:
            asker = question.asked_by
            notify_people(
                key=f"question:{question.pk}:answered",
                subject=subject,
                body=answer,
                link=private,
                users=[asker] if asker.is_active else [],
                addresses=[asker.email] if asker.is_active and asker.email else [],
            )
        elif question.email:
            link = site_url.rstrip("/") + private if site_url else private
            notify_people(
                key=f"question:{question.pk}:answered",
                subject=subject,
                body=answer + "\n\n" + _("Your question and the answer: %(link)s") % {"link": link},
                link=link,
                addresses=[question.email],
            )
    return question


def question_close_as_spam(*, question_id: int, by: User, reason: str) -> Question:
    """Close an open question without an answer (advertising, abuse), saying why."""
    reason = reason.strip()
    if not reason:
        raise ConsultationError(_("Say why the question is closed as spam."))
    with transaction.atomic():
        question = _locked(question_id, by)
        if question.state != Question.State.OPEN:
            raise ConsultationError(_("Only a question awaiting an answer can be closed as spam."))
        question.state = Question.State.SPAM
        question.closed_reason = reason
        try:
            question.full_clean()
        except ValidationError as error:
            raise ConsultationError(" ".join(error.messages)) from error
        question.save(update_fields=["state", "closed_reason"])
    return question


def identity_traces(question: Question, text: str) -> list[str]:
    """What of the asker's identity a text still holds: their name, phone, e-mail, enterprise
    or its credit code, the account's name, mobile or e-mail."""
    flat = re.sub(r"[\s\-]", "", text).lower()
    found = []
    candidates = [
        (_("the asker's name"), question.name),
        (_("the asker's phone"), question.phone),
        (_("the asker's e-mail"), question.email),
    ]
    if question.enterprise_id:
        candidates += [
            (_("the enterprise's name"), question.enterprise.name),
            (_("the enterprise's credit code"), question.enterprise.credit_code),
        ]
    if question.asked_by_id:
        asker = question.asked_by
        candidates += [
            (_("the asker's name"), asker.full_name),
            (_("the asker's name"), f"{asker.last_name}{asker.first_name}"),
            (_("the asker's phone"), asker.mobile),
            (_("the asker's e-mail"), asker.email),
        ]
    for label, value in candidates:
        value = re.sub(r"[\s\-]", "", value or "").lower()
        if len(value) >= 2 and value in flat and label not in found:
            found.append(label)
    return found


def question_publish(
    *, question_id: int, by: User, question_text: str, answer_text: str
) -> Question:
    """Publish an answered question on its item's page as a 常见问题, in the bureau's own words
    (edited again when already published). Refused while the texts hold the asker's identity."""
    question_text, answer_text = question_text.strip(), answer_text.strip()
    if not question_text or not answer_text:
        raise ConsultationError(_("Write both the question and the answer to publish."))
    with transaction.atomic():
        question = _locked(question_id, by)
        if question.state != Question.State.ANSWERED:
            raise ConsultationError(_("Only an answered question can be published."))
        traces = identity_traces(question, question_text + "\n" + answer_text)
        if traces:
            raise ConsultationError(
                _("The text to publish still contains %(what)s; remove it first.")
                % {"what": "、".join(str(t) for t in traces)}
            )
        question.published_question = question_text
        question.published_answer = answer_text
        question.published_by = by
        question.published_at = timezone.now()
        try:
            question.full_clean()
        except ValidationError as error:
            raise ConsultationError(" ".join(error.messages)) from error
        question.save(
            update_fields=[
                "published_question",
                "published_answer",
                "published_by",
                "published_at",
            ]
        )
    return question


def question_unpublish(*, question_id: int, by: User) -> Question:
    """Take a 常见问题 off the item's page (its texts are kept for publishing again)."""
    with transaction.atomic():
        question = _locked(question_id, by)
        if question.published_at is None:
            raise ConsultationError(_("This question is not published."))
        question.published_at = None
        question.published_by = None
        question.save(update_fields=["published_at", "published_by"])
    return question


# ---------------------------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------------------------


def questions_remind(*, on: datetime.date | None = None) -> dict[str, int]:
    """Remind the bureau's staff of open questions due within ``QUESTION_REMINDER_DAYS``
    working days, and tell its heads of overdue ones; each once."""
    on = on or clock.today()
    soon = calendar().add_working_days(on, settings.QUESTION_REMINDER_DAYS)
    open_questions = Question.objects.filter(state=Question.State.OPEN).select_related(
        "item", "bureau"
    )
    reminded = escalated = 0
    for question in open_questions.filter(
        due_on__gte=on, due_on__lte=soon, reminded_at__isnull=True
    ):
        with transaction.atomic():
            if Question.objects.filter(
                pk=question.pk, state=Question.State.OPEN, reminded_at__isnull=True
            ).update(reminded_at=timezone.now()):
                staff = _staff(question.bureau)
                notify_people(
                    key=f"question:{question.pk}:reminder",
                    subject=_("A question about %(item)s is due on %(date)s")
                    % {"item": question.item.name, "date": question.due_on},
                    body=question.text,
                    link=reverse("consultations:bureau_question", args=[question.pk]),
                    users=staff,
                    addresses=[u.email for u in staff if u.email],
                )
                reminded += 1
    for question in open_questions.filter(due_on__lt=on, escalated_at__isnull=True):
        with transaction.atomic():
            if Question.objects.filter(
                pk=question.pk, state=Question.State.OPEN, escalated_at__isnull=True
            ).update(escalated_at=timezone.now()):
                heads = _staff(question.bureau, heads_only=True)
                notify_people(
                    key=f"question:{question.pk}:overdue",
                    subject=_("A question about %(item)s is overdue (due %(date)s)")
                    % {"item": question.item.name, "date": question.due_on},
                    body=question.text,
                    link=reverse("consultations:bureau_question", args=[question.pk]),
                    users=heads,
                    addresses=[u.email for u in heads if u.email],
                )
                escalated += 1
    return {"reminded": reminded, "escalated": escalated}


# ---------------------------------------------------------------------------------------------
# The bureau's public contacts
# ---------------------------------------------------------------------------------------------


def validate_office_phone(value: str) -> None:
    """A landline like 0315-2801234 (an extension after another hyphen) or a mobile."""
    if value and not (LANDLINE.match(value) or MOBILE.match(value)):
        raise ValidationError(
            _("Give a landline like 0315-2801234 or an 11-digit mobile number."), code="phone"
        )


def bureau_contacts_save(
    *, bureau_id: int, by: User, phone: str, email: str, address: str, office_hours: str
) -> Bureau:
    """The head of a bureau sets its public phone, mailbox, address and office hours. A
    placeholder is refused (the public pages would hide it); each change is recorded in the
    admin site's history of the bureau (who, when, which fields)."""
    if not by.is_bureau_head or by.bureau_id != bureau_id:
        raise ConsultationError(_("Only the head of the bureau may change its contacts."))
    values = {
        "phone": phone.strip(),
        "email": email.strip().lower(),
        "address": address.strip(),
        "office_hours": office_hours.strip(),
    }
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        if is_placeholder(field, value):
            errors.setdefault(field, []).append(
                _(
                    "“%(value)s” is a placeholder (an all-zero number, an example mailbox or a "
                    "text marked 示例/上线前/待更正); enter the real one or leave it empty."
                )
                % {"value": value}
            )
    if values["phone"]:
        try:
            validate_office_phone(values["phone"])
        except ValidationError as error:
            errors.setdefault("phone", []).extend(error.messages)
    for field in ("address", "office_hours"):
        try:
            validate_plain_text(values[field])
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        bureau = Bureau.objects.select_for_update().get(pk=bureau_id)
        changed = [f for f in CONTACT_FIELDS if getattr(bureau, f) != values[f]]
        if not changed:
            return bureau
        for field in changed:
            setattr(bureau, field, values[field])
        bureau.full_clean()
        bureau.save(update_fields=changed)
        LogEntry.objects.create(
            user=by,
            content_type=ContentType.objects.get_for_model(Bureau),
            object_id=str(bureau.pk),
            object_repr=str(bureau)[:200],
            action_flag=CHANGE,
            change_message=json.dumps(
                [
                    {
                        "changed": {
                            "fields": [str(Bureau._meta.get_field(f).verbose_name) for f in changed]
                        }
                    }
                ]
            ),
        )
    return bureau
