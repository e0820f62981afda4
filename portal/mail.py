"""E-mail: every message leaves through a worker, so a slow mail server never holds a request.

Any app may send mail through here; it imports no app."""

import logging
import smtplib
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

logger = logging.getLogger(__name__)


def email_send(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> None:
    """Queue an e-mail for delivery by a Celery worker once the current transaction commits."""
    deliver_email.delay_on_commit(subject=subject, body=body, to=list(to), html_body=html_body)


def email_deliver(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()


# The task keeps the name it was queued under before it moved here, so messages already in the
# broker still find it.
@shared_task(
    name="portal.tasks.deliver_email",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def deliver_email(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> None:
    """Send one e-mail; a refused or unreachable mail server retries with backoff."""
    email_deliver(subject=subject, body=body, to=to, html_body=html_body)


class SavedAndLoggedBackend(BaseEmailBackend):
    """For a developer's machine (the README's run command): each e-mail is saved whole under
    ``EMAIL_FILE_PATH`` (var/mail/) and the log gets one line — who, what, where the file is —
    instead of the whole MIME text."""

    def send_messages(self, messages) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
        for number, message in enumerate(messages):
            path = folder / f"{stamp}-{number}.eml"
            path.write_bytes(message.message().as_bytes())
            logger.info("e-mail to %s: %s (%s)", ", ".join(message.to), message.subject, path)
        return len(messages)
