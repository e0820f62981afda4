"""The notification outbox: rows written in the same transaction as the case event that causes
them, delivered by Celery to the in-app inbox and by e-mail, retried until delivered, never twice.

Who is told: the lead bureau(s) of each new case and resubmission, the responsible units of a 会签
request, the enterprise of every decision and every 补正 request.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

from celery import current_app
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from applications.models import Application, CaseEvent, Notification
from incentives.models import EnterpriseNotice
from organisations.models import Bureau

logger = logging.getLogger(__name__)
KEY_MAX_LENGTH = Notification._meta.get_field("key").max_length
SUBJECT_MAX_LENGTH = Notification._meta.get_field("subject").max_length

# What the enterprise or a bureau reads, by action.
SUBJECTS = {
    "submit": gettext_lazy("New application %(ref)s: %(item)s"),
    "confirm": gettext_lazy("New application %(ref)s: %(item)s"),
    "resubmit": gettext_lazy("Application %(ref)s resubmitted after a supplement: %(item)s"),
    "withdraw": gettext_lazy("Application %(ref)s was withdrawn: %(item)s"),
    "accept": gettext_lazy("Your application %(ref)s was accepted: %(item)s"),
    "return": gettext_lazy("Your application %(ref)s was returned: %(item)s"),
    "request_supplement": gettext_lazy("Please supplement your application %(ref)s: %(item)s"),
    "request_cosign": gettext_lazy("Co-review requested for application %(ref)s: %(item)s"),
    "cosign_answer": gettext_lazy("Co-review answered for application %(ref)s: %(item)s"),
    "approve": gettext_lazy("Your application %(ref)s was approved: %(item)s"),
    "reject": gettext_lazy("Your application %(ref)s is not supported: %(item)s"),
    "publicize": gettext_lazy("Your application %(ref)s is in publicity: %(item)s"),
    "objection": gettext_lazy("An objection to application %(ref)s awaits your decision: %(item)s"),
    "uphold_objection": gettext_lazy(
        "An objection to your application %(ref)s was upheld; it is reviewed again: %(item)s"
    ),
    "propose_sign_off": gettext_lazy(
        "Application %(ref)s: an amount above the second-review threshold awaits another "
        "head's sign-off: %(item)s"
    ),
    "sign_off": gettext_lazy("Your application %(ref)s was approved: %(item)s"),
    "decline_sign_off": gettext_lazy(
        "The amount of application %(ref)s was sent back for review: %(item)s"
    ),
    "disburse": gettext_lazy("Payment made for application %(ref)s: %(item)s"),
    "offer": gettext_lazy("A policy can be granted to you without applying: %(item)s"),
    "offer_withdraw": gettext_lazy("The offer %(ref)s was withdrawn by the bureau: %(item)s"),
    "reminder": gettext_lazy("Deadline approaching for application %(ref)s: %(item)s"),
    "overdue": gettext_lazy("Application %(ref)s is overdue: %(item)s"),
}
# Whom a case's notice goes to (``notify``'s ``to``; steps of the workflow name theirs in
# ``workflow.Transition.recipients``): the case's lead bureau(s), or its enterprise.
TO_LEAD, TO_ENTERPRISE = "lead", "enterprise"
# The outbox's Celery task, queued by its registered name: the task module imports this one.
DELIVER_TASK = "applications.tasks.deliver_notification"


def _subject(action: str, application: Application) -> str:
    return str(SUBJECTS[action]) % {"ref": application.reference, "item": application.item.name}


def _bureau_targets(bureaus: Iterable[Bureau]) -> tuple[list[User], list[str]]:
    bureaus = list(bureaus)
    users = list(User.objects.filter(bureau__in=bureaus, role=Role.BUREAU, is_active=True))
    mailboxes = [b.email for b in bureaus if b.email] + [u.email for u in users if u.email]
    return users, mailboxes


def _enterprise_targets(application: Application) -> tuple[list[User], list[str]]:
    users = list(application.enterprise.users.filter(is_active=True))
    return users, [u.email for u in users if u.email]


def notify(
    *,
    application: Application,
    action: str,
    event: CaseEvent | None,
    bureaus: Iterable[Bureau] | None = None,
    extra_users: Iterable[User] = (),
    body: str = "",
    key: str | None = None,
    to: str = TO_LEAD,
) -> list[Notification]:
    """Write the outbox rows for one event (inside the caller's transaction) and have them
    delivered once it commits: to the given bureaus, else to ``to`` (the lead bureau(s) or the
    enterprise), and to ``extra_users``."""
    if bureaus is not None:
        users, mailboxes = _bureau_targets(bureaus)
    elif to == TO_ENTERPRISE:
        users, mailboxes = _enterprise_targets(application)
    else:
        users, mailboxes = _bureau_targets(application.lead_bureaus.all())
    users = list({u.pk: u for u in [*users, *extra_users]}.values())
    mailboxes += [u.email for u in extra_users if u.email]
    subject = _subject(action, application)
    text = body or (event.comment if event and event.comment else "")
    link = reverse("applications:detail", args=[application.reference])
    base = key or (f"event:{event.pk}" if event else f"{action}:{application.pk}")
    rows = [
        Notification(
            channel=Notification.Channel.INBOX,
            user=user,
            subject=subject,
            body=text,
            link=link,
            application=application,
            event=event,
            key=f"{base}:inbox:{user.pk}",
        )
        for user in users
    ] + [
        Notification(
            channel=Notification.Channel.EMAIL,
            email=address,
            subject=subject,
            body=(text + "\n\n" if text else "") + _("Open the case: %(link)s") % {"link": link},
            link=link,
            application=application,
            event=event,
            key=f"{base}:email:{address}",
        )
        for address in dict.fromkeys(mailboxes)
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.key for row in rows]
    transaction.on_commit(
        lambda: enqueue(Notification.objects.filter(key__in=keys).values_list("pk", flat=True))
    )
    return created


def notify_by_email(
    *, key: str, subject: str, body: str, addresses: Iterable[str], link: str = ""
) -> list[Notification]:
    """Outbox rows for a mail that belongs to no case (matching's "you now qualify", an opening
    window): one row per address, written inside the caller's transaction and delivered once it
    commits — or by the periodic re-send if the broker is down then."""
    return notify_people(key=key, subject=subject, body=body, link=link, addresses=addresses)


def notify_people(
    *,
    key: str,
    subject: str,
    body: str,
    link: str = "",
    users: Iterable[User] = (),
    addresses: Iterable[str] = (),
) -> list[Notification]:
    """Outbox rows for a notice that belongs to no case (an account verified, a question
    answered, a rating to rectify): one inbox row per user and one e-mail per address, written
    inside the caller's transaction and delivered once it commits. ``key`` names the occasion;
    the same occasion is never told twice."""
    rows = [
        Notification(
            channel=Notification.Channel.INBOX,
            user=user,
            subject=subject[:SUBJECT_MAX_LENGTH],
            body=body,
            link=link,
            key=f"{key}:inbox:{user.pk}"[:KEY_MAX_LENGTH],
        )
        for user in {u.pk: u for u in users}.values()
    ]
    for address in dict.fromkeys(a for a in addresses if a):
        suffix = f":email:{address}"
        if len(key) + len(suffix) > KEY_MAX_LENGTH:  # a long address: a fixed-length digest
            suffix = ":email:" + hashlib.sha256(address.encode()).hexdigest()[:32]
        rows.append(
            Notification(
                channel=Notification.Channel.EMAIL,
                email=address,
                subject=subject[:SUBJECT_MAX_LENGTH],
                body=body + (f"\n\n{link}" if link and link not in body else ""),
                link=link,
                key=key + suffix,
            )
        )
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.key for row in rows]
    transaction.on_commit(
        lambda: enqueue(Notification.objects.filter(key__in=keys).values_list("pk", flat=True))
    )
    return created


def enqueue(ids: Iterable[int]) -> None:
    deliver = current_app.signature(DELIVER_TASK)
    for pk in ids:
        try:
            deliver.delay(pk)
        except Exception:  # the broker is down: the row waits; the periodic job sends it later
            logger.warning(
                "notification %s queued for later: broker unreachable", pk, exc_info=True
            )


def deliver(notification_id: int) -> str:
    """Deliver one notification if it is still pending. A mail failure is recorded on the row
    and raised so the task retries; a delivered notification is never delivered again."""
    failure = None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "busy-or-missing"
        if notification.status != Notification.Status.PENDING:
            return "already"
        notification.attempts += 1
        if notification.channel == Notification.Channel.EMAIL:
            try:
                send_mail(notification.subject, notification.body, None, [notification.email])
            except Exception as error:
                failure = error
        if failure is None:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
        else:
            notification.last_error = f"{failure.__class__.__name__}: {failure}"[:2000]
        notification.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    if failure is not None:
        raise failure
    return "sent"


def resend_pending(*, older_than_seconds: int = 30) -> int:
    """Queue every notification still pending after a while (the broker or mail was down)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(
        Notification.objects.filter(
            status=Notification.Status.PENDING, created_at__lte=cutoff
        ).values_list("pk", flat=True)[:5000]
    )
    enqueue(ids)
    return len(ids)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    cases = Notification.objects.filter(
        user=user,
        channel=Notification.Channel.INBOX,
        status=Notification.Status.SENT,
        read_at__isnull=True,
    ).count()
    if not getattr(user, "enterprise_id", None):
        return cases
    return (
        cases
        + EnterpriseNotice.objects.filter(
            enterprise_id=user.enterprise_id, read_at__isnull=True
        ).count()
    )
