"""政策咨询 services: routing, working-day due dates, who may ask, throttles, the private token,
answering, spam, publishing without the asker's identity, reminders."""

import datetime

import pytest
from django.utils import translation

from applications.models import Holiday, Notification
from consultations import selectors, services
from consultations.models import Question
from incentives.models import Assignment, AssignmentRole, IncentiveItem
from organisations.models import Bureau
from portal import clock
from tests.consultations.conftest import ask_as_visitor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The messages are matched as written (English msgids), whatever the translations say."""
    with translation.override("en"):
        yield


def _on(monkeypatch, day: datetime.date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


# --- routing ---------------------------------------------------------------------------------


def test_a_question_goes_to_the_items_lead_bureau(item, reviewer):
    question = ask_as_visitor(item)
    assert question.bureau == reviewer.bureau
    assert str(question.bureau) == "唐山市科学技术局"
    assert question.state == Question.State.OPEN


def _annex_lines(item):
    return Assignment.objects.filter(measure=item.measure)


def test_without_a_lead_the_first_responsible_unit_answers(item):
    finance = Bureau.objects.get(city__name="唐山市", name="市财政局")
    _annex_lines(item).delete()
    Assignment.objects.create(
        measure=item.measure, item=item, bureau=finance, role=AssignmentRole.RESPONSIBLE
    )
    item = IncentiveItem.objects.get(pk=item.pk)
    assert ask_as_visitor(item).bureau == finance


def test_an_item_without_any_bureau_refuses_questions(item):
    _annex_lines(item).delete()
    with pytest.raises(services.ConsultationError, match="No bureau"):
        ask_as_visitor(IncentiveItem.objects.get(pk=item.pk))


# --- due dates -------------------------------------------------------------------------------


def test_due_date_counts_working_days_over_a_weekend(item, monkeypatch, settings):
    settings.QUESTION_ANSWER_DAYS = 5
    _on(monkeypatch, datetime.date(2031, 3, 7))  # a Friday
    question = ask_as_visitor(item)
    assert question.due_on == datetime.date(2031, 3, 14)  # next Friday


def test_due_date_skips_holidays_and_counts_adjusted_working_days(item, monkeypatch, settings):
    settings.QUESTION_ANSWER_DAYS = 3
    # 2031-09-29 (Mon) … 10-03 off; Saturday 10-04 worked (调休).
    for day in range(29, 31):
        Holiday.objects.create(date=datetime.date(2031, 9, day), name="国庆节")
    for day in range(1, 4):
        Holiday.objects.create(date=datetime.date(2031, 10, day), name="国庆节")
    Holiday.objects.create(date=datetime.date(2031, 10, 4), name="国庆调休", is_working_day=True)
    _on(monkeypatch, datetime.date(2031, 9, 26))  # a Friday
    question = ask_as_visitor(item)
    # Sat 10-04 (worked), Mon 10-06, Tue 10-07.
    assert question.due_on == datetime.date(2031, 10, 7)


# --- who asks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone": "", "email": ""}, "mobile phone or an e-mail"),
        ({"name": ""}, "name"),
        ({"text": "   "}, "Write your question"),
    ],
)
def test_a_visitor_needs_a_name_and_a_phone_or_an_email(item, fields, message):
    with pytest.raises(services.ConsultationError, match=message):
        ask_as_visitor(item, **fields)
    assert not Question.objects.exists()


def test_a_visitor_with_only_a_phone_or_only_an_email_may_ask(item):
    assert ask_as_visitor(item, email="").phone == "13812345678"
    assert ask_as_visitor(item, phone="", email="li@163.com").email == "li@163.com"


def test_a_bad_mobile_or_control_characters_are_refused(item):
    with pytest.raises(services.ConsultationError, match="11-digit"):
        ask_as_visitor(item, phone="12345")
    with pytest.raises(services.ConsultationError, match="U\\+202E"):
        ask_as_visitor(item, text="问题\u202e内容")


def test_an_enterprise_user_asks_as_the_enterprise(item, enterprise_user):
    question = services.question_ask(item=item, text="需要哪些材料？", user=enterprise_user)
    assert question.enterprise == enterprise_user.enterprise
    assert question.asked_by == enterprise_user
    assert question.name == question.phone == question.email == ""


def test_bureau_staff_do_not_ask(item, reviewer):
    with pytest.raises(services.ConsultationError, match="enterprises and visitors"):
        services.question_ask(item=item, text="问题", user=reviewer)


def test_the_database_refuses_an_unreachable_visitor(item, reviewer):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(
            item=item, bureau=reviewer.bureau, text="?", token="t", due_on=clock.today()
        )


# --- throttles -------------------------------------------------------------------------------


def test_visitors_are_throttled_per_address(item, settings):
    settings.QUESTIONS_PER_IP_PER_HOUR = 2
    ask_as_visitor(item, phone="13800000001", email="")
    ask_as_visitor(item, phone="13800000002", email="")
    with pytest.raises(services.ConsultationError, match="Too many"):
        ask_as_visitor(item, phone="13800000003", email="")
    ask_as_visitor(item, phone="13800000003", email="", client_ip="10.0.0.2")
    assert Question.objects.count() == 3


def test_visitors_are_throttled_per_phone_and_email(item, settings):
    settings.QUESTIONS_PER_CONTACT_PER_DAY = 1
    ask_as_visitor(item, client_ip="10.0.0.1")
    with pytest.raises(services.ConsultationError, match="Too many"):
        ask_as_visitor(item, client_ip="10.0.0.2", email="")  # same phone
    with pytest.raises(services.ConsultationError, match="Too many"):
        ask_as_visitor(item, client_ip="10.0.0.3", phone="")  # same e-mail


def test_enterprise_users_are_throttled_per_account(item, enterprise_user, settings):
    settings.QUESTIONS_PER_CONTACT_PER_DAY = 1
    services.question_ask(item=item, text="一", user=enterprise_user)
    with pytest.raises(services.ConsultationError, match="Too many"):
        services.question_ask(item=item, text="二", user=enterprise_user)


# --- the private link ------------------------------------------------------------------------


def test_each_question_has_its_own_unguessable_token(item):
    first, second = ask_as_visitor(item), ask_as_visitor(item, phone="13900000000")
    assert first.token != second.token and len(first.token) >= 40
    assert selectors.question_by_token(token=first.token) == first
    assert selectors.question_by_token(token=first.token[:-1]) is None
    assert selectors.question_by_token(token="a\x00b") is None


# --- the bureau's steps ----------------------------------------------------------------------


def test_a_new_question_tells_the_bureau_staff(item, reviewer, head, other_reviewer):
    question = ask_as_visitor(item)
    told = set(
        Notification.objects.filter(
            key__startswith=f"question:{question.pk}:new:inbox"
        ).values_list("user__username", flat=True)
    )
    assert told == {reviewer.username, head.username}


def test_answering_tells_a_visitor_with_an_email_the_private_link(item, reviewer):
    question = ask_as_visitor(item)
    services.question_answer(
        question_id=question.pk, by=reviewer, answer="每年5月申报。", site_url="https://zc.example/"
    )
    mail = Notification.objects.get(key=f"question:{question.pk}:answered:email:zhangsan@qq.com")
    assert f"https://zc.example/questions/{question.token}/" in mail.body
    assert "每年5月申报。" in mail.body
    question.refresh_from_db()
    assert question.state == Question.State.ANSWERED and question.answered_by == reviewer


def test_answering_tells_the_enterprise_user_in_the_inbox(item, reviewer, enterprise_user):
    question = services.question_ask(item=item, text="需要哪些材料？", user=enterprise_user)
    services.question_answer(question_id=question.pk, by=reviewer, answer="见申报指南。")
    inbox = Notification.objects.get(
        channel=Notification.Channel.INBOX, user=enterprise_user, key__contains="answered"
    )
    assert inbox.link == f"/questions/{question.token}/"


def test_a_phone_only_visitor_is_told_by_phone_and_recorded(item, reviewer):
    question = ask_as_visitor(item, email="")
    assert not question.reaches_online
    services.question_answer(
        question_id=question.pk, by=reviewer, answer="已电话答复。", by_phone=True
    )
    question.refresh_from_db()
    assert question.answered_by_phone
    assert not Notification.objects.filter(key__startswith=f"question:{question.pk}:answered")


def test_another_bureau_cannot_answer(item, other_reviewer):
    question = ask_as_visitor(item)
    with pytest.raises(Question.DoesNotExist):
        services.question_answer(question_id=question.pk, by=other_reviewer, answer="?")


def test_an_answered_question_is_not_answered_twice(item, reviewer):
    question = ask_as_visitor(item)
    services.question_answer(question_id=question.pk, by=reviewer, answer="一")
    with pytest.raises(services.ConsultationError, match="cannot be answered again"):
        services.question_answer(question_id=question.pk, by=reviewer, answer="二")


def test_spam_is_closed_with_a_reason_and_never_published(item, reviewer):
    question = ask_as_visitor(item, text="代办高企认定，包过！")
    with pytest.raises(services.ConsultationError, match="why"):
        services.question_close_as_spam(question_id=question.pk, by=reviewer, reason=" ")
    services.question_close_as_spam(question_id=question.pk, by=reviewer, reason="广告")
    question.refresh_from_db()
    assert question.state == Question.State.SPAM and question.closed_reason == "广告"
    with pytest.raises(services.ConsultationError):
        services.question_answer(question_id=question.pk, by=reviewer, answer="x")
    with pytest.raises(services.ConsultationError, match="Only an answered"):
        services.question_publish(
            question_id=question.pk, by=reviewer, question_text="q", answer_text="a"
        )


# --- publishing ------------------------------------------------------------------------------


@pytest.fixture
def answered(item, reviewer):
    question = ask_as_visitor(
        item, text="我是张三，电话13812345678，邮箱zhangsan@qq.com，想问高企奖励何时申报？"
    )
    return services.question_answer(question_id=question.pk, by=reviewer, answer="每年5月。")


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("我是张三，想问高企奖励何时申报？", "name"),
        ("电话 138-1234-5678，高企奖励何时申报？", "phone"),
        ("ZhangSan@QQ.com 高企奖励何时申报？", "e-mail"),
    ],
)
def test_publishing_refuses_text_with_the_askers_identity(answered, reviewer, text, what):
    with pytest.raises(services.ConsultationError, match=what):
        services.question_publish(
            question_id=answered.pk, by=reviewer, question_text=text, answer_text="每年5月。"
        )
    assert not Question.objects.get(pk=answered.pk).is_published


def test_publishing_refuses_the_enterprises_name(item, reviewer, enterprise_user):
    question = services.question_ask(item=item, text="材料？", user=enterprise_user)
    services.question_answer(question_id=question.pk, by=reviewer, answer="见指南")
    name = enterprise_user.enterprise.name
    with pytest.raises(services.ConsultationError, match="enterprise"):
        services.question_publish(
            question_id=question.pk,
            by=reviewer,
            question_text=f"{name}问：材料？",
            answer_text="见指南",
        )


def test_publish_edit_and_unpublish(answered, reviewer, head):
    services.question_publish(
        question_id=answered.pk,
        by=reviewer,
        question_text="高企奖励何时申报？",
        answer_text="每年5月集中申报。",
    )
    faq = list(selectors.item_published_questions(item_key="ts2019-hitech-new"))
    assert [q.published_question for q in faq] == ["高企奖励何时申报？"]
    services.question_publish(
        question_id=answered.pk, by=head, question_text="高企奖励何时申报？", answer_text="5月。"
    )
    answered.refresh_from_db()
    assert answered.published_answer == "5月。" and answered.published_by == head
    services.question_unpublish(question_id=answered.pk, by=reviewer)
    assert not selectors.item_published_questions(item_key="ts2019-hitech-new").exists()
    answered.refresh_from_db()
    assert answered.published_question == "高企奖励何时申报？"  # kept for publishing again
    assert answered.history.count() >= 5


# --- reminders -------------------------------------------------------------------------------


def test_reminders_and_escalations_are_sent_once(item, reviewer, head, monkeypatch, settings):
    settings.QUESTION_ANSWER_DAYS = 5
    settings.QUESTION_REMINDER_DAYS = 1
    _on(monkeypatch, datetime.date(2031, 3, 3))  # Monday; due Monday 03-10
    question = ask_as_visitor(item)
    assert question.due_on == datetime.date(2031, 3, 10)
    assert services.questions_remind(on=datetime.date(2031, 3, 5)) == {
        "reminded": 0,
        "escalated": 0,
    }
    assert services.questions_remind(on=datetime.date(2031, 3, 7)) == {
        "reminded": 1,
        "escalated": 0,
    }
    assert services.questions_remind(on=datetime.date(2031, 3, 7)) == {
        "reminded": 0,
        "escalated": 0,
    }
    reminders = Notification.objects.filter(
        key__startswith=f"question:{question.pk}:reminder:inbox"
    )
    assert {n.user for n in reminders} == {reviewer, head}
    assert services.questions_remind(on=datetime.date(2031, 3, 11)) == {
        "reminded": 0,
        "escalated": 1,
    }
    assert services.questions_remind(on=datetime.date(2031, 3, 12)) == {
        "reminded": 0,
        "escalated": 0,
    }
    overdue = Notification.objects.filter(key__startswith=f"question:{question.pk}:overdue:inbox")
    assert {n.user for n in overdue} == {head}


def test_answered_questions_are_not_reminded(item, reviewer, monkeypatch):
    _on(monkeypatch, datetime.date(2031, 3, 3))
    question = ask_as_visitor(item)
    services.question_answer(question_id=question.pk, by=reviewer, answer="好")
    assert services.questions_remind(on=datetime.date(2031, 4, 1)) == {
        "reminded": 0,
        "escalated": 0,
    }


def test_the_beat_task_calls_the_service(item, monkeypatch):
    from consultations import tasks

    _on(monkeypatch, datetime.date(2031, 3, 3))
    ask_as_visitor(item)
    _on(monkeypatch, datetime.date(2031, 4, 1))
    assert tasks.remind_questions() == {"reminded": 0, "escalated": 1}
    assert tasks.remind_questions() == {"reminded": 0, "escalated": 0}
