"""The Celery app. Redis is the broker; messages are JSON; every task has time limits (settings
``CELERY_TASK_*``). The beat schedule below is the only one: each periodic job is listed here with
when and why it runs."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Expired login sessions pile up in the database; sweep them at night when nobody works.
    "clear-expired-sessions": {
        "task": "portal.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
}
