"""Matching enterprises against the catalogue: every status with its reasons, region, validity,
claim-dependent figures, limits, notices. (That every path stores the same rows for the whole
catalogue is test_matching_agreement's.)"""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from incentives import matching, shown
from incentives.models import (
    CrossItemLimit,
    EnterpriseNotice,
    Grant,
    IncentiveItem,
    Match,
    RecomputeJob,
)
from tests import factories

ON = datetime.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def enterprise(city="唐山市"):
    return factories.enterprise(city=city)


def hitech(e, *, recognized_on=datetime.date(2026, 3, 1), recognition="new", years=3):
    return factories.qualification(
        e,
        kind="hitech",
        recognition=recognition,
        recognized_on=recognized_on,
        expires_on=recognized_on.replace(year=recognized_on.year + years),
    )


def match(e, key) -> Match:
    return Match.objects.get(enterprise=e, item__key=key)


def test_newly_recognised_hitech_enterprise_is_eligible_for_20_wan_with_reasons():
    e = enterprise()
    hitech(e)
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    m = match(e, "ts2019-hitech-new")
    assert m.status == "eligible"
    assert (m.estimate_kind, m.amount) == ("exact", Decimal(200000))
    assert any("首次认定" in r and "符合" in r for r in m.reasons)
    assert m.rule_version is not None and m.as_of == ON


def test_a_renewal_is_not_eligible_for_the_new_award_and_says_which_condition_failed():
    e = enterprise()
    hitech(e, recognition="renewal")
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    m = match(e, "ts2019-hitech-new")
    assert m.status == "not_eligible"
    assert any("复审" in f and "不符合" in f for f in m.failed)
    assert match(e, "ts2019-hitech-renewal").status in ("eligible", "likely_eligible")


def test_no_qualification_at_all_is_not_eligible_rather_than_unknown():
    e = enterprise()
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert match(e, "ts2019-hitech-new").status == "not_eligible"


def test_missing_figures_ask_for_exactly_those_facts():
    e = enterprise()
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    m = match(e, "ts2023-rd-post-subsidy")
    assert m.status == "missing_information"
    assert m.missing == ["rd_expense"]
    factories.figures(e, 2025, rd_expense=Decimal(1_200_000), revenue=Decimal(30_000_000))
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert match(e, "ts2023-rd-post-subsidy").status in ("eligible", "likely_eligible")


def test_items_with_a_checklist_are_at_best_likely_eligible():
    e = enterprise()
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    likely = Match.objects.filter(enterprise=e, status="likely_eligible").select_related("item")
    assert likely.exists()
    assert all(m.item.checklist for m in likely)


def test_a_draft_for_comment_is_not_in_force_for_its_own_city():
    e = enterprise(city="廊坊市")
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    # Out of force: no row is stored, the verdict shown is derived from the item.
    assert not Match.objects.filter(enterprise=e, item__key="lf2023-jbgs-city-tech").exists()
    (m,) = [
        m
        for m in shown.enterprise_matches(enterprise=e, on=ON)
        if m.item.key == "lf2023-jbgs-city-tech"
    ]
    assert m.status == "not_in_force" and m.derived
    assert "征求意见稿" in m.reasons[0]


def test_an_enterprise_matches_its_own_city_only():
    e = enterprise(city="唐山市")
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    keys = set(Match.objects.filter(enterprise=e).values_list("item__key", flat=True))
    assert "ts2019-hitech-new" in keys
    assert not {k for k in keys if k.startswith(("lf2023-", "jq-", "hb2019", "ex003-"))}


def test_items_for_people_or_institutions_are_not_matched_to_a_company():
    e = enterprise()
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    kinds = set(Match.objects.filter(enterprise=e).values_list("item__beneficiary", flat=True))
    assert kinds <= {"enterprise", "platform", "team"}


def test_figures_that_depend_on_the_claim_show_the_formula_and_its_top():
    e = enterprise()
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    m = match(e, "ts2019-tech-transfer-enterprise")
    assert m.estimate_kind == "formula"
    assert m.maximum == Decimal(1000000)
    assert "取决于申报" in m.breakdown and "2%" in m.breakdown
    assert m.status != "missing_information"


def test_an_expired_certificate_no_longer_counts():
    e = enterprise()
    hitech(e, recognized_on=datetime.date(2021, 3, 1), years=3)
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert match(e, "ts2019-hitech-new").status == "not_eligible"


