"""The seed catalogue against the documents: every file checks clean, every golden case passes
(from the files and from the database), and per document the number of measures and items and a
sample of amounts, caps, funding sources and bureaus are as the text says."""

import datetime
from decimal import Decimal

import pytest

from incentives import selectors, services, specs
from incentives.catalogue import files
from incentives.models import (
    AssignmentRole,
    CrossItemLimit,
    DocumentStatus,
    IncentiveItem,
    PolicyDocument,
)

REPORTS = files.check_files(files.document_files())
GOLDEN = [(report.path.stem, outcome) for report in REPORTS for outcome in report.golden]

# document key → (measures, items, items with money), as counted from the texts.
COUNTS = {
    "tangshan-2019-15": (45, 62, 24),
    "tangshan-2023-ssyj": (19, 38, 1),
    "langfang-2023-draft": (37, 54, 47),
    "example-province-kjcxgh": (32, 14, 0),
    "example-city-kjcx": (18, 17, 7),
    "example-district-kjcxyj": (18, 7, 0),
    "jiuquan-kjcx": (34, 60, 26),
    "hebi-2019-a": (35, 39, 1),
    "hebi-2019-b": (19, 18, 6),
}


def test_every_catalogue_file_checks_clean():
    problems = [f"{r.path.name}: {p}" for r in REPORTS for p in r.problems]
    assert problems == []
    assert {r.document_key for r in REPORTS} == set(COUNTS)


def test_the_catalogue_holds_well_over_a_hundred_items(db):
    assert IncentiveItem.objects.count() > 200
    assert IncentiveItem.objects.filter(support_kind="money").count() > 100


@pytest.mark.parametrize(
    "outcome", [o for _, o in GOLDEN], ids=[f"{stem}:{o.item}:{o.name}" for stem, o in GOLDEN]
)
def test_golden_case_from_the_files(outcome):
    assert outcome.ok, outcome.detail


def test_every_money_item_has_a_golden_case_and_all_pass_from_the_database(db):
    money = IncentiveItem.objects.filter(support_kind="money").prefetch_related(
        "rules", "conditions", "golden_cases"
    )
    facts = services.facts_declared()
    failures = []
    for item in money.select_related("measure__document"):
        cases = list(item.golden_cases.all())
        if not cases:
            failures.append(f"{item.key}: no golden case")
        failures += specs.golden_failures(services.item_spec(item=item, facts=facts), cases)
    assert failures == []


@pytest.mark.parametrize(("key", "counts"), COUNTS.items())
def test_document_has_its_measures_and_items(db, key, counts):
    document = PolicyDocument.objects.get(key=key)
    items = IncentiveItem.objects.filter(measure__document=document)
    assert (
        document.measures.count(),
        items.count(),
        items.filter(support_kind="money").count(),
    ) == counts


def rule(key):
    return IncentiveItem.objects.get(key=key).rules.get().params


def bureaus(key, role=AssignmentRole.LEAD):
    return [b.name for b in selectors.item_bureaus(IncentiveItem.objects.get(key=key), role)]


def test_000_tangshan_2019(db):
    document = PolicyDocument.objects.get(key="tangshan-2019-15")
    assert (document.doc_number, document.region.name, document.status) == (
        "唐发〔2019〕15号",
        "唐山市",
        DocumentStatus.IN_FORCE,
    )
    # 二（一）: 新认定高企 一次性20万元, 复审 5万元, 科技型中小企业 国家5万 / 省级3万 / 省级复审1万.
    assert rule("ts2019-hitech-new") == {"kind": "fixed", "amount": 200000}
    assert rule("ts2019-hitech-renewal")["amount"] == 50000
    assert rule("ts2019-hitech-moved-in")["amount"] == 500000
    assert [
        rule(f"ts2019-techsme-{k}")["amount"]
        for k in ("national-new", "provincial-new", "provincial-renewal")
    ] == [50000, 30000, 10000]
    assert IncentiveItem.objects.get(key="ts2019-hitech-new").funding_level == "city"
    # Annex: 二（一） led by 市科学技术局, with 市工业和信息化局 and the counties responsible.
    assert bureaus("ts2019-hitech-new") == ["市科学技术局"]
    assert "市工业和信息化局" in bureaus("ts2019-hitech-new", AssignmentRole.RESPONSIBLE)
    # 六（二）: 技术合同 2%，最高100万.
    # 五（二）: 国家/省级平台 100万/20万, led by 科技局 and 发改委.
    assert rule("ts2019-tech-transfer-enterprise") == {
        "kind": "rate", "base": "contract_amount", "rate": "0.02", "cap": 1000000,
    }  # fmt: skip
    assert rule("ts2019-platform")["amounts"] == {"national": 1000000, "provincial": 200000}
    assert bureaus("ts2019-platform") == ["市科学技术局", "市发展改革委"]
    # 二（二）: 首台套 保费80%，费率上限3%.
    insurance = rule("ts2019-first-set-insurance")
    assert (insurance["rate"], insurance["max_premium_rate"]) == ("0.8", "0.03")
    # 十（一）: the 2019–2021 incubator tax exemptions have expired.
    vat = IncentiveItem.objects.select_related("measure__document").get(key="ts2019-incubator-vat")
    assert vat.valid_to == datetime.date(2021, 12, 31)
    assert selectors.item_state(vat, datetime.date(2026, 11, 21)) == "not_in_force"


