"""Issue 12 §6.6: the "you now qualify" e-mail of matching survives a broker outage.

The notice is stamped as e-mailed in the same transaction that writes an outbox row per address
(applications/notifications.py); the outbox delivers it once the broker answers again, through
its periodic re-send, and never twice.
"""

import datetime
from unittest import mock

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from accounts.models import Role
from applications import notifications
from applications.models import Notification
from incentives import matching
from incentives.models import EnterpriseNotice
from tests import factories

pytestmark = pytest.mark.django_db
ON = datetime.date(2026, 6, 30)
ITEM = "新认定高新技术企业奖励"


@pytest.fixture
def enterprise(make_user):
    """An enterprise with two people to e-mail, matched once before it holds a 高企 certificate."""
    boss = make_user(Role.ENTERPRISE, email="boss@qiye.example.cn")
    make_user(Role.ENTERPRISE, enterprise=boss.enterprise, email="cfo@qiye.example.cn")
    matching.enterprise_recompute(enterprise_id=boss.enterprise_id, on=ON)
    factories.qualification(
        boss.enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=datetime.date(2026, 3, 1),
        expires_on=datetime.date(2029, 3, 1),
    )
    mail.outbox.clear()
    return boss.enterprise


def broker_down():
    error = OperationalError("Error 111 connecting to redis:6379. Connection refused.")
    return mock.patch.multiple(
        "applications.tasks.deliver_notification", apply_async=mock.Mock(side_effect=error)
    ), mock.patch.multiple("portal.tasks.deliver_email", delay=mock.Mock(side_effect=error))


def mails_about_the_item(to: str) -> list:
    return [m for m in mail.outbox if ITEM in m.body and to in m.to]


def test_with_the_broker_down_the_mail_waits_in_the_outbox_and_is_sent_once_later(
    enterprise, django_capture_on_commit_callbacks
):
    outbox_down, mail_task_down = broker_down()
    with outbox_down, mail_task_down, django_capture_on_commit_callbacks(execute=True):
        matching.enterprise_recompute(enterprise_id=enterprise.pk, on=ON)

    notice = EnterpriseNotice.objects.get(enterprise=enterprise, key="eligible:ts2019-hitech-new")
    assert notice.emailed_at is not None
    pending = Notification.objects.filter(
        channel="email", status="pending", email__in=["boss@qiye.example.cn", "cfo@qiye.example.cn"]
    )
    assert pending.count() == 2
    assert all(ITEM in row.body for row in pending)
    assert mail.outbox == []

    # The broker is back: the periodic re-send (beat, every minute) delivers each row once.
    notifications.resend_pending(older_than_seconds=0)
    notifications.resend_pending(older_than_seconds=0)
    assert len(mails_about_the_item("boss@qiye.example.cn")) == 1
    assert len(mails_about_the_item("cfo@qiye.example.cn")) == 1
    assert not Notification.objects.filter(channel="email", status="pending").exists()


def test_with_the_broker_up_the_mail_goes_at_once_and_only_once(
    enterprise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        matching.enterprise_recompute(enterprise_id=enterprise.pk, on=ON)
    assert len(mails_about_the_item("boss@qiye.example.cn")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        matching.enterprise_recompute(enterprise_id=enterprise.pk, on=ON)
    notifications.resend_pending(older_than_seconds=0)
    assert len(mails_about_the_item("boss@qiye.example.cn")) == 1
    assert Notification.objects.filter(email="boss@qiye.example.cn", status="sent").count() == 1


def test_an_opening_window_is_mailed_through_the_outbox_too(
    enterprise, django_capture_on_commit_callbacks
):
    from incentives.models import IncentiveItem

    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    item.window_opens, item.window_closes = datetime.date(2026, 6, 1), datetime.date(2026, 7, 31)
    item.save(update_fields=["window_opens", "window_closes"])
    with django_capture_on_commit_callbacks(execute=True):
        matching.enterprise_recompute(enterprise_id=enterprise.pk, on=ON)
    mail.outbox.clear()
    outbox_down, mail_task_down = broker_down()
    with outbox_down, mail_task_down, django_capture_on_commit_callbacks(execute=True):
        assert matching.windows_notify(on=ON) >= 1
    assert Notification.objects.filter(
        channel="email", status="pending", email="boss@qiye.example.cn"
    ).exists()
    notifications.resend_pending(older_than_seconds=0)
    assert len(mails_about_the_item("boss@qiye.example.cn")) == 1
