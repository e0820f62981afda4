"""Celery tasks of the catalogue: thin, by id, idempotent (recomputing twice stores the same
rows)."""

from celery import group, shared_task

from incentives import matching, proposals
from incentives.models import RecomputeChunk
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


@shared_task(**RETRY)
def recompute_all_matches(job_id: int | None = None) -> int:
    """Everything (nightly, or started by an admin with a job to show progress): the job is
    split into chunks of enterprises, sent as a group of tasks that any number of workers, on
    any number of machines, share. Sent again (a redelivery), it sends the unfinished chunks
    again: a chunk runs to the same rows however often it runs, and counts once."""
    job, chunks = matching.all_recompute_plan(job_id=job_id)
    if job is None:
        return 0
    if chunks:
        group(recompute_chunk.si(chunk.pk) for chunk in chunks).apply_async()
    else:  # every chunk had finished: the last step may be all that is left
        recompute_all_finish.delay(job.pk)
    return len(chunks)


@shared_task(**RETRY, bind=True)
def recompute_chunk(self, chunk_id: int) -> bool:
    """One chunk of a full recompute (about two thousand enterprises, one transaction); the
    chunk that finishes the job sends its last step."""
    last = matching.chunk_recompute(chunk_id=chunk_id, worker=self.request.hostname or "")
    if last:
        recompute_all_finish.delay(RecomputeChunk.objects.get(pk=chunk_id).job_id)
    return last


@shared_task(**RETRY)
def recompute_all_finish(job_id: int) -> bool:
    """A full recompute's last step: the job closed, the run's e-mails sent."""
    return matching.all_recompute_finish(job_id=job_id)


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
