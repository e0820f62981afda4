"""The Celery app: JSON only, time limits, one beat schedule whose tasks exist, e-mail queued
after commit."""

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone

from portal import mail as portal_mail
from portal import tasks
from portal.celery import app


def test_messages_are_json_only_with_time_limits_and_late_acks():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    assert app.conf.beat_schedule
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name


def test_email_is_queued_only_when_the_transaction_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        portal_mail.email_send(subject="主题", body="正文", to=["a@example.cn"])
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.subject for m in mail.outbox] == ["主题"]


def test_email_task_retries_on_mail_server_errors():
    import smtplib

    assert smtplib.SMTPException in tasks.deliver_email.autoretry_for
    assert tasks.deliver_email.max_retries > 0
    assert tasks.deliver_email.retry_backoff


def test_clear_expired_sessions_deletes_only_expired_ones(db):
    live = SessionStore()
    live.create()
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    assert tasks.clear_expired_sessions.delay().get() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
