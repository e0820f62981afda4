"""The item plan (incentives.plans): whom an item serves, said once and read as Python and as SQL,
why an enterprise is left out, the rule in effect and its version, the facts read, and plans
built once per catalogue version."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from enterprises.models import Enterprise
from incentives import plans
from incentives.engine import ItemVerdict
from incentives.models import AwardRule, IncentiveItem, PolicyDocument
from organisations.models import Region
from tests import factories

ON = datetime.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def organisation(city: str, *, institution: bool = False) -> Enterprise:
    kind = factories.INSTITUTION if institution else factories.COMPANY
    region = Region.objects.get(name=city)
    if region.children.exists():
        return factories.enterprise(city=region, kind=kind)
    # 示例市 has no districts, so nobody can register there; the plans must still place it.
    return Enterprise.objects.create(
        credit_code=factories.credit_code(kind=kind), name=f"计划测试{city}", city=region
    )


def item(key: str) -> IncentiveItem:
    return IncentiveItem.objects.get(key=key)


def test_the_python_predicate_and_the_sql_filter_agree_for_every_item():
    everyone = [
        organisation(city, institution=institution)
        for city in ("唐山市", "廊坊市", "鹤壁市", "酒泉市", "示例市")
        for institution in (False, True)
    ]
    ids = [e.pk for e in everyone]
    catalogue, served_somewhere = plans.catalogue(), 0
    for plan in catalogue.by_id.values():
        by_sql = set(
            Enterprise.objects.filter(plan.scope_q, pk__in=ids).values_list("pk", flat=True)
        )
        by_python = {e.pk for e in everyone if plan.serves(e)}
        assert by_sql == by_python, plan.key
        assert {e.pk for e in everyone if plan.scope_refusal(e) is None} == by_python
        assert by_python == {e.pk for e in everyone if plan in catalogue.for_enterprise(e)}
        served_somewhere += bool(by_python)
    assert served_somewhere > 200


def test_an_enterprise_is_told_why_an_item_is_not_for_it():
    langfang, institution = organisation("廊坊市"), organisation("唐山市", institution=True)
    company = organisation("唐山市")
    hitech = plans.plan_for(item("ts2019-hitech-new"))
    assert hitech.scope_refusal(company) is None
    assert hitech.scope_refusal(langfang) == "本事项只面向唐山市的企业。"
    assert "统一社会信用代码不以9开头" in hitech.scope_refusal(institution)
    university = plans.plan_for(item("ts2019-univ-result-ownership"))
    assert university.scope_refusal(institution) is None
    assert (
        university.scope_refusal(company)
        == "本事项面向事业单位、社会组织等非企业单位，不面向企业。"
    )
    people = plans.plan_for(item("ts2019-high-talent-support"))
    assert people.scope_refusal(company) == "本事项面向个人，单位不能申请。"
    assert not people.serves(company) and not people.serves(institution)
    with translation.override("en"):
        assert hitech.scope_refusal(langfang) == "This item only serves enterprises in 唐山市."


def test_a_provinces_item_serves_every_city_of_the_province():
    document = PolicyDocument.objects.get(measures__items__key="ts2019-hitech-new")
    document.region = Region.objects.get(name="河北省")
    document.save(update_fields=["region"])
    plan = plans.plan_for(item("ts2019-hitech-new"))
    hebei_cities = set(
        Region.objects.filter(parent__name="河北省", level=Region.Level.CITY).values_list(
            "pk", flat=True
        )
    )
    assert plan.city_ids == hebei_cities and len(hebei_cities) > 1
    assert plan.serves(organisation("廊坊市"))
    assert plan.scope_refusal(organisation("鹤壁市")) == "本事项只面向河北省的企业。"
    assert plan in plans.plans_for_enterprise(organisation("唐山市"))


def test_plans_are_built_once_per_catalogue_version(django_assert_max_num_queries):
    first = plans.plans()
    with django_assert_max_num_queries(1):  # the version only
        assert plans.plans() is first
    with django_assert_max_num_queries(1):
        assert plans.plan_for(next(iter(first))) is next(iter(first.values()))
    hitech = item("ts2019-hitech-new")
    hitech.name = "新认定高新技术企业奖励（修订）"
    hitech.save(update_fields=["name"])
    assert plans.plan_for(hitech).name == "新认定高新技术企业奖励（修订）"
    assert plans.plans() is not first
    with pytest.raises(dataclasses.FrozenInstanceError):
        plans.plan_for(hitech).claim_keys = frozenset()
    with pytest.raises(IncentiveItem.DoesNotExist):
        plans.plan_for(10**9)


def test_the_rule_in_effect_and_its_version_follow_the_date_and_the_edits():
    hitech = item("ts2019-hitech-new")
    old_rule = hitech.rules.get()
    new_rule = AwardRule(
        item=hitech,
        params={"kind": "fixed", "amount": 300000},
        effective_from=datetime.date(2027, 1, 1),
    )
    new_rule.full_clean()  # the golden cases still hold
    new_rule.save()
    plan = plans.plan_for(hitech)
    assert plan.rule_on(ON) == old_rule
    assert plan.rule_on(datetime.date(2027, 3, 1)) == new_rule
    version = plan.rule_version(new_rule)
    assert version == AwardRule.history.filter(id=new_rule.pk).latest("history_id").history_id
    new_rule.params = {"kind": "fixed", "amount": 250000}
    new_rule.save()
    assert plans.plan_for(hitech).rule_version(new_rule) > version
    verdict = plans.plan_for(hitech).evaluate(
        {"hitech_certification_kind": "new", "hitech_certified_on": datetime.date(2027, 2, 1)},
        on=datetime.date(2027, 3, 1),
    )
    row = plans.plan_for(hitech).match_row(1, verdict, datetime.date(2027, 3, 1))
    assert (row.status, row.amount, row.rule_id) == ("eligible", 250000, new_rule.pk)
    assert (row.as_of, row.limit_notes, row.excluded) == (datetime.date(2027, 3, 1), [], False)


def test_the_facts_an_item_reads_are_its_conditions_and_its_rule_inputs():
    station = plans.plan_for(item("ts2019-academician-ws-stable"))
    assert station.facts_read == ("academician_workstation", "support_year")
    assert station.claim_keys == {"support_year"}
    assert station.profile_facts == ("academician_workstation",)
    hitech = plans.plan_for(item("ts2019-hitech-new"))
    assert hitech.facts_read == ("hitech_certification_kind", "hitech_certified_on")


def test_newly_eligible_notice_is_the_plans():
    plan = plans.plan_for(item("ts2019-hitech-new"))
    assert plan.notifies
    assert plan.newly_eligible_notice() == (
        "eligible:ts2019-hitech-new",
        "贵企业现已符合“新认定高新技术企业奖励”的条件。",
    )
    exact = {"estimate_kind": "exact", "amount": Decimal(200000)}
    assert plan.newly_eligible_notice(exact)[1] == (
        "贵企业现已符合“新认定高新技术企业奖励”的条件，预计可获20万元。"
    )
    assert (
        "最高50万元"
        in plan.newly_eligible_notice(
            {"estimate_kind": "range", "minimum": Decimal(0), "maximum": Decimal(500000)}
        )[1]
    )
    # Only "eligible" tells, and only once: not "likely" (a reviewer judges the rest).
    assert plan.tells("eligible", None) and plan.tells("eligible", "likely_eligible")
    assert not plan.tells("likely_eligible", None) and not plan.tells("eligible", "eligible")
    verdict = ItemVerdict("not_eligible", None, [], [], ["x"])
    assert plan.match_row(1, verdict, ON).estimate_kind == ""
