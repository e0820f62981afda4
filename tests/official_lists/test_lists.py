"""The dry run (one test per outcome), confirming (verified qualifications with their source, new
unclaimed enterprises in the city their code names, company proof, matches recomputed, 免申即享
offers opened and told), confirming twice, and withdrawing back to exactly the earlier state."""

import datetime

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from accounts import services as account_services
from accounts.models import BureauPosition, Role
from applications.models import Application, CaseEvent, Notification, State
from enterprises.models import AccountStatus, Enterprise, FactSource, Qualification
from incentives.models import IncentiveItem, Match
from official_lists import services, withdrawal
from official_lists.models import ListOffer, ListState, Outcome
from official_lists.reading import ListError
from tests import factories
from tests.official_lists.conftest import RECENT, new_code, row, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def hitech_no_application():
    # The catalogue has 唐山's 20万 for a new 高企 as "review"; 免申即享 is tested by making it
    # "no_application", as tests/applications/test_workflow.py does.
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    item.delivery = "no_application"
    item.save(update_fields=["delivery"])
    return item


def only_row(official_list):
    return official_list.rows.get()


def test_a_known_enterprise_with_the_same_name_is_matched(head):
    enterprise = factories.enterprise(name="唐山星河科技有限公司")
    listed = upload(head, [row(enterprise.credit_code, "唐山星河科技有限公司")])
    got = only_row(listed)
    assert got.outcome == Outcome.MATCHED and got.enterprise == enterprise
    assert listed.state == ListState.DRY_RUN and listed.counts[Outcome.MATCHED] == 1
    assert not enterprise.qualifications.exists()  # the dry run writes nothing else


def test_names_are_compared_as_people_read_them(head):
    enterprise = factories.enterprise(name="唐山星河科技（集团）有限公司")
    listed = upload(head, [row(enterprise.credit_code, "唐山星河科技(集团) 有限公司")])
    assert only_row(listed).outcome == Outcome.MATCHED


def test_a_code_not_on_the_portal_is_a_new_enterprise_of_the_district_its_code_names(head):
    listed = upload(head, [row(new_code("130203"), "唐山新星科技有限公司")])
    got = only_row(listed)
    assert got.outcome == Outcome.NEW_ENTERPRISE and "路北区" in got.reason


def test_another_name_for_the_code_is_a_name_mismatch(head):
    enterprise = factories.enterprise(name="唐山星河科技有限公司")
    got = only_row(upload(head, [row(enterprise.credit_code, "唐山银河科技有限公司")]))
    assert got.outcome == Outcome.NAME_MISMATCH
    assert "唐山星河科技有限公司" in got.reason and "唐山银河科技有限公司" in got.reason


def test_a_declared_qualification_that_differs_is_a_conflict(head):
    enterprise = factories.enterprise(name="甲公司")
    factories.qualification(enterprise, recognized_on=RECENT - datetime.timedelta(days=40))
    got = only_row(upload(head, [row(enterprise.credit_code, "甲公司")]))
    assert got.outcome == Outcome.CONFLICT and str(RECENT) in got.reason


def test_invalid_rows_say_why(head):
    code = new_code()
    listed = upload(head, [row(code[:17] + "I", "甲公司"), row(code, "乙公司", kind="好企业")])
    reasons = [r.reason for r in listed.rows.all()]
    assert listed.counts[Outcome.INVALID] == 2
    assert "I" in reasons[0] and "好企业" in reasons[1]


def test_a_repeated_row_is_invalid_naming_the_first(head):
    code = new_code()
    listed = upload(head, [row(code, "甲公司"), row(code, "甲公司")])
    assert [r.outcome for r in listed.rows.all()] == [Outcome.NEW_ENTERPRISE, Outcome.INVALID]
    assert "2" in listed.rows.get(number=3).reason


def test_an_enterprise_of_another_city_is_skipped(head):
    langfang = factories.enterprise(city="廊坊市", name="廊坊公司")
    listed = upload(
        head, [row(langfang.credit_code, "廊坊公司"), row(new_code("131000"), "新公司")]
    )
    assert [r.outcome for r in listed.rows.all()] == [Outcome.OTHER_CITY, Outcome.OTHER_CITY]


