"""Celery tasks of the site. Tasks stay thin: they take plain values, call a service, and are
safe to run twice. (E-mail delivery is ``portal.mail.deliver_email``.)"""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.mail import deliver_email

__all__ = ["clear_expired_sessions", "deliver_email"]


@shared_task(acks_late=True)
def clear_expired_sessions() -> int:
    """Delete login sessions that have expired (beat: nightly)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