def test_001_tangshan_2023(db):
    document = PolicyDocument.objects.get(key="tangshan-2023-ssyj")
    assert document.region.name == "唐山市" and document.published_on == datetime.date(2023, 5, 20)
    # 三（三）1: 省级平台绩效评估资助 1:1 配套, [牵头单位:市科学技术局].
    assert rule("ts2023-platform-perf-matching")["ratio"] == "1"
    assert bureaus("ts2023-platform-perf-matching") == ["市科学技术局"]
    assert "市财政局" in bureaus("ts2023-platform-perf-matching", AssignmentRole.RESPONSIBLE)


def test_002_langfang_2023_is_a_draft(db):
    document = PolicyDocument.objects.get(key="langfang-2023-draft")
    assert document.status == DocumentStatus.DRAFT_FOR_COMMENT
    item = IncentiveItem.objects.select_related("measure__document").get(
        key="lf2023-jbgs-city-tech"
    )
    assert selectors.item_state(item, datetime.date(2026, 11, 21)) == "not_in_force"
    # （3）揭榜挂帅: 30% / 20% of the bounty, at most 200万 / 100万; 省级揭榜 20%, at most 100万.
    assert (rule("lf2023-jbgs-city-tech")["rate"], rule("lf2023-jbgs-city-tech")["cap"]) == (
        "0.3",
        2000000,
    )
    assert (
        rule("lf2023-jbgs-city-transfer")["rate"],
        rule("lf2023-jbgs-city-transfer")["cap"],
    ) == ("0.2", 1000000)
    # （15）: 最高按 1% of R&D above 500万 (a ceiling), at most 100万;
    # 省级 10% of the increase, at most 1000万, provincial money.
    assert rule("lf2023-rd-input-1pct") == {
        "kind": "rate", "base": "rd_expense", "rate": "0.01", "min_base": 5000000, "cap": 1000000,
        "up_to": True,
    }  # fmt: skip
    assert IncentiveItem.objects.get(key="lf2023-rd-increase-prov").funding_level == "provincial"
    # （21）: 专利 40%, at most 10万 a year per enterprise.
    assert rule("lf2023-patent-transfer")["rate"] == "0.4"
    assert CrossItemLimit.objects.get(key="lf2023-patent-yearly-cap").amount == Decimal(100000)
    assert bureaus("lf2023-patent-transfer") == ["市市场监督管理局"]


def test_004_hebi_2019(db):
    a = PolicyDocument.objects.get(key="hebi-2019-a")
    assert a.region.name == "鹤壁市" and a.doc_number == "鹤创新领〔2019〕2号"
    # 新型研发机构 10–50万; 技术转移示范机构 2%，最高100万 (provincial); 孵化载体 10–30万.
    assert rule("hb2019a-nri-provincial-record") == {"kind": "range", "min": 100000, "max": 500000}
    assert rule("hb2019b-transfer-agency-provincial")["rate"] == "0.02"
    assert rule("hb2019b-transfer-agency-provincial")["cap"] == 1000000
    assert (
        IncentiveItem.objects.get(key="hb2019b-transfer-agency-provincial").funding_level
        == "provincial"
    )
    assert rule("hb2019b-incubation-carrier-award") == {
        "kind": "range",
        "min": 100000,
        "max": 300000,
    }
    # Only 责任单位 are given, first 市科技局, as the text writes it.
    assert bureaus("hb2019b-incubation-carrier-award", AssignmentRole.RESPONSIBLE)[0] == "市科技局"


def test_003_example_city_and_jiuquan(db):
    example = PolicyDocument.objects.get(key="example-city-kjcx")
    assert example.is_example and example.region.name == "示例市"
    jiuquan = PolicyDocument.objects.get(key="jiuquan-kjcx")
    assert jiuquan.region.name == "酒泉市" and jiuquan.part == "篇三"
    # 3. 新认定国家级/省级 研究中心、重点实验室… 享受省级财政300万元、50万元;
    #    牵头单位: 市发改委、工信委、科技局、教育局.
    assert rule("jq-platform-new")["amounts"] == {"national": 3000000, "provincial": 500000}
    assert IncentiveItem.objects.get(key="jq-platform-new").funding_level == "provincial"
    assert bureaus("jq-platform-new") == ["市发改委", "市工信委", "市科技局", "市教育局"]
    # 4. 新认定高企 省级20万元, 复审 5万元; 牵头单位: 市科技局, 配合单位: 市财政局.
    assert rule("jq-hitech-new")["amount"] == 200000
    assert bureaus("jq-hitech-new") == ["市科技局"]
    assert bureaus("jq-hitech-new", AssignmentRole.COOPERATE) == ["市财政局"]
    # 酒泉's 市科技局 is not 唐山's 市科学技术局.
    assert IncentiveItem.objects.get(key="jq-hitech-new").measure.document.region.name == "酒泉市"