def test_only_bureau_staff_upload():
    user = factories.enterprise_admin()
    with pytest.raises(ListError):
        upload(user, [row(new_code(), "甲公司")])


# ---------------------------------------------------------------------------------------------
# Confirm
# ---------------------------------------------------------------------------------------------


def test_confirming_verifies_qualifications_with_their_source_and_opens_offers(
    head, reviewer, hitech_no_application
):
    admin = factories.enterprise_admin(name="唐山星河科技有限公司", email="cfo@xinghe.example.cn")
    enterprise = admin.enterprise
    listed = upload(
        reviewer, [row(enterprise.credit_code, "唐山星河科技有限公司", cert="GR2026130001")]
    )
    with pytest.raises(ListError, match=r"负责人|head"):
        services.list_confirm(list_id=listed.pk, by=reviewer)
    services.list_confirm(list_id=listed.pk, by=head)
    qualification = enterprise.qualifications.get()
    assert qualification.source == FactSource.VERIFIED
    assert qualification.verified_by == head and qualification.verified_at
    assert (
        qualification.verified_source == "河北省2026年第一批高新技术企业名单（冀科高〔2026〕3号）"
    )
    assert qualification.recognition == "new" and qualification.certificate_number == "GR2026130001"
    # No 有效期至 in the list: a 高企 certificate holds three years.
    assert qualification.expires_on == RECENT.replace(year=RECENT.year + 3)
    assert qualification.history.first().history_user == head
    enterprise.refresh_from_db()
    assert enterprise.proven_by == qualification.verified_source
    match = Match.objects.get(enterprise=enterprise, item=hitech_no_application)
    assert match.status == "eligible"
    offer = Application.objects.get(enterprise=enterprise, item=hitech_no_application)
    assert offer.state == State.OFFERED
    listed.refresh_from_db()
    assert listed.state == ListState.CONFIRMED and listed.effects == "done"
    assert (
        listed.applied["offers"] == 1
        and ListOffer.objects.get(official_list=listed).application == offer
    )
    inbox = Notification.objects.get(application=offer, channel="inbox", user=admin)
    assert hitech_no_application.name in inbox.subject


def test_a_new_enterprise_becomes_an_unclaimed_profile_of_its_district(head):
    code = new_code("130203")
    listed = upload(head, [row(code, "唐山新星科技有限公司")])
    services.list_confirm(list_id=listed.pk, by=head)
    enterprise = Enterprise.objects.get(credit_code=code)
    assert enterprise.account_status == AccountStatus.UNCLAIMED
    assert (enterprise.city.name, enterprise.district.name) == ("唐山市", "路北区")
    assert enterprise.proven_by and enterprise.qualifications.get().source == FactSource.VERIFIED
    assert not Application.objects.filter(enterprise=enterprise).exists()  # nobody to confirm


def test_a_conflict_is_settled_by_the_list_and_the_declared_values_stay_in_history(head):
    enterprise = factories.enterprise(name="甲公司")
    declared = factories.qualification(
        enterprise, level="provincial", recognized_on=RECENT - datetime.timedelta(days=40)
    )
    listed = upload(head, [row(enterprise.credit_code, "甲公司", level="国家级")])
    services.list_confirm(list_id=listed.pk, by=head)
    declared.refresh_from_db()
    assert (declared.recognized_on, declared.level, declared.source) == (
        RECENT, "national", FactSource.VERIFIED,
    )  # fmt: skip
    earlier = declared.history.order_by("history_date")[0]
    assert earlier.level == "provincial" and earlier.source == FactSource.DECLARED


def test_a_name_mismatch_is_applied_only_when_ticked(head):
    one = factories.enterprise(name="甲公司")
    two = factories.enterprise(name="乙公司")
    listed = upload(
        head, [row(one.credit_code, "甲公司（改名）"), row(two.credit_code, "乙有限公司")]
    )
    services.list_confirm(list_id=listed.pk, by=head, apply_anyway={2})
    assert one.qualifications.get().source == FactSource.VERIFIED
    assert not two.qualifications.exists()
    assert listed.rows.get(number=2).apply_anyway and not listed.rows.get(number=3).applied


