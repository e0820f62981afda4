"""Celery tasks of the catalogue: thin, by id, idempotent (recomputing twice stores the same
rows)."""

from celery import shared_task

from incentives import matching, proposals
from portal import clock

RETRY = {
    "acks_late": True,
    "autoretry_for": (ConnectionError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def recompute_enterprise_matches(enterprise_id: int) -> int:
    """One enterprise against the whole catalogue, after its profile changed."""
    return matching.enterprise_recompute(enterprise_id=enterprise_id)


@shared_task(**RETRY)
def recompute_item_matches(item_id: int) -> int:
    """One item against every enterprise, after its rule or conditions changed."""
    return matching.item_recompute(item_id=item_id)


@shared_task(**RETRY, soft_time_limit=3300, time_limit=3600)
def recompute_all_matches(job_id: int | None = None) -> int:
    """Everything (nightly, or started by an admin with a job to show progress)."""
    return matching.all_recompute(job_id=job_id)


@shared_task(**RETRY)
def notify_open_windows() -> int:
    """Tell enterprises once when a window opens for an item they qualify for."""
    return matching.windows_notify()


@shared_task(**RETRY)
def apply_due_proposals() -> int:
    """Approved changes to items' money whose date has come take effect; each changed item's
    matches are recomputed then (not when the change was typed)."""
    applied, _failed = proposals.apply_due(today=clock.today())
    for item in applied:
        recompute_item_matches.delay(item.pk)
    return len(applied)
