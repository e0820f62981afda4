"""The catalogue's money readings (issue 12 §7), checked on the data files themselves: what the
documents leave open is recorded as open, and a reading that crosses items (limits) gives what
the clause says. Item-by-item readings are guarded by each item's golden cases; the cases here
need several items at once or the whole catalogue."""

import dataclasses
import datetime
import re
from decimal import Decimal

import pytest
from django.utils import translation

from incentives.catalogue import files
from incentives.engine import ELIGIBLE, LIKELY_ELIGIBLE, evaluate_item
from incentives.limits import LimitSpec, apply_limits
from incentives.rules import MONEY_KINDS, rule_upper_bound

ON = datetime.date(2023, 6, 1)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def catalogue():
    """Every document file: (document, item) pairs and the file's limits."""
    facts = files.base_facts()
    for path in files.document_files():
        data = files.load_yaml(path)
        local = {**facts, **{f["key"]: f for f in data.get("facts") or []}}
        items = [i for m in data.get("measures") or [] for i in m.get("items") or []]
        yield path, data, items, local


def file_of(stem):
    for path, data, items, local in catalogue():
        if path.stem == stem:
            return data, {i["key"]: i for i in items}, local
    raise LookupError(stem)


def as_if_in_force(item, document, facts):
    spec = files.item_spec(item, document, facts)
    return dataclasses.replace(
        spec, document_status="in_force", in_force_from=None, in_force_to=None
    )


def limit_specs(data):
    return [
        LimitSpec(
            limit["key"],
            limit["kind"],
            tuple(limit.get("items") or []),
            amount=None if limit.get("amount") is None else Decimal(str(limit["amount"])),
            note=limit.get("note") or "",
        )
        for limit in data.get("limits") or []
    ]


# ---------------------------------------------------------------------------------------------
# 002 （24）: 不重复奖励 forbids the same award twice, not different awards
# ---------------------------------------------------------------------------------------------

INCUBATOR_AWARDS = (
    "lf2023-incubator-prov-excellent",
    "lf2023-incubator-city-excellent",
    "lf2023-incubator-tax-10w",
    "lf2023-incubator-hitech",
)


def incubator_outcome(claim):
    data, items, facts = file_of("002_langfang_2023")
    estimates = {}
    for key in INCUBATOR_AWARDS:
        verdict = evaluate_item(as_if_in_force(items[key], data["document"], facts), claim, on=ON)
        if verdict.verdict in (ELIGIBLE, LIKELY_ELIGIBLE):
            estimates[key] = verdict.estimate
    return apply_limits(estimates, limit_specs(data))


def test_a_city_excellent_platform_with_three_new_hitech_incubatees_gets_every_award():
    outcome = incubator_outcome(
        {"city_eval_excellent": True, "new_hitech_incubatees": 3, "new_taxpayers_10w": 2}
    )
    assert not outcome.excluded
    amounts = {key: e.amount for key, e in outcome.estimates.items()}
    assert amounts == {
        "lf2023-incubator-city-excellent": Decimal(100000),  # 市级考核优秀 10万
        "lf2023-incubator-hitech": Decimal(90000),  # 3 家新高企 × 3万
        "lf2023-incubator-tax-10w": Decimal(20000),  # 2 家纳税首达10万 × 1万
    }
    assert sum(amounts.values()) == Decimal(210000)


def test_the_excellent_award_and_the_per_incubatee_award_are_both_kept():
    outcome = incubator_outcome({"city_eval_excellent": True, "new_hitech_incubatees": 3})
    assert set(outcome.estimates) == {
        "lf2023-incubator-city-excellent",
        "lf2023-incubator-hitech",
    }
    assert outcome.estimates["lf2023-incubator-hitech"].amount == Decimal(90000)
    assert outcome.estimates["lf2023-incubator-city-excellent"].amount == Decimal(100000)


def test_no_limit_of_002_makes_different_incubator_awards_exclusive():
    data, items, _ = file_of("002_langfang_2023")
    for limit in data.get("limits") or []:
        if limit["kind"] == "exclusive":
            assert not set(limit["items"]) & set(INCUBATOR_AWARDS)
    # What the clause forbids is left to the reviewer and the ledger: each award pays once a year.
    for key in INCUBATOR_AWARDS:
        assert items[key]["pays"] == "per_period"
        assert any("不重复奖励" in line for line in items[key]["checklist"])


# ---------------------------------------------------------------------------------------------
# The whole catalogue: how often each item pays, a top on every amount, payers as written
# ---------------------------------------------------------------------------------------------


def test_every_file_passes_the_money_readings_checks():
    reports = files.check_files(files.document_files())
    assert [p for r in reports for p in r.problems] == []


def test_every_money_and_status_item_says_how_often_it_pays():
    for path, _data, items, _facts in catalogue():
        for item in items:
            if item["support_kind"] in ("money", "status"):
                assert item.get("pays") in files.PAYS, (path.name, item["key"])
                if item["pays"] == "per_project":
                    keys = [i["key"] for i in item.get("inputs") or []]
                    assert files.PROJECT_INPUT in keys, item["key"]


def test_every_amount_has_a_top_or_a_budget_with_its_basis():
    for _path, _data, items, _facts in catalogue():
        for item in items:
            if item["support_kind"] != "money":
                continue
            rules = files.item_rules(item)
            unbounded = [
                r for r in rules if r.get("kind") in MONEY_KINDS and rule_upper_bound(r) is None
            ]
            if unbounded:
                assert item.get("yearly_budget"), item["key"]
            if item.get("yearly_budget"):
                assert item.get("budget_basis"), item["key"]


