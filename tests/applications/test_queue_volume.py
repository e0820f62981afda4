"""The bureau queue built for volume (issue 16, part 5): by default the cases waiting for the
bureau, a search by company, credit code and case number, batch 受理 / 公示 / 登记兑现 with a
result per case, and the head's decision shown to a reviewer as disabled with the reason."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from applications import services
from applications.forms import BATCH_LIMIT
from applications.models import Application, CaseEvent, Notification, State
from tests import factories
from tests.applications.conftest import attach_all

pytestmark = pytest.mark.django_db
QUEUE = reverse("applications:queue")
BATCH = reverse("applications:queue_batch")


def act(application, user, action, **kwargs):
    return services.transition(application_id=application.pk, user=user, action=action, **kwargs)


def a_submitted_case(make_user, item):
    claimant = factories.newly_certified_admin(make_user)
    application = services.application_start(user=claimant, item=item)
    attach_all(application, claimant)
    return act(application, claimant, "submit")


def paid(application, reviewer, head):
    application = act(application, reviewer, "accept")
    application = act(application, head, "approve", amount=Decimal(200000))
    application = act(application, reviewer, "publicize")
    Application.objects.filter(pk=application.pk).update(
        publicity_ends=datetime.date.today() - datetime.timedelta(days=1)
    )
    return act(
        application, reviewer, "disburse", paid_on=datetime.date.today(), payment_reference="GK-1"
    )


def page(client, **query) -> str:
    response = client.get(QUEUE, query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_queue_shows_the_cases_waiting_by_default_and_everything_with_all(
    client, make_user, hitech_item, reviewer, head
):
    waiting = a_submitted_case(make_user, hitech_item)
    done = paid(a_submitted_case(make_user, hitech_item), reviewer, head)
    assert done.state == State.DISBURSED
    client.force_login(reviewer)
    default = page(client)
    assert waiting.reference in default and done.reference not in default
    assert "<title>待办案件" in default, "the title says what is shown"
    everything = page(client, show="all")
    assert waiting.reference in everything and done.reference in everything
    assert "<title>全部案件" in everything


def test_a_second_head_sign_off_waits_for_heads_not_reviewers(
    client, make_user, hitech_item, reviewer, head
):
    case = act(a_submitted_case(make_user, hitech_item), reviewer, "accept")
    Application.objects.filter(pk=case.pk).update(state=State.SIGNOFF)
    client.force_login(reviewer)
    assert case.reference not in page(client)
    client.force_login(head)
    assert case.reference in page(client)


def test_search_by_company_name_credit_code_with_spaces_and_case_number(
    client, make_user, hitech_item, reviewer
):
    one = a_submitted_case(make_user, hitech_item)
    other = a_submitted_case(make_user, hitech_item)
    client.force_login(reviewer)
    name = one.enterprise.name
    found = page(client, q=name[-6:] if len(name) > 6 else name)
    assert one.reference in found
    code = one.enterprise.credit_code
    spaced = f" {code[:4].lower()} {code[4:8]} {code[8:]} "
    found = page(client, q=spaced)
    assert one.reference in found and other.reference not in found
    found = page(client, q=code[:12])  # a prefix
    assert one.reference in found
    found = page(client, q=one.reference)
    assert one.reference in found and other.reference not in found
    found = page(client, q=one.reference[-6:])  # contains
    assert one.reference in found


@pytest.mark.parametrize(
    "query",
    [
        {"q": "\x00"},
        {"q": "a\x00b"},
        {"q": "x" * 5000},
        {"q": "'; DROP TABLE applications_application; --"},
        {"q": "%_%"},
        {"show": "bogus", "q": "９１１３"},
        {"show": ["all", "waiting"], "sort": "pk); --"},
    ],
)
def test_hostile_queue_queries_never_fail(client, submitted, reviewer, query):
    client.force_login(reviewer)
    assert client.get(QUEUE, query).status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "accept"},
        {"action": "accept", "case": ["\x00", "-1", "9" * 40, "abc"]},
        {"action": "approve", "case": ["1"]},
        {"action": "disburse", "case": ["1"], "paid_on": "2026-13-45", "payment_reference": "x"},
        {"action": "disburse", "case": ["1"], "paid_on": "2026-01-05", "payment_reference": "\x00"},
        {"action": ["accept", "publicize"], "case": ["1"]},
    ],
)
def test_hostile_batch_posts_never_fail(client, submitted, reviewer, data):
    client.force_login(reviewer)
    response = client.post(BATCH, data)
    assert response.status_code in (200, 302)
    assert Application.objects.get(pk=submitted.pk).state == State.SUBMITTED


def test_batch_accept_does_each_case_and_refuses_one_with_its_reason(
    client, make_user, hitech_item, reviewer
):
    cases = [a_submitted_case(make_user, hitech_item) for _ in range(3)]
    accepted_already = act(cases[2], reviewer, "accept")
    notices_before = Notification.objects.count()
    client.force_login(reviewer)
    response = client.post(BATCH, {"action": "accept", "case": [c.pk for c in cases]})
    assert response.status_code == 200
    outcomes = {o.case_id: o for o in response.context["outcomes"]}
    assert [outcomes[c.pk].done for c in cases] == [True, True, False]
    assert "受理" in outcomes[accepted_already.pk].reason  # 当前状态为“已受理（受理）”时不能办理
    assert (response.context["done"], response.context["refused"]) == (2, 1)
    for case in cases[:2]:
        assert Application.objects.get(pk=case.pk).state == State.ACCEPTED
        assert CaseEvent.objects.filter(application=case, action="accept", actor=reviewer).exists()
        assert Notification.objects.filter(application=case, user=case.created_by).exists()
    assert CaseEvent.objects.filter(application=cases[2], action="accept").count() == 1
    assert Notification.objects.count() > notices_before
    body = response.content.decode()
    assert outcomes[accepted_already.pk].reason in body


def test_batch_publicize_and_disburse_ask_for_the_payment_once(
    client, make_user, hitech_item, reviewer, head
):
    cases = [act(a_submitted_case(make_user, hitech_item), reviewer, "accept") for _ in range(2)]
    cases = [act(c, head, "approve", amount=Decimal(200000)) for c in cases]
    client.force_login(reviewer)
    response = client.post(BATCH, {"action": "publicize", "case": [c.pk for c in cases]})
    assert response.context["done"] == 2
    ids = [c.pk for c in cases]
    # Without the payment date and reference nothing is done, and the page says why.
    response = client.post(BATCH, {"action": "disburse", "case": ids}, follow=True)
    assert "付款" in response.content.decode() or "payment" in response.content.decode()
    assert set(Application.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        State.PUBLICIZED
    }
    Application.objects.filter(pk=cases[0].pk).update(
        publicity_ends=datetime.date.today() - datetime.timedelta(days=1)
    )
    response = client.post(
        BATCH,
        {"action": "disburse", "case": ids, "paid_on": "2026-01-05", "payment_reference": "GK-9"},
    )
    outcomes = {o.case_id: o for o in response.context["outcomes"]}
    assert outcomes[cases[0].pk].done and not outcomes[cases[1].pk].done
    assert "公示期至" in outcomes[cases[1].pk].reason
    first = Application.objects.get(pk=cases[0].pk)
    assert first.state == State.DISBURSED and first.payment_reference == "GK-9"


def test_a_case_the_user_may_not_open_is_refused_without_a_word_about_it(
    client, make_user, hitech_item, reviewer
):
    ours = a_submitted_case(make_user, hitech_item)
    draft = services.application_start(
        user=factories.newly_certified_admin(make_user), item=hitech_item
    )
    client.force_login(make_user(Role.BUREAU, bureau_name="市财政局"))
    response = client.post(BATCH, {"action": "accept", "case": [ours.pk]})
    assert response.context["done"] == 0
    assert ours.reference not in response.content.decode()
    assert ours.enterprise.name not in response.content.decode()
    assert Application.objects.get(pk=ours.pk).state == State.SUBMITTED
    client.force_login(reviewer)
    response = client.post(BATCH, {"action": "accept", "case": [draft.pk, ours.pk]})
    outcomes = {o.case_id: o for o in response.context["outcomes"]}
    assert outcomes[ours.pk].done and not outcomes[draft.pk].done
    assert outcomes[draft.pk].application is None
    assert Application.objects.get(pk=draft.pk).state == State.DRAFT


def test_the_batch_size_is_limited_with_a_clear_message(client, submitted, reviewer):
    client.force_login(reviewer)
    ids = [submitted.pk, *range(10**6, 10**6 + BATCH_LIMIT)]
    response = client.post(BATCH, {"action": "accept", "case": ids}, follow=True)
    assert str(BATCH_LIMIT) in response.content.decode()
    assert Application.objects.get(pk=submitted.pk).state == State.SUBMITTED


def test_the_queue_has_a_checkbox_per_case_and_the_batch_steps(client, submitted, reviewer):
    client.force_login(reviewer)
    body = page(client)
    assert f'name="case" value="{submitted.pk}"' in body
    assert 'value="disburse"' in body and 'name="payment_reference"' in body


def test_a_reviewer_sees_the_approve_step_disabled_with_the_reason(
    client, submitted, reviewer, head
):
    case = act(submitted, reviewer, "accept")
    client.force_login(reviewer)
    body = client.get(reverse("applications:detail", args=[case.reference])).content.decode()
    assert 'data-testid="action-approve"' in body
    start = body.index('data-testid="action-approve"')
    button = body[body.rindex("<button", 0, start) : start]
    assert "disabled" in button
    assert "只有牵头部门负责人可以作出决定" in body
    client.force_login(head)
    body = client.get(reverse("applications:detail", args=[case.reference])).content.decode()
    assert 'data-testid="head-decisions"' not in body
    assert 'name="amount"' in body  # the head has the step itself


def test_the_queue_and_a_batch_stay_within_bounded_queries(
    client, make_user, hitech_item, reviewer, django_assert_max_num_queries
):
    cases = [a_submitted_case(make_user, hitech_item) for _ in range(5)]
    client.force_login(reviewer)
    with django_assert_max_num_queries(20):
        body = page(client, q="唐山")
    with django_assert_max_num_queries(20):
        page(client, show="all")
    assert body  # the search ran on the same bounded page
    response = client.post(BATCH, {"action": "accept", "case": [c.pk for c in cases]})
    assert response.context["done"] == 5
