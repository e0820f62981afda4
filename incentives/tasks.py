"""Celery tasks of the catalogue: thin, idempotent, by id."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def recompute_enterprise_matches(enterprise_id: int) -> int:
    """Recompute one enterprise's matches against the whole catalogue."""
    from incentives import matching

    return matching.enterprise_recompute(enterprise_id=enterprise_id)
