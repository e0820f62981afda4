"""The workflow: every step, who may take it, why it is refused, and the events it leaves."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role
from applications import services, workflow
from applications.models import Application, CaseEvent, ItemBudget, Notification, State
from incentives.models import Grant, IncentiveItem
from tests.applications.conftest import attach_all

pytestmark = pytest.mark.django_db


def act(application, user, action, **kwargs):
    return services.transition(application_id=application.pk, user=user, action=action, **kwargs)


def test_a_draft_cannot_be_submitted_without_its_materials(qualified, hitech_item):
    application = services.application_start(user=qualified, item=hitech_item)
    with pytest.raises(services.ApplicationError, match="营业执照"):
        act(application, qualified, "submit")
    assert Application.objects.get(pk=application.pk).state == State.DRAFT


def test_submitting_rechecks_eligibility_and_says_which_condition_failed(qualified, hitech_item):
    qualified.enterprise.qualifications.update(recognition="renewal")
    application = services.application_start(user=qualified, item=hitech_item)
    attach_all(application, qualified)
    with pytest.raises(services.ApplicationError) as error:
        act(application, qualified, "submit")
    assert "首次认定" in str(error.value) and "不符合" in str(error.value)


def test_submission_routes_to_the_lead_bureau_of_the_annex_and_notifies_it(
    reviewer, head, submitted
):
    assert [b.name for b in submitted.lead_bureaus.all()] == ["市科学技术局"]
    assert submitted.lead_bureaus.get().city.name == "唐山市"
    inbox = Notification.objects.filter(application=submitted, channel="inbox")
    assert {n.user for n in inbox} >= {reviewer, head}
    assert Notification.objects.filter(
        application=submitted, channel="email", email="kjj@tangshan.example.cn"
    ).exists()
    assert all(
        n.status == "sent" for n in Notification.objects.filter(application=submitted)
    )  # eager tasks


def test_the_whole_journey_with_supplement_cosign_approval_publicity_and_payment(
    reviewer, head, make_user, qualified, submitted
):
    industry = Application.objects.get(pk=submitted.pk)
    del industry
    app = act(submitted, reviewer, "request_supplement", comment="请补充近三年审计报告")
    assert app.state == State.SUPPLEMENT
    assert Notification.objects.filter(
        application=app, user=qualified, subject__contains="补充"
    ).exists()
    app = act(app, qualified, "resubmit")
    app = act(app, reviewer, "accept")
    assert app.deadline > datetime.date.today()
    finance = make_user(Role.BUREAU, bureau_name="市工业和信息化局")
    app = act(app, reviewer, "request_cosign")
    assert app.state == State.COSIGN
    cosign = app.cosigns.get(bureau__name="市工业和信息化局")
    assert Notification.objects.filter(application=app, user=finance).exists()
    assert workflow.refusal("approve", app, head).startswith("等待")
    services.cosign_answer(request_id=cosign.pk, user=finance, opinion="agree", comment="同意")
    for other in app.cosigns.filter(answered_at__isnull=True):
        services.cosign_answer(
            request_id=other.pk,
            user=make_user(Role.BUREAU, bureau_name=other.bureau.name),
            opinion="agree",
            comment="",
        )
    with pytest.raises(services.ApplicationError, match="负责人"):
        act(app, reviewer, "approve", amount=Decimal(200000))
    with pytest.raises(services.ApplicationError, match="20万元"):
        act(app, head, "approve", amount=Decimal(250000))
    app = act(app, head, "approve", amount=Decimal(200000))
    assert app.state == State.APPROVED and app.approved_amount == Decimal(200000)
    assert Grant.objects.get(reference=app.reference).amount == Decimal(200000)
    app = act(app, reviewer, "publicize")
    assert app.state == State.PUBLICIZED and app.publicity_ends > datetime.date.today()
    assert workflow.refusal("disburse", app, reviewer).startswith("公示期至")
    Application.objects.filter(pk=app.pk).update(
        publicity_ends=datetime.date.today() - datetime.timedelta(days=1)
    )
    app = act(
        app, reviewer, "disburse", paid_on=datetime.date.today(), payment_reference="GK2026-0001"
    )
    assert app.state == State.DISBURSED
    actions = list(CaseEvent.objects.filter(application=app).values_list("action", flat=True))
    assert actions[:6] == [
        "create", "submit", "request_supplement", "resubmit", "accept", "request_cosign",
    ]  # fmt: skip
    assert actions[-3:] == ["approve", "publicize", "disburse"]
    assert set(actions[6:-3]) == {"cosign_answer"}
    assert len(actions[6:-3]) == app.cosigns.count()
    decisions = Notification.objects.filter(application=app, user=qualified).values_list(
        "subject", flat=True
    )
    assert any("审核通过" in s for s in decisions) and any(
        "兑现" in s or "发放" in s for s in decisions
    )


def test_only_the_applying_enterprise_acts_on_its_case(submitted, make_user):
    other = make_user(Role.ENTERPRISE)
    with pytest.raises(services.ApplicationError):
        act(submitted, other, "withdraw")


def test_a_bureau_that_does_not_lead_the_case_cannot_accept_it(submitted, make_user):
    outsider = make_user(Role.BUREAU, bureau_name="市财政局")
    with pytest.raises(services.ApplicationError, match="牵头"):
        act(submitted, outsider, "accept")


def test_returning_needs_a_reason(submitted, reviewer):
    with pytest.raises(services.ApplicationError):
        act(submitted, reviewer, "return", comment="  ")
    app = act(submitted, reviewer, "return", comment="不属于本局受理范围")
    assert app.state == State.RETURNED


def test_withdraw_before_a_decision_only(submitted, qualified, reviewer, head):
    app = act(submitted, reviewer, "accept")
    app = act(app, head, "approve", amount=Decimal(200000))
    with pytest.raises(services.ApplicationError):
        act(app, qualified, "withdraw")


def test_one_open_application_per_enterprise_item_and_period(submitted, qualified, hitech_item):
    assert services.application_start(user=qualified, item=hitech_item).pk == submitted.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            enterprise=submitted.enterprise,
            item=hitech_item,
            period=submitted.period,
            created_by=qualified,
        )


def test_after_withdrawal_a_new_application_may_start(submitted, qualified, hitech_item):
    act(submitted, qualified, "withdraw")
    fresh = services.application_start(user=qualified, item=hitech_item)
    assert fresh.pk != submitted.pk and fresh.state == State.DRAFT


def test_approval_is_refused_beyond_the_items_budget(submitted, reviewer, head, hitech_item):
    hitech_item.yearly_budget = Decimal(150000)
    hitech_item.save(update_fields=["yearly_budget"])
    app = act(submitted, reviewer, "accept")
    with pytest.raises(services.ApplicationError, match="预算"):
        act(app, head, "approve", amount=Decimal(200000))
    assert not Grant.objects.filter(reference=app.reference).exists()
    hitech_item.yearly_budget = Decimal(500000)
    hitech_item.save(update_fields=["yearly_budget"])
    ItemBudget.objects.filter(item=hitech_item).update(total=Decimal(500000))
    act(app, head, "approve", amount=Decimal(200000))
    assert ItemBudget.objects.get(item=hitech_item).used == Decimal(200000)


def test_an_objection_reopens_the_review_and_gives_the_budget_back(
    submitted, reviewer, head, hitech_item
):
    hitech_item.yearly_budget = Decimal(1_000_000)
    hitech_item.save(update_fields=["yearly_budget"])
    app = act(submitted, reviewer, "accept")
    app = act(app, head, "approve", amount=Decimal(200000))
    app = act(app, reviewer, "publicize")
    objection = services.objection_file(
        application_id=app.pk, text="该企业的高企证书存疑", contact="13800000000"
    )
    # The objection alone changes nothing: the case stays in publicity, the grant stands.
    app.refresh_from_db()
    assert app.state == State.PUBLICIZED and app.approved_amount == Decimal(200000)
    assert ItemBudget.objects.get(item=hitech_item).used == Decimal(200000)
    Application.objects.filter(pk=app.pk).update(
        publicity_ends=datetime.date.today() - datetime.timedelta(days=1)
    )
    with pytest.raises(services.ApplicationError, match="异议"):
        act(app, reviewer, "disburse", paid_on=datetime.date.today(), payment_reference="X")
    with pytest.raises(services.ApplicationError, match=r"理由|why"):
        act(app, head, "uphold_objection", objection_id=objection.pk)
    app = act(app, head, "uphold_objection", objection_id=objection.pk, comment="证书确已过期")
    assert app.state == State.ACCEPTED and app.approved_amount is None
    assert ItemBudget.objects.get(item=hitech_item).used == 0
    grant = Grant.objects.get(reference=app.reference)
    assert grant.reversed_at is not None and grant.reversed_by == head
    assert "证书确已过期" in grant.reversal_reason
    objection.refresh_from_db()
    assert objection.status == "upheld" and objection.decided_by == head
    assert CaseEvent.objects.filter(application=app, action="uphold_objection", actor=head).exists()


def test_provincial_money_ends_in_a_recommendation_upward(make_user):
    item = IncentiveItem.objects.get(key="jq-hitech-new")
    user = make_user(Role.ENTERPRISE, city="酒泉市")
    application = services.application_start(user=user, item=item)
    application.state = State.ACCEPTED
    application.save(update_fields=["state"])
    application.lead_bureaus.set(services.routing_bureaus(item=item))
    assert workflow._decided_target(application) == State.RECOMMENDED


def test_items_without_a_lead_go_to_the_first_responsible_unit():
    item = IncentiveItem.objects.get(key="hb2019b-incubation-carrier-award")
    assert [b.name for b in services.routing_bureaus(item=item)] == [
        "市科技局"
    ]  # 鹤壁 writes it so


def test_actions_offered_with_reasons_for_disabled_ones(submitted, reviewer, head):
    app = act(submitted, reviewer, "accept")
    app = act(app, reviewer, "request_cosign")
    choices = {c.transition.action: c for c in workflow.actions_for(app, head)}
    assert not choices["approve"].allowed and "等待" in choices["approve"].reason
    reviewer_choices = {c.transition.action for c in workflow.actions_for(app, reviewer)}
    assert "approve" not in reviewer_choices


def test_deadline_reminder_and_escalation_once_each(submitted, reviewer, head, make_user):
    admin = make_user(Role.CATALOGUE_ADMIN)
    app = act(submitted, reviewer, "accept")
    Application.objects.filter(pk=app.pk).update(
        deadline=datetime.date.today() + datetime.timedelta(days=1)
    )
    assert services.deadlines_check()["reminded"] == 1
    assert services.deadlines_check()["reminded"] == 0
    Application.objects.filter(pk=app.pk).update(
        deadline=datetime.date.today() - datetime.timedelta(days=1)
    )
    assert services.deadlines_check()["escalated"] == 1
    assert services.deadlines_check()["escalated"] == 0
    escalations = Notification.objects.filter(key__startswith=f"overdue:{app.pk}", channel="inbox")
    assert {n.user for n in escalations} >= {head, admin}
    assert reviewer not in {n.user for n in escalations}


def test_no_application_items_are_offered_and_confirmed(qualified, hitech_item, reviewer):
    from incentives import matching

    hitech_item.delivery = "no_application"
    hitech_item.save(update_fields=["delivery"])
    matching.enterprise_recompute(enterprise_id=qualified.enterprise_id)
    assert services.applications_offer() == 1
    assert services.applications_offer() == 0
    offer = Application.objects.get(enterprise=qualified.enterprise, item=hitech_item)
    assert offer.state == State.OFFERED
    attach_all(offer, qualified)
    with pytest.raises(services.ApplicationError, match="银行"):
        act(offer, qualified, "confirm")
    offer = act(offer, qualified, "confirm", bank_account="6222 0000 1111 2222")
    assert offer.state == State.SUBMITTED


def test_working_day_deadline_uses_the_holiday_table(submitted, reviewer, hitech_item):
    hitech_item.processing_days = 5
    hitech_item.save(update_fields=["processing_days"])
    app = act(submitted, reviewer, "accept")
    assert services.calendar().working_days_between(app.accepted_on, app.deadline) == 5