def test_002_names_the_city_only_where_a_clause_says_so():
    _, items, _ = file_of("002_langfang_2023")
    levels = {key: item["funding_level"] for key, item in items.items()}
    city = {key for key, level in levels.items() if level == "city"}
    assert city == {
        "lf2023-leader-new",  # 市级给予100万元
        "lf2023-talent-intro-research",  # 经认定市财政给予
        "lf2023-talent-intro-housing",
        "lf2023-talent-cultivated-research",
        "lf2023-entrepreneur-startup",  # 经认定市财政最高给予
        "lf2023-entrepreneur-project",
        "lf2023-entrepreneur-housing",
    }
    money = {key for key, item in items.items() if item["support_kind"] == "money"}
    provincial = {key for key in money if levels[key] == "provincial"}
    assert {levels[key] for key in money - city - provincial} == {"shared"}


def test_hebi_up_to_two_percent_of_20_million_is_zero_to_400_thousand():
    data, items, facts = file_of("004b_hebi_2019")
    spec = files.item_spec(items["hb2019b-transfer-agency-provincial"], data["document"], facts)
    verdict = evaluate_item(
        spec,
        {"tech_transfer_agency_level": "provincial", "tech_contract_turnover": 20_000_000},
        on=datetime.date(2020, 6, 1),
    )
    assert verdict.estimate.kind == "range"
    assert (verdict.estimate.minimum, verdict.estimate.maximum) == (0, Decimal(400000))


def test_a_jiuquan_hitech_certificate_of_2019_pays_nothing_in_2026():
    data, items, facts = file_of("003c_jiuquan")
    assert data["document"]["validity"] == "unknown"
    spec = files.item_spec(items["jq-hitech-new"], data["document"], facts)
    old = {"hitech_certification_kind": "new", "hitech_certified_on": datetime.date(2019, 11, 20)}
    assert evaluate_item(spec, old, on=datetime.date(2026, 6, 1)).verdict == "not_eligible"
    recent = {**old, "hitech_certified_on": datetime.date(2026, 3, 1)}
    verdict = evaluate_item(spec, recent, on=datetime.date(2026, 6, 1))
    # An undated text: never more than "likely eligible", with the reason.
    assert verdict.verdict == LIKELY_ELIGIBLE
    assert any("未载明有效期" in reason for reason in verdict.reasons)


def test_an_undated_document_never_says_eligible():
    for _path, data, items, _facts in catalogue():
        if data["document"].get("validity") != "unknown":
            continue
        for item in items:
            for case in item.get("golden") or []:
                assert case["expect"]["verdict"] != ELIGIBLE, (item["key"], case["name"])


# ---------------------------------------------------------------------------------------------
# The pages say what the document leaves open: payer and validity
# ---------------------------------------------------------------------------------------------

VALIDITY_WARNING = "本文件未载明有效期，是否仍在执行以牵头部门确认为准"


@pytest.mark.django_db
def test_an_item_of_an_undated_document_carries_the_validity_warning(client):
    from django.urls import reverse

    page = client.get(reverse("incentives:item", args=["jq-hitech-new"])).content.decode()
    assert VALIDITY_WARNING in page
    assert "省级资金" in page  # 享受省级财政
    assert "每家企业一次" in page  # 一次性
    dated = client.get(reverse("incentives:item", args=["ts2019-hitech-new"])).content.decode()
    assert VALIDITY_WARNING not in dated
    validity = re.search(r'data-testid="validity">(.*?)</dd>', dated).group(1)
    assert "2019" in validity and "文件未规定截止日期" in validity


@pytest.mark.django_db
def test_item_pages_say_when_the_document_names_no_payer(client):
    from django.urls import reverse

    shared = client.get(reverse("incentives:item", args=["lf2023-envoy-host"])).content.decode()
    assert "按事权财权由各级财政分担" in shared and "事权财权相统一" in shared
    unnamed = client.get(reverse("incentives:item", args=["ts2019-platform"])).content.decode()
    assert "文件未明确出资方" in unnamed and "资金来源以牵头部门确认为准" in unnamed


@pytest.mark.django_db
def test_document_pages_show_validity_and_each_payer(client):
    from django.urls import reverse

    jiuquan = client.get(reverse("incentives:document", args=["jiuquan-kjcx"])).content.decode()
    assert VALIDITY_WARNING in jiuquan
    assert "省级资金" in jiuquan and "文件未明确出资方" in jiuquan
    langfang = client.get(
        reverse("incentives:document", args=["langfang-2023-draft"])
    ).content.decode()
    assert VALIDITY_WARNING not in langfang
    assert "按事权财权由各级财政分担" in langfang and "市级资金" in langfang


def test_an_update_removes_a_limit_the_file_no_longer_declares(db):
    from django.core.management import call_command

    from incentives.models import CrossItemLimit, PolicyDocument

    call_command("load_catalogue")
    document = PolicyDocument.objects.get(key__startswith="langfang")
    stale = CrossItemLimit.objects.create(
        key="lf2023-incubator-no-double", document=document, kind="exclusive", note="旧读法"
    )
    call_command("load_catalogue", "--update")
    assert not CrossItemLimit.objects.filter(pk=stale.pk).exists()


def test_the_item_page_says_where_a_budget_comes_from(client, db):
    from django.urls import reverse

    from incentives.models import IncentiveItem

    item = IncentiveItem.objects.exclude(budget_basis="").filter(yearly_budget__isnull=False)[0]
    page = client.get(reverse("incentives:item", args=[item.key])).content.decode()
    assert item.budget_basis in page
