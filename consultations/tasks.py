"""Celery tasks of 政策咨询: thin and safe to run twice (each reminder is sent once). Nothing
imports this module; the beat schedule names the task."""

from celery import shared_task

from consultations import services


@shared_task(acks_late=True)
def remind_questions() -> dict:
    return services.questions_remind()
