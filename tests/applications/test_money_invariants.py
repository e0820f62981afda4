"""The money invariants on every path of a case (issue 12): a once-only award pays once, an item
pays only the enterprises it serves, every approved amount has a top, a grant is reversed only
by the lead bureau, and amounts above a threshold need a second head. Each test was written
against the code before the ledger and fails there."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import BureauPosition, Role
from applications import services
from applications.models import Application, CaseEvent, Notification, State
from incentives.models import AwardRule, Grant, IncentiveItem
from tests.applications.conftest import attach_all

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def act(application, user, action, **kwargs):
    return services.transition(application_id=application.pk, user=user, action=action, **kwargs)


def paid(application, reviewer, head, amount=Decimal(200000)):
    """Walk a submitted case to 已兑现."""
    app = act(application, reviewer, "accept")
    app = act(app, head, "approve", amount=amount)
    app = act(app, reviewer, "publicize")
    Application.objects.filter(pk=app.pk).update(publicity_ends=TODAY - datetime.timedelta(days=1))
    return act(app, reviewer, "disburse", paid_on=TODAY, payment_reference="ZF-1")


@pytest.fixture
def once_item(hitech_item):
    hitech_item.pays = "once"
    hitech_item.save(update_fields=["pays"])
    return hitech_item


@pytest.fixture
def second_head(make_user):
    return make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD)


# --- A once-only award pays once --------------------------------------------------------------


def test_a_paid_once_only_award_cannot_be_started_again(submitted, reviewer, head, once_item):
    first = paid(submitted, reviewer, head)
    assert first.state == State.DISBURSED
    with pytest.raises(services.ApplicationError) as refused:
        services.application_start(user=submitted.created_by, item=once_item)
    assert first.reference in str(refused.value) and "一次" in str(refused.value)


def test_a_second_case_of_a_once_only_award_cannot_be_submitted_or_approved(
    submitted, reviewer, head, once_item, qualified
):
    first = paid(submitted, reviewer, head)
    # A case left from an earlier year (or made before the ledger) reaches the later steps.
    second = Application.objects.create(
        enterprise=qualified.enterprise, item=once_item, period="2025", created_by=qualified
    )
    attach_all(second, qualified)
    with pytest.raises(services.ApplicationError, match=first.reference):
        act(second, qualified, "submit")
    Application.objects.filter(pk=second.pk).update(state=State.ACCEPTED)
    second.lead_bureaus.set(first.lead_bureaus.all())
    with pytest.raises(services.ApplicationError, match=first.reference):
        act(second, head, "approve", amount=Decimal(200000))
    assert Grant.objects.filter(enterprise=qualified.enterprise, item=once_item).count() == 1


def test_the_database_refuses_a_second_live_grant_in_one_slot(qualified, hitech_item):
    grant = {
        "enterprise": qualified.enterprise,
        "item": hitech_item,
        "granted_on": TODAY,
        "amount": Decimal(1),
        "source": "imported",
        "slot": "once",
    }
    Grant.objects.create(**grant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.create(**grant)
    # A reversed grant frees the slot, but only with its reason.
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(slot="once").update(reversed_at=datetime.datetime.now(datetime.UTC))
    Grant.objects.filter(slot="once").update(
        reversed_at=datetime.datetime.now(datetime.UTC), reversal_reason="测试"
    )
    Grant.objects.create(**grant)


def test_a_no_application_offer_is_never_made_where_a_grant_exists(qualified, once_item):
    from incentives import matching

    once_item.delivery = "no_application"
    once_item.save(update_fields=["delivery"])
    Grant.objects.create(
        enterprise=qualified.enterprise,
        item=once_item,
        granted_on=TODAY - datetime.timedelta(days=400),
        amount=Decimal(200000),
        source="imported",
        reference="2025年导入",
        slot="2025",
    )
    matching.enterprise_recompute(enterprise_id=qualified.enterprise_id)
    assert services.applications_offer() == 0
    assert not Application.objects.filter(enterprise=qualified.enterprise).exists()


# --- An item pays only the enterprises it serves -------------------------------------------------


def test_another_citys_item_is_refused_at_start_submit_and_approve(qualified, make_user):
    jiuquan = IncentiveItem.objects.get(key="jq-hitech-new")
    with pytest.raises(services.ApplicationError, match="酒泉"):
        services.application_start(user=qualified, item=jiuquan)
    case = Application.objects.create(
        enterprise=qualified.enterprise, item=jiuquan, period=str(TODAY.year), created_by=qualified
    )
    attach_all(case, qualified)
    with pytest.raises(services.ApplicationError, match="酒泉"):
        act(case, qualified, "submit")
    lead = services.routing_bureaus(item=jiuquan)[0]
    jq_head = make_user(
        Role.BUREAU, city="酒泉市", bureau_name=lead.name, bureau_position=BureauPosition.HEAD
    )
    Application.objects.filter(pk=case.pk).update(state=State.ACCEPTED)
    case.lead_bureaus.set([lead])
    with pytest.raises(services.ApplicationError, match="酒泉"):
        act(case, jq_head, "approve", amount=Decimal(200000))
    assert not Grant.objects.filter(enterprise=qualified.enterprise).exists()


def test_the_item_page_of_another_city_offers_no_application(client, qualified):
    client.force_login(qualified)
    response = client.post(reverse("applications:start", args=["jq-hitech-new"]), follow=True)
    assert not Application.objects.filter(enterprise=qualified.enterprise).exists()
    assert "酒泉" in response.content.decode()


# --- Every approved amount has a top ----------------------------------------------------------


def test_a_range_with_only_a_floor_has_no_top_and_approves_nothing(submitted, reviewer, head):
    item = submitted.item
    AwardRule.objects.filter(item=item).update(kind="range", params={"kind": "range", "min": 1})
    app = act(submitted, reviewer, "accept")
    with pytest.raises(services.ApplicationError, match="上限"):
        act(app, head, "approve", amount=Decimal("999999999999.99"))
    # With a yearly budget the budget is the top.
    IncentiveItem.objects.filter(pk=item.pk).update(
        yearly_budget=Decimal(500000), budget_basis="测试"
    )
    with pytest.raises(services.ApplicationError, match="预算"):
        act(app, head, "approve", amount=Decimal("999999999999.99"))
    app = act(app, head, "approve", amount=Decimal(300000))
    assert app.state == State.APPROVED


def test_an_up_to_rate_accepts_any_amount_inside_and_none_above(submitted, reviewer, head):
    item = submitted.item
    AwardRule.objects.filter(item=item).update(
        kind="cap_only", params={"kind": "cap_only", "max": 200000}
    )
    app = act(submitted, reviewer, "accept")
    with pytest.raises(services.ApplicationError):
        act(app, head, "approve", amount=Decimal("200000.01"))
    assert act(app, head, "approve", amount=Decimal(150000)).approved_amount == Decimal(150000)


# --- 双人复核 above the threshold ------------------------------------------------------------


def test_an_amount_above_the_threshold_needs_a_second_head(submitted, reviewer, head, second_head):
    IncentiveItem.objects.filter(pk=submitted.item_id).update(second_review_above=Decimal(100000))
    app = act(submitted, reviewer, "accept")
    app = act(app, head, "approve", amount=Decimal(200000))
    assert app.state == State.SIGNOFF and not Grant.objects.exists()
    # The lead bureau is told the amount awaits a sign-off, not that the case was approved.
    proposed = Notification.objects.filter(application=app, event__action="approve")
    assert proposed.exists()
    assert all("复核" in n.subject and "审核通过" not in n.subject for n in proposed)
    assert not proposed.filter(user__role=Role.ENTERPRISE).exists()
    with pytest.raises(services.ApplicationError, match="另一位负责人"):
        act(app, head, "sign_off")
    with pytest.raises(services.ApplicationError):
        act(app, reviewer, "sign_off")
    app = act(app, second_head, "sign_off")
    assert app.state == State.APPROVED
    assert Grant.objects.get(reference=app.reference).amount == Decimal(200000)
    events = list(CaseEvent.objects.filter(application=app).values_list("action", "actor"))
    assert ("approve", head.pk) in events and ("sign_off", second_head.pk) in events


def test_a_second_head_may_send_the_amount_back(submitted, reviewer, head, second_head):
    IncentiveItem.objects.filter(pk=submitted.item_id).update(second_review_above=Decimal(100000))
    app = act(act(submitted, reviewer, "accept"), head, "approve", amount=Decimal(200000))
    with pytest.raises(services.ApplicationError):
        act(app, second_head, "decline_sign_off")  # a reason is required
    app = act(app, second_head, "decline_sign_off", comment="金额依据不足")
    assert app.state == State.ACCEPTED and app.approved_amount is None
    assert not Grant.objects.exists()


# --- Objections are decided by the bureau ------------------------------------------------------


@pytest.fixture
def publicized(submitted, reviewer, head):
    app = act(act(submitted, reviewer, "accept"), head, "approve", amount=Decimal(200000))
    return act(app, reviewer, "publicize")


def test_an_anonymous_objection_changes_nothing_until_the_bureau_decides(
    client, publicized, reviewer, head
):
    url = reverse("applications:objection", args=[publicized.reference])
    client.post(url, {"text": "有异议", "contact": "13800000000"})
    publicized.refresh_from_db()
    assert publicized.state == State.PUBLICIZED
    assert Grant.objects.get(reference=publicized.reference).reversed_at is None
    objection = publicized.objections.get()
    # A reviewer may not decide it; the head dismisses it with a reason.
    with pytest.raises(services.ApplicationError):
        act(publicized, reviewer, "dismiss_objection", objection_id=objection.pk, comment="x")
    app = act(
        publicized, head, "dismiss_objection", objection_id=objection.pk, comment="经核实无误"
    )
    assert app.state == State.PUBLICIZED
    assert Grant.objects.get(reference=app.reference).reversed_at is None
    objection.refresh_from_db()
    assert objection.status == "dismissed" and objection.decision_reason == "经核实无误"


def test_no_objection_after_the_publicity_window(client, publicized):
    Application.objects.filter(pk=publicized.pk).update(
        publicity_ends=TODAY - datetime.timedelta(days=1)
    )
    page = client.get(reverse("applications:publicity")).content.decode()
    assert publicized.reference not in page
    client.post(
        reverse("applications:objection", args=[publicized.reference]),
        {"text": "迟到的异议", "contact": "13800000000"},
    )
    assert not publicized.objections.exists()


def test_objections_are_limited_per_address(publicized, settings):
    settings.OBJECTIONS_PER_ADDRESS_PER_DAY = 2
    for n in range(2):
        services.objection_file(
            application_id=publicized.pk, text=f"异议{n}", contact="x", address="10.0.0.9"
        )
    with pytest.raises(services.ApplicationError, match="过多"):
        services.objection_file(
            application_id=publicized.pk, text="再一次", contact="x", address="10.0.0.9"
        )
    services.objection_file(
        application_id=publicized.pk, text="另一地址", contact="x", address="10.0.0.10"
    )
    assert publicized.objections.count() == 3


def test_the_item_page_of_another_city_shows_why_instead_of_apply(client, qualified):
    client.force_login(qualified)
    page = client.get(reverse("incentives:item", args=["jq-hitech-new"])).content.decode()
    assert 'data-testid="apply"' not in page and 'data-testid="apply-refused"' in page
    page = client.get(reverse("incentives:item", args=["ts2019-hitech-new"])).content.decode()
    assert 'data-testid="apply"' in page
