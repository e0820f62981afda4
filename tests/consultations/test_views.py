"""政策咨询 pages: asking on the item page, the private link, the bureau's queue and steps (another
bureau's questions are 404), the published FAQ without the asker's identity, the bureau home."""

import datetime

import pytest
from django.utils import translation

from accounts.models import Role
from consultations import services
from consultations.models import Question
from portal import clock
from tests.consultations.conftest import ITEM, ask_as_visitor

pytestmark = pytest.mark.django_db
ITEM_URL = f"/policies/{ITEM}/"
ASK_URL = f"/policies/{ITEM}/ask/"


@pytest.fixture(autouse=True)
def in_english(client, settings):
    """Pages and messages as written (English msgids), whatever the translations say."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def test_the_item_page_links_to_asking_and_shows_no_faq_yet(client, item):
    page = client.get(ITEM_URL).content.decode()
    assert 'data-testid="item-questions"' in page and ASK_URL in page
    assert 'data-testid="faq-entry"' not in page


def test_a_visitor_asks_and_lands_on_the_private_link(client, item, reviewer):
    response = client.post(
        ASK_URL,
        {"text": "奖励何时发放？", "name": "王五", "phone": "13912345678", "email": ""},
        REMOTE_ADDR="10.1.1.1",
    )
    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/questions/{question.token}/"
    page = client.get(response["Location"]).content.decode()
    assert "奖励何时发放？" in page and 'data-testid="waiting"' in page


def test_a_visitor_without_phone_or_email_is_told_why(client, item):
    response = client.post(ASK_URL, {"text": "问题", "name": "王五"})
    assert response.status_code == 200
    assert "at least one" in response.content.decode()
    assert not Question.objects.exists()


def test_the_throttle_is_said_on_the_form(client, item, settings):
    settings.QUESTIONS_PER_IP_PER_HOUR = 1
    data = {"text": "问题", "name": "王五", "phone": "13912345678"}
    assert client.post(ASK_URL, data).status_code == 302
    response = client.post(ASK_URL, data | {"phone": "13912345679"})
    assert response.status_code == 200 and "Too many questions" in response.content.decode()


def test_an_enterprise_user_asks_without_contact_fields(client, item, enterprise_user):
    client.force_login(enterprise_user)
    page = client.get(ASK_URL).content.decode()
    assert 'name="phone"' not in page and enterprise_user.enterprise.name in page
    assert client.post(ASK_URL, {"text": "需要哪些材料？"}).status_code == 302
    assert Question.objects.get().enterprise == enterprise_user.enterprise


def test_bureau_staff_see_no_ask_form(client, item, reviewer):
    client.force_login(reviewer)
    assert 'data-testid="ask-not-for-you"' in client.get(ASK_URL).content.decode()
    response = client.post(ASK_URL, {"text": "问题", "name": "x", "phone": "13912345678"})
    assert response.status_code == 200 and not Question.objects.exists()


def test_an_unknown_item_or_token_is_404(client, item):
    assert client.get("/policies/no-such-item/ask/").status_code == 404
    assert client.get("/questions/not-a-token/").status_code == 404


def test_the_queue_shows_open_first_overdue_marked_and_searches(
    client, item, reviewer, monkeypatch
):
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2031, 3, 3))
    late = ask_as_visitor(item, text="早先的问题", phone="13800000001")
    answered = ask_as_visitor(item, text="已答的问题", phone="13800000002")
    services.question_answer(question_id=answered.pk, by=reviewer, answer="好")
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2031, 3, 20))
    fresh = ask_as_visitor(item, text="新的问题", phone="13800000003")
    client.force_login(reviewer)
    response = client.get("/bureau/questions/")
    assert [q.pk for q in response.context["questions"]] == [late.pk, fresh.pk, answered.pk]
    assert response.content.decode().count('data-testid="overdue"') == 1
    found = client.get("/bureau/questions/", {"q": "新的"}).context["questions"]
    assert [q.pk for q in found] == [fresh.pk]
    found = client.get("/bureau/questions/", {"state": "answered"}).context["questions"]
    assert [q.pk for q in found] == [answered.pk]


def test_the_queue_has_a_bounded_number_of_queries(
    client, item, reviewer, django_assert_max_num_queries
):
    for n in range(8):
        ask_as_visitor(item, phone=f"1380000000{n}", email="", client_ip=f"10.0.0.{n}")
    client.force_login(reviewer)
    with django_assert_max_num_queries(12):
        client.get("/bureau/questions/")


def test_another_bureaus_question_is_404(client, item, other_reviewer):
    question = ask_as_visitor(item)
    client.force_login(other_reviewer)
    assert client.get(f"/bureau/questions/{question.pk}/").status_code == 404
    response = client.post(f"/bureau/questions/{question.pk}/answer/", {"answer": "x"})
    assert response.status_code == 404
    assert Question.objects.get(pk=question.pk).state == Question.State.OPEN
    assert not client.get("/bureau/questions/").context["questions"]


def test_answer_publish_and_the_faq_without_identity(client, item, reviewer):
    question = ask_as_visitor(item, text="我是张三(13812345678)，高企奖励何时申报？")
    client.force_login(reviewer)
    page = client.get(f"/bureau/questions/{question.pk}/").content.decode()
    assert "13812345678" in page  # the bureau sees how to reach the asker
    response = client.post(
        f"/bureau/questions/{question.pk}/answer/", {"answer": "每年5月集中申报。"}
    )
    assert response.status_code == 302
    # The first draft still names the asker: refused, said on the form.
    response = client.post(
        f"/bureau/questions/{question.pk}/publish/",
        {"published_question": question.text, "published_answer": "每年5月集中申报。"},
    )
    assert response.status_code == 200
    assert "still contains" in response.content.decode()
    response = client.post(
        f"/bureau/questions/{question.pk}/publish/",
        {"published_question": "高企奖励何时申报？", "published_answer": "每年5月集中申报。"},
    )
    assert response.status_code == 302
    client.logout()
    page = client.get(ITEM_URL).content.decode()
    assert "高企奖励何时申报？" in page and "每年5月集中申报。" in page
    for identity in ("张三", "13812345678", "zhangsan@qq.com"):
        assert identity not in page
    private = client.get(f"/questions/{question.token}/").content.decode()
    assert "每年5月集中申报。" in private
    client.force_login(reviewer)
    client.post(f"/bureau/questions/{question.pk}/unpublish/")
    client.logout()
    assert "每年5月集中申报。" not in client.get(ITEM_URL).content.decode()


def test_close_as_spam_needs_a_reason(client, item, reviewer):
    question = ask_as_visitor(item)
    client.force_login(reviewer)
    response = client.post(f"/bureau/questions/{question.pk}/close/", {"reason": ""})
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    client.post(f"/bureau/questions/{question.pk}/close/", {"reason": "广告"})
    assert Question.objects.get(pk=question.pk).state == Question.State.SPAM
    assert 'data-testid="closed"' in client.get(f"/questions/{question.token}/").content.decode()


def test_an_unknown_step_is_404(client, item, reviewer):
    question = ask_as_visitor(item)
    client.force_login(reviewer)
    assert client.post(f"/bureau/questions/{question.pk}/delete/").status_code == 404


def test_unpublishing_what_is_not_published_says_why(client, item, reviewer):
    question = ask_as_visitor(item)
    client.force_login(reviewer)
    response = client.post(f"/bureau/questions/{question.pk}/unpublish/", follow=True)
    assert "not published" in response.content.decode()


def test_the_bureau_home_counts_open_questions(client, item, reviewer, head):
    ask_as_visitor(item)
    ask_as_visitor(item, phone="13900000000")
    client.force_login(reviewer)
    page = client.get("/bureau/").content.decode()
    assert "2 questions await an answer" in page and "/bureau/questions/" in page
    assert "/bureau/contacts/" not in page
    client.force_login(head)
    assert "/bureau/contacts/" in client.get("/bureau/").content.decode()


def test_only_bureau_staff_open_the_queue(client, make_user, enterprise_user):
    assert client.get("/bureau/questions/").status_code == 302
    client.force_login(enterprise_user)
    assert client.get("/bureau/questions/").status_code == 403
    client.force_login(make_user(Role.CATALOGUE_ADMIN))
    assert client.get("/bureau/questions/").status_code == 403
