"""Celery tasks of the site. Tasks stay thin: they take plain values, call a service, and are
safe to run twice."""

import smtplib

from celery import shared_task

from portal import services


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def deliver_email(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> None:
    """Send one e-mail; a refused or unreachable mail server retries with backoff."""
    services.email_deliver(subject=subject, body=body, to=to, html_body=html_body)


@shared_task(acks_late=True)
def clear_expired_sessions() -> int:
    """Delete login sessions that have expired (beat: nightly)."""
    return services.sessions_clear_expired()
