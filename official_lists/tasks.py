"""Celery tasks of official lists: thin, by id, safe to run twice. Queued by name
(``services.EFFECTS_TASK``) once a confirmation or withdrawal commits."""

from celery import shared_task

from official_lists import services


@shared_task(
    name=services.EFFECTS_TASK,
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=1800,
    time_limit=1900,
)
def list_effects(list_id: int) -> int:
    """Recompute the matches of the enterprises a list touched; open 免申即享 offers for them."""
    return services.list_effects(list_id=list_id)
