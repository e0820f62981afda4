"""Who is told what: the invitation when a case ends (once, only for cases to rate), a poor
rating to the lead bureau's heads, the reply to the enterprise, and the reminders of a
rectification falling due (two working days before, and once overdue — each once)."""

import datetime

import pytest
from django.urls import reverse

from applications.models import Notification
from ratings import services, tasks
from ratings.models import Rectification
from tests.ratings.conftest import act, disburse, ended_row

pytestmark = pytest.mark.django_db


def _inbox(prefix):
    return Notification.objects.filter(key__startswith=prefix, channel="inbox")


def test_an_ended_case_invites_its_enterprise_once(ended, qualified):
    invitations = _inbox(f"rating-invite:{ended.pk}:")
    assert [n.user for n in invitations] == [qualified]
    assert invitations.get().link == reverse("ratings:rate", args=[ended.reference])
    assert ended.reference in invitations.get().subject
    assert Notification.objects.filter(
        key__startswith=f"rating-invite:{ended.pk}:", channel="email", email=qualified.email
    ).exists()
    assert services.invitation_send(application_id=ended.pk)  # again: nothing new
    assert _inbox(f"rating-invite:{ended.pk}:").count() == 1


def test_a_paid_case_invites_too(submitted, qualified, reviewer, head):
    paid = disburse(submitted, reviewer, head)
    assert _inbox(f"rating-invite:{paid.pk}:").count() == 1


def test_a_case_withdrawn_before_acceptance_invites_nobody(submitted, qualified):
    withdrawn = act(submitted, qualified, "withdraw")
    assert not _inbox(f"rating-invite:{withdrawn.pk}:").exists()
    assert services.invitation_send(application_id=withdrawn.pk) is False


def test_a_case_still_running_invites_nobody(submitted, reviewer):
    act(submitted, reviewer, "accept")
    assert not _inbox("rating-invite:").exists()


def test_a_poor_rating_goes_to_the_heads_and_the_reply_to_the_enterprise(
    ended, qualified, reviewer, head
):
    poor = services.rating_give(application_id=ended.pk, user=qualified, level=1, reason="态度差")
    told = _inbox(f"rating-poor:{poor.pk}:")
    assert [n.user for n in told] == [head]  # the heads, not the reviewer
    assert told.get().link == f"/bureau/ratings/rectify/{poor.rectification.pk}/"
    services.rectification_reply(
        rectification_id=poor.rectification.pk, user=head, rectified="约谈经办人", reply="已整改"
    )
    reply = _inbox(f"rating-reply:{poor.rectification.pk}:").get()
    assert reply.user == qualified and "已整改" in reply.body


def test_reminders_before_the_due_date_and_once_overdue(ended, qualified, head):
    poor = services.rating_give(application_id=ended.pk, user=qualified, level=2, reason="慢")
    rectification = poor.rectification
    due = rectification.due_on
    cal = services.calendar()
    early = cal.add_working_days(due, -3)
    assert services.rectifications_check(on=early) == {"reminded": 0, "overdue": 0}
    two_before = cal.add_working_days(due, -2)
    assert services.rectifications_check(on=two_before) == {"reminded": 1, "overdue": 0}
    assert services.rectifications_check(on=two_before) == {"reminded": 0, "overdue": 0}
    assert [n.user for n in _inbox(f"rating-remind:{rectification.pk}:")] == [head]
    after = due + datetime.timedelta(days=1)
    assert services.rectifications_check(on=after) == {"reminded": 0, "overdue": 1}
    assert services.rectifications_check(on=after) == {"reminded": 0, "overdue": 0}
    assert _inbox(f"rating-overdue:{rectification.pk}:").count() == 1


def test_an_answered_rectification_is_not_reminded(ended, qualified, head):
    poor = services.rating_give(application_id=ended.pk, user=qualified, level=2, reason="慢")
    services.rectification_reply(
        rectification_id=poor.rectification.pk, user=head, rectified="改", reply="好"
    )
    later = Rectification.objects.get(pk=poor.rectification.pk).due_on + datetime.timedelta(days=9)
    assert services.rectifications_check(on=later) == {"reminded": 0, "overdue": 0}


def test_the_beat_task_runs_the_check(ended, qualified):
    ended_row(qualified, period="2020")
    assert tasks.check_rectifications() == {"reminded": 0, "overdue": 0}
