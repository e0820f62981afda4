"""The notification outbox: rows written with the event, delivered once, kept when mail fails,
sent again later, and an unread count in the header."""

import contextlib
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from applications import notifications, services
from applications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_mail_outage_keeps_the_notice_pending_until_it_can_be_sent(
    reviewer, head, qualified, hitech_item
):
    from tests.applications.conftest import attach_all

    application = services.application_start(user=qualified, item=hitech_item)
    attach_all(application, qualified)
    mail_down = mock.patch(
        "applications.notifications.send_mail", side_effect=ConnectionRefusedError("mail down")
    )
    # Eager tasks propagate the failure; a worker would retry with backoff.
    with mail_down, contextlib.suppress(ConnectionRefusedError):
        services.transition(application_id=application.pk, user=qualified, action="submit")
    emails = Notification.objects.filter(application=application, channel="email")
    assert emails.exists()
    assert all(n.status == "pending" for n in emails)
    assert any("mail down" in n.last_error for n in emails)
    assert Notification.objects.filter(
        application=application, channel="inbox", status="sent"
    ).exists()
    mail.outbox.clear()
    notifications.resend_pending(older_than_seconds=0)
    assert all(n.status == "sent" for n in emails.all())
    sent = len(mail.outbox)
    assert sent == emails.count()
    notifications.resend_pending(older_than_seconds=0)
    for pk in emails.values_list("pk", flat=True):
        assert notifications.deliver(pk) == "already"
    assert len(mail.outbox) == sent  # never twice


def test_the_header_shows_the_unread_count_and_the_inbox_lists_notices(
    client, reviewer, head, submitted
):
    client.force_login(reviewer)
    page = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="inbox-unread"' in page
    unread = notifications.unread_count(reviewer)
    assert unread >= 1
    inbox = client.get(reverse("applications:inbox")).content.decode()
    assert submitted.reference in inbox
    client.post(reverse("applications:inbox"))
    assert notifications.unread_count(reviewer) == 0


def test_a_broker_outage_does_not_lose_the_row(reviewer, head, qualified, hitech_item):
    from tests.applications.conftest import attach_all

    application = services.application_start(user=qualified, item=hitech_item)
    attach_all(application, qualified)
    with mock.patch(
        "applications.tasks.deliver_notification.apply_async",
        side_effect=ConnectionError("redis down"),
    ):
        services.transition(application_id=application.pk, user=qualified, action="submit")
    pending = Notification.objects.filter(application=application)
    assert pending.exists() and all(n.status == "pending" for n in pending)
    notifications.resend_pending(older_than_seconds=0)
    assert all(n.status == "sent" for n in pending.all())
