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
from incentives.models import IncentiveItem
from tests import factories
from tests.applications.conftest import attach_all
from tests.integration.conftest import broker_idle

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def wait_for(predicate, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_notices_wait_for_the_mail_server_and_arrive_once(
    transactional_db, make_user, smtp_server, celery_worker_process, redis_url
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
        factories.qualification(
            user.enterprise,
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
        # Only the cases' notices count: the worker's matching also mails each enterprise that its
        # new certificate qualifies it for an award (not through this outbox).
        recipients = set(emails.values_list("email", flat=True))

        def case_mail():
            return sorted(
                (str(m["To"]), str(m["Subject"]))
                for m in mailbox.messages
                if str(m["To"]) in recipients
            )

        assert wait_for(lambda: len(case_mail()) >= expected, timeout=30)
        # Retries scheduled while the server was down still run (backoff, at most 600 s away):
        # wait until the worker has run every one, each finding its notice sent, so that no
        # delivery can come after the count below.
        assert wait_for(lambda: broker_idle(redis_url), timeout=660), "tasks left on the broker"
        # Nothing is pending, so the periodic resend queues nothing to deliver again.
        assert notifications.resend_pending(older_than_seconds=0) == 0
        received = case_mail()
        assert len(received) == expected, [str(m["To"]) for m in mailbox.messages]
        assert len(set(received)) == expected
    finally:
        revived.stop()
