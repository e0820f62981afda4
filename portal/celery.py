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
    # Approved changes to items' money take effect on their date, just after midnight; the
    # items' matches are recomputed then.
    "apply-due-proposals": {
        "task": "incentives.tasks.apply_due_proposals",
        "schedule": crontab(hour=0, minute=5),
    },
    # Matches depend on the date (windows, validity, certificates expiring, a new year's
    # figures): recompute everything every night, before people start work.
    "recompute-all-matches": {
        "task": "incentives.tasks.recompute_all_matches",
        "schedule": crontab(hour=2, minute=0),
    },
    # 免申即享: after the nightly recompute, offer cases where verified data prove eligibility.
    "offer-without-application": {
        "task": "applications.tasks.offer_without_application",
        "schedule": crontab(hour=4, minute=0),
    },
    # Every working morning: remind lead bureaus of close deadlines, escalate overdue cases.
    "check-deadlines": {
        "task": "applications.tasks.check_deadlines",
        "schedule": crontab(hour=8, minute=0),
    },
    # Every working morning: remind bureaus of questions due soon, tell heads of overdue ones.
    "remind-questions": {
        "task": "consultations.tasks.remind_questions",
        "schedule": crontab(hour=8, minute=5),
    },
    # The outbox: whatever a broker or mail outage left pending is sent again every minute.
    "resend-pending-notifications": {
        "task": "applications.tasks.resend_pending_notifications",
        "schedule": crontab(),
    },
    # The leadership dashboard's case and money aggregates, fresh for the morning.
    "refresh-dashboard-snapshots": {
        "task": "dashboard.tasks.snapshots_refresh",
        "schedule": crontab(hour=5, minute=0),
    },
    # After the nightly recompute, tell enterprises whose windows opened today (once each).
    "notify-open-windows": {
        "task": "incentives.tasks.notify_open_windows",
        "schedule": crontab(hour=7, minute=30),
    },
    # 好差评: remind heads of poor ratings due for rectification in two working days, and tell
    # them once one is overdue (each once); before the working day starts.
    "check-rectifications": {
        "task": "ratings.tasks.check_rectifications",
        "schedule": crontab(hour=7, minute=45),
    },
}