def test_confirming_twice_confirms_once(head):
    listed = upload(head, [row(new_code(), "甲公司")])
    services.list_confirm(list_id=listed.pk, by=head)
    with pytest.raises(ListError, match=r"已确认|already"):
        services.list_confirm(list_id=listed.pk, by=head)
    assert Qualification.objects.filter(verified_source=listed.source).count() == 1


def test_only_the_head_of_the_uploading_bureau_confirms(head, make_user):
    other_head = make_user(Role.BUREAU, bureau_name="市财政局", bureau_position=BureauPosition.HEAD)
    listed = upload(head, [row(new_code(), "甲公司")])
    with pytest.raises(ListError):
        services.list_confirm(list_id=listed.pk, by=other_head)


# ---------------------------------------------------------------------------------------------
# Withdraw
# ---------------------------------------------------------------------------------------------


def _state():
    """Every qualification and enterprise row, as plain values."""
    return (
        sorted(tuple(sorted(model_to_dict(q).items())) for q in Qualification.objects.all()),
        sorted(
            tuple(sorted((k, v) for k, v in model_to_dict(e).items()))
            for e in Enterprise.objects.all()
        ),
    )


def test_withdrawing_restores_exactly_the_earlier_state(head, reviewer, hitech_no_application):
    matched = factories.enterprise_admin(name="甲公司").enterprise
    conflicting = factories.enterprise(name="乙公司")
    factories.qualification(
        conflicting, level="provincial", recognized_on=RECENT - datetime.timedelta(days=40)
    )
    verified = factories.enterprise(name="丙公司")
    factories.qualification(verified, recognized_on=RECENT)  # declared, same date: marked verified
    before = _state()
    listed = upload(
        reviewer,
        [
            row(matched.credit_code, "甲公司"),
            row(conflicting.credit_code, "乙公司"),
            row(verified.credit_code, "丙公司", cert="GR1"),
            row(new_code(), "新公司"),
        ],
    )
    services.list_confirm(list_id=listed.pk, by=head)
    assert _state() != before
    offer = Application.objects.get(enterprise=matched, state=State.OFFERED)
    with pytest.raises(ListError):
        withdrawal.list_withdraw(list_id=listed.pk, by=reviewer, reason="")
    withdrawal.list_withdraw(list_id=listed.pk, by=reviewer, reason="上传了错误的文件")
    assert _state() == before
    offer.refresh_from_db()
    assert offer.state == State.WITHDRAWN
    event = CaseEvent.objects.get(application=offer, action="offer_withdraw")
    assert event.actor == reviewer and "上传了错误的文件" in event.comment
    listed.refresh_from_db()
    assert listed.state == ListState.WITHDRAWN and listed.withdrawn_by == reviewer
    assert listed.effects == "done"
    assert not Match.objects.filter(
        enterprise=matched, item=hitech_no_application, status="eligible"
    ).exists()


def test_a_confirmed_case_and_a_used_profile_are_kept_and_listed(head, hitech_no_application):
    admin = factories.enterprise_admin(name="甲公司")
    code = new_code()
    listed = upload(head, [row(admin.enterprise.credit_code, "甲公司"), row(code, "新公司")])
    services.list_confirm(list_id=listed.pk, by=head)
    offer = Application.objects.get(enterprise=admin.enterprise, state=State.OFFERED)
    Application.objects.filter(pk=offer.pk).update(state=State.SUBMITTED)  # stands for a confirm
    created = Enterprise.objects.get(credit_code=code)
    factories.figures(created, 2025, by=head_admin_stand_in(created))
    withdrawal.list_withdraw(list_id=listed.pk, by=head, reason="误传")
    listed.refresh_from_db()
    assert listed.left_over["cases"] == [offer.reference]
    assert listed.left_over["enterprises"] == [code]
    assert Application.objects.get(pk=offer.pk).state == State.SUBMITTED


