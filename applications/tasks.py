"""Celery tasks of applications: thin, by id, safe to run twice."""

from celery import shared_task


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def deliver_notification(notification_id: int) -> str:
    """Deliver one outbox row (inbox or e-mail); a failure retries with backoff, and the periodic
    job picks up whatever is still pending after the retries."""
    from applications import notifications

    return notifications.deliver(notification_id)


@shared_task(acks_late=True)
def resend_pending_notifications() -> int:
    from applications import notifications

    return notifications.resend_pending()


@shared_task(acks_late=True)
def check_deadlines() -> dict:
    from applications import services

    return services.deadlines_check()


@shared_task(acks_late=True)
def offer_without_application() -> int:
    from applications import services

    return services.applications_offer()
