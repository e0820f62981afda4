"""Fuzzed forms of 政策咨询: asking on an item (as a visitor and as an enterprise user), the
bureau's answer, publish, close-as-spam and unpublish steps, the queue's search, the private link
with hostile tokens, and the head's contacts page."""

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consultations import forms as consultation_forms
from consultations import services
from consultations.models import Question
from incentives.models import IncentiveItem
from tests.security.fuzz.helpers import (
    FUZZ,
    FUZZ_SETTINGS,
    RAW_QUERY,
    assert_says_why,
    draw_payload,
    plausible,
    rolled_back,
    send,
    web_client,
)

ITEM = "ts2019-hitech-new"
ASK = f"/policies/{ITEM}/ask/"


@pytest.fixture(autouse=True)
def generous_throttles(settings):
    """Many examples from one address: the throttle is tested elsewhere, not here."""
    settings.QUESTIONS_PER_IP_PER_HOUR = settings.QUESTIONS_PER_IP_PER_DAY = 10_000
    settings.QUESTIONS_PER_CONTACT_PER_DAY = 10_000


@pytest.fixture
def open_question(db):
    return services.question_ask(
        item=IncentiveItem.objects.get(key=ITEM),
        text="高企认定奖励何时申报？",
        name="张三",
        phone="13812345678",
        email="zhangsan@qq.com",
        client_ip="10.0.0.1",
    )


@pytest.fixture
def answered_question(open_question, reviewer):
    return services.question_answer(question_id=open_question.pk, by=reviewer, answer="每年5月。")


@FUZZ_SETTINGS
@given(data=st.data())
def test_ask_as_a_visitor(db, data):
    client = web_client()
    base = plausible(consultation_forms.QuestionForm())
    base.update(phone=["13812345678", ""], email=["li@163.com", ""], name=["李四"])
    payload = draw_payload(data, base)
    with rolled_back():
        response = send(client, "question_ask", "post", ASK, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_ask_as_an_enterprise(admin, admin_client, data):
    payload = draw_payload(data, plausible(consultation_forms.QuestionForm(visitor=False)))
    with rolled_back():
        response = send(admin_client, "question_ask_enterprise", "post", ASK, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_answer(open_question, staff_clients, data):
    client = staff_clients[data.draw(st.sampled_from(["reviewer", "head"]))]
    payload = draw_payload(data, plausible(consultation_forms.AnswerForm()))
    url = f"/bureau/questions/{open_question.pk}/answer/"
    with rolled_back():
        response = send(client, "question_answer", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True, form_key="answer_form")


@FUZZ_SETTINGS
@given(data=st.data())
def test_publish(answered_question, staff_clients, data):
    client = staff_clients[data.draw(st.sampled_from(["reviewer", "head"]))]
    base = plausible(consultation_forms.PublishForm())
    base["published_question"].append("张三问：何时申报？")
    payload = draw_payload(data, base)
    url = f"/bureau/questions/{answered_question.pk}/publish/"
    with rolled_back():
        response = send(client, "question_publish", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True, form_key="publish_form")
        published = Question.objects.get(pk=answered_question.pk)
        if published.is_published:
            text = published.published_question + published.published_answer
            assert "张三" not in text and "13812345678" not in text


@FUZZ_SETTINGS
@given(data=st.data())
def test_close_as_spam(open_question, staff_clients, data):
    client = staff_clients["reviewer"]
    payload = draw_payload(data, plausible(consultation_forms.SpamForm()))
    url = f"/bureau/questions/{open_question.pk}/close/"
    with rolled_back():
        response = send(client, "question_close", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True, form_key="spam_form")


@FUZZ_SETTINGS
@given(step=st.one_of(st.sampled_from(["answer", "publish", "close", "unpublish"]), FUZZ))
def test_steps_and_ids_nobody_has(answered_question, staff_clients, step):
    client = staff_clients["head"]
    for pk in (answered_question.pk, 0, 2**31, 2**63):
        url = f"/bureau/questions/{pk}/{step}/".replace("//", "/x/")
        with rolled_back():
            send(client, "question_steps", "post", url, data={"answer": step})


@FUZZ_SETTINGS
@given(query=RAW_QUERY)
def test_queue_search(open_question, staff_clients, query):
    send(staff_clients["reviewer"], "question_queue", "get", "/bureau/questions/?" + query)


@FUZZ_SETTINGS
@given(token=st.one_of(FUZZ, st.just("a\x00b")))
def test_private_link_tokens(open_question, token):
    client = web_client()
    # Quoted whole, as a browser sends a pasted link: a "#" or "?" is part of the token.
    send(client, "question_token", "get", "/questions/" + quote(token, safe="") + "/")


@FUZZ_SETTINGS
@given(data=st.data())
def test_contacts(head, staff_clients, data):
    client = staff_clients["head"]
    base = plausible(consultation_forms.ContactsForm(instance=head.bureau))
    base.update(
        phone=["0315-2801234", "13812345678", "0315-0000000", ""],
        email=["kjj@tangshan.gov.cn", "kjj@tangshan.example.cn", ""],
        office_hours=["工作日 8:30–17:30", "待更正", ""],
    )
    payload = draw_payload(data, base)
    with rolled_back():
        response = send(client, "bureau_contacts", "post", "/bureau/contacts/", data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)
        bureau = type(head.bureau).objects.get(pk=head.bureau_id)
        if response.status_code == 302:
            assert not bureau.placeholder_contacts()
