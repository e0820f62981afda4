"""Celery tasks of the dashboard: by id, idempotent (a redelivered task finds its snapshot done
and stops). Nothing imports this module (the worker finds it, ``DashboardConfig.ready``
registers it in the web process): the services queue these tasks by name."""

from celery import shared_task

from dashboard import services

RETRY = {
    "acks_late": True,
    "autoretry_for": (ConnectionError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY, name=services.SNAPSHOT_TASK, soft_time_limit=1700, time_limit=1800)
def snapshot_compute(snapshot_id: int) -> int:
    """The case and money aggregates of one year (and city), with progress on the snapshot."""
    return services.snapshot_compute(snapshot_id=snapshot_id).pk


@shared_task(**RETRY)
def snapshots_refresh() -> int:
    """This year's snapshot for each city and for all cities."""
    return services.snapshots_refresh()
