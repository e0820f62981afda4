"""Celery tasks of the dashboard: by id, idempotent (a redelivered task finds its snapshot done
and stops)."""

from celery import shared_task

RETRY = {
    "acks_late": True,
    "autoretry_for": (ConnectionError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY, soft_time_limit=1700, time_limit=1800)
def snapshot_compute(snapshot_id: int) -> int:
    """The case and money aggregates of one year (and city), with progress on the snapshot."""
    from dashboard import services

    return services.snapshot_compute(snapshot_id=snapshot_id).pk


@shared_task(**RETRY)
def snapshots_refresh() -> int:
    """This year's snapshot for each city and for all cities."""
    from dashboard import services

    return services.snapshots_refresh()