def head_admin_stand_in(enterprise):
    """An unclaimed profile has no administrator; a claimant's account stands for one here."""
    return account_services.user_save(
        username=f"claim{enterprise.pk}",
        password=factories.PASSWORD,
        role=Role.ENTERPRISE,
        enterprise=enterprise,
        is_enterprise_admin=True,
        full_name="认领人",
        email="claim@example.cn",
    )


def test_a_dry_run_is_discarded_by_its_uploader(reviewer, make_user):
    listed = upload(reviewer, [row(new_code(), "甲公司")])
    someone = make_user(Role.BUREAU, bureau_name="市财政局")
    with pytest.raises(ListError):
        withdrawal.list_withdraw(list_id=listed.pk, by=someone, reason="不对")
    withdrawal.list_withdraw(list_id=listed.pk, by=reviewer, reason="不对")
    listed.refresh_from_db()
    assert listed.state == ListState.WITHDRAWN and listed.effects == ""
    assert not Enterprise.objects.filter(credit_code=listed.rows.get().credit_code).exists()


def test_confirm_queues_its_effects_after_commit(
    head, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.undo()  # the real on_commit, to see the callback is queued, not run inside
    listed = upload(head, [row(new_code(), "甲公司")])
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        services.list_confirm(list_id=listed.pk, by=head)
    listed.refresh_from_db()
    assert listed.effects == "pending" and callbacks


def test_two_rows_naming_one_certificate_apply_once(head):
    enterprise = factories.enterprise(name="甲公司")
    earlier = RECENT - datetime.timedelta(days=400)
    listed = upload(
        head,
        [
            row(enterprise.credit_code, "甲公司", cert="GR9"),
            row(enterprise.credit_code, "甲公司", day=earlier, cert="GR9"),
        ],
    )
    services.list_confirm(list_id=listed.pk, by=head)
    assert enterprise.qualifications.count() == 1
    assert listed.rows.get(number=3).outcome == Outcome.INVALID


def test_a_renewal_after_an_earlier_recognition_is_recorded_as_one(head):
    enterprise = factories.enterprise(name="甲公司")
    first = factories.qualification(enterprise, recognized_on=RECENT.replace(year=RECENT.year - 3))
    listed = upload(head, [row(enterprise.credit_code, "甲公司")])
    assert listed.rows.get().outcome == Outcome.MATCHED
    services.list_confirm(list_id=listed.pk, by=head)
    renewal = enterprise.qualifications.exclude(pk=first.pk).get()
    assert renewal.recognition == "renewal" and renewal.source == FactSource.VERIFIED
    first.refresh_from_db()
    assert first.source == FactSource.DECLARED  # the earlier certificate is left alone


def test_effects_that_failed_run_again(head, monkeypatch):
    listed = upload(head, [row(new_code(), "甲公司")])
    monkeypatch.setattr(services, "_queue_effects", lambda list_id: None)  # the worker's part
    services.list_confirm(list_id=listed.pk, by=head)
    calls = []
    monkeypatch.setattr(services, "enterprises_recompute", lambda **kw: calls.append(kw) or 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.list_effects(list_id=listed.pk)
    listed.refresh_from_db()
    assert listed.state == ListState.CONFIRMED and listed.effects == "failed"
    monkeypatch.setattr(services, "enterprises_recompute", lambda **kw: calls.append(kw))
    services.list_effects(list_id=listed.pk)
    listed.refresh_from_db()
    assert listed.effects == "done" and len(calls) == 2
    assert services.list_effects(list_id=listed.pk) == 0 and len(calls) == 2  # done is done


def test_a_blank_on_the_profile_is_filled_in_not_a_conflict(head):
    enterprise = factories.enterprise(name="甲公司")
    declared = factories.qualification(enterprise, recognized_on=RECENT)  # no level, no number
    listed = upload(head, [row(enterprise.credit_code, "甲公司", cert="GR7")])
    assert listed.rows.get().outcome == Outcome.MATCHED
    services.list_confirm(list_id=listed.pk, by=head)
    declared.refresh_from_db()
    assert (declared.level, declared.certificate_number, declared.source) == (
        "national", "GR7", FactSource.VERIFIED,
    )  # fmt: skip
    assert listed.file_name == "list.csv"
