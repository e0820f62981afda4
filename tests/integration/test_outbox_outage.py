"""Notices survive a mail-server outage: cases are submitted while the SMTP server is down, the
real worker's deliveries fail and are recorded, and once the server is back every notice arrives,
exactly once."""

import datetime
import time

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from accounts.models import BureauPosition, Role
from applications import notifications, services
from applications.models import Notification
from enterprises.models import Qualification
from incentives.models import IncentiveItem
from tests.applications.conftest import attach_all

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def wait_for(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_notices_wait_for_the_mail_server_and_arrive_once(
    transactional_db, make_user, smtp_server, celery_worker_process
):
    call_command("load_catalogue", verbosity=0)
    controller, mailbox = smtp_server
    make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER, email="shenhe@kjj.example.cn")
    make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD, email="kezhang@kjj.example.cn")
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    today = datetime.date.today()

    controller.stop()  # the mail server goes down
    cases = []
    for n in range(3):
        user = make_user(
            Role.ENTERPRISE, is_enterprise_admin=True, email=f"boss{n}@qiye.example.cn"
        )
        Qualification.objects.create(
            enterprise=user.enterprise,
            kind="hitech",
            recognition="new",
            recognized_on=today - datetime.timedelta(days=5),
            expires_on=today + datetime.timedelta(days=900),
        )
        application = services.application_start(user=user, item=item)
        attach_all(application, user)
        cases.append(services.transition(application_id=application.pk, user=user, action="submit"))

    emails = Notification.objects.filter(application__in=cases, channel="email")
    expected = emails.count()
    assert expected == 3 * 3  # the bureau's mailbox and its two staff, for each case
    assert wait_for(lambda: all(n.attempts >= 1 and n.last_error for n in emails.all())), (
        "the worker never tried while the mail server was down"
    )
    assert emails.filter(status="sent").count() == 0
    assert celery_worker_process.poll() is None

    revived = Controller(mailbox, hostname=controller.hostname, port=controller.port)
    revived.start()  # the mail server is back
    try:
        notifications.resend_pending(older_than_seconds=0)
        assert wait_for(lambda: emails.filter(status="sent").count() == expected), [
            (n.email, n.status, n.attempts, n.last_error) for n in emails.all()
        ]
        messages = mailbox.wait_for(expected, timeout=30)
        time.sleep(3)  # retries still scheduled must not deliver again
        notifications.resend_pending(older_than_seconds=0)
        time.sleep(3)
        assert len(mailbox.messages) == expected == len(messages)
        received = sorted((m["To"], m["Subject"]) for m in mailbox.messages)
        assert len(set(received)) == expected
    finally:
        revived.stop()