def test_yearly_cap_counts_what_was_already_granted():
    e = enterprise()
    hitech(e)
    items = IncentiveItem.objects.filter(
        key__in=["ts2019-hitech-new", "ts2019-techsme-national-new"]
    )
    limit = CrossItemLimit.objects.create(
        key="test-cap",
        document=items[0].measure.document,
        kind="yearly_cap",
        amount=Decimal(250000),
        note="测试年度上限",
    )
    limit.items.set(items)
    Grant.objects.create(
        enterprise=e,
        item=items.get(key="ts2019-techsme-national-new"),
        granted_on=datetime.date(2026, 2, 1),
        amount=Decimal(100000),
        source="imported",
    )
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    m = match(e, "ts2019-hitech-new")
    assert m.amount == Decimal(200000)  # the item's own figure is kept
    assert m.limited_amount == Decimal(150000)  # 25万 cap − 10万 already granted this year
    assert "测试年度上限" in m.limit_notes[0]


def test_exclusive_group_keeps_only_the_highest():
    e = enterprise()
    hitech(e)
    factories.qualification(e, kind="hitech_pool", recognized_on=datetime.date(2026, 1, 1))
    items = IncentiveItem.objects.filter(key__in=["ts2019-hitech-new", "ts2019-hitech-pool"])
    limit = CrossItemLimit.objects.create(
        key="test-ex", document=items[0].measure.document, kind="exclusive", note="就高"
    )
    limit.items.set(items)
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert not match(e, "ts2019-hitech-new").excluded
    pool = match(e, "ts2019-hitech-pool")
    if pool.status in ("eligible", "likely_eligible"):
        assert pool.excluded and "就高" in pool.limit_notes[0]


def test_newly_eligible_enterprise_is_told_once_in_app_and_by_mail(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user("enterprise", is_enterprise_admin=True, email="boss@qiye.example.cn")
    e = user.enterprise
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    hitech(e)
    with django_capture_on_commit_callbacks(execute=True):
        matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    notice = EnterpriseNotice.objects.get(enterprise=e, key="eligible:ts2019-hitech-new")
    assert "新认定高新技术企业奖励" in notice.message and "20万元" in notice.message
    assert notice.emailed_at is not None
    # Only what the enterprise is eligible for, money or a status: nothing merely "likely",
    # nothing that is information, a service or a tax rule.
    told = EnterpriseNotice.objects.filter(enterprise=e, kind="newly_eligible").select_related(
        "item"
    )
    for each in told:
        match = Match.objects.get(enterprise=e, item=each.item)
        assert match.status == "eligible", each.message
        assert each.item.support_kind in ("money", "status"), each.message
    assert len([m for m in mail.outbox if "新认定高新技术企业奖励" in m.body]) == 1
    with django_capture_on_commit_callbacks(execute=True):
        matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
        matching.item_recompute(item_id=notice.item_id, on=ON)
    assert (
        EnterpriseNotice.objects.filter(enterprise=e, key="eligible:ts2019-hitech-new").count() == 1
    )
    assert len([m for m in mail.outbox if "新认定高新技术企业奖励" in m.body]) == 1


def test_an_opening_window_is_announced_once():
    e = enterprise()
    hitech(e)
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    item.window_opens, item.window_closes = datetime.date(2026, 6, 1), datetime.date(2026, 7, 31)
    item.save(update_fields=["window_opens", "window_closes"])
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert matching.windows_notify(on=ON) >= 1
    assert matching.windows_notify(on=ON) == 0
    assert EnterpriseNotice.objects.filter(enterprise=e, kind="window_open").count() == 1


def test_recompute_all_reports_progress_on_its_job(make_user):
    admin = make_user("catalogue_admin")
    enterprise()
    job = RecomputeJob.objects.create(started_by=admin)
    written = matching.all_recompute(job_id=job.pk, on=ON)
    job.refresh_from_db()
    assert job.status == "done" and job.percent == 100
    assert job.matches_written == written > 0


def test_recomputing_twice_changes_nothing():
    e = enterprise()
    hitech(e)
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    first = list(
        Match.objects.filter(enterprise=e)
        .order_by("item_id")
        .values_list("item_id", "status", "amount", "reasons")
    )
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    matching.item_recompute(item_id=IncentiveItem.objects.get(key="ts2019-hitech-new").pk, on=ON)
    again = list(
        Match.objects.filter(enterprise=e)
        .order_by("item_id")
        .values_list("item_id", "status", "amount", "reasons")
    )
    assert again == first
