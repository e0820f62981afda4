"""Celery tasks of applications: thin, by id, safe to run twice. Nothing imports this module
(the worker finds it, ``ApplicationsConfig.ready`` registers it in the web process): whoever
queues a task here does it by the task's name, so the arrow points only from here down."""

from celery import shared_task

from applications import notifications, services


@shared_task(
    name=notifications.DELIVER_TASK,
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
    return notifications.deliver(notification_id)


@shared_task(acks_late=True)
def resend_pending_notifications() -> int:
    return notifications.resend_pending()


@shared_task(acks_late=True)
def check_deadlines() -> dict:
    return services.deadlines_check()


@shared_task(acks_late=True)
def offer_without_application() -> int:
    return services.applications_offer()
