"""Celery tasks of ratings: thin and safe to run twice. Nothing imports this module (the worker
finds it, ``RatingsConfig.ready`` registers it in the web process); the beat queues it by name."""

from celery import shared_task

from ratings import services


@shared_task(name="ratings.tasks.check_rectifications", acks_late=True)
def check_rectifications() -> dict:
    return services.rectifications_check()
