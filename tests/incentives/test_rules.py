"""Award rules as data: every kind the seed documents use, evaluated with a breakdown in plain
Chinese; invalid rules refused with a message per problem."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from incentives.rules import (
    RuleError,
    describe_rule,
    evaluate_rule,
    format_wan,
    format_yuan,
    validate_rule,
)

DECLARED = {
    "contract_amount": {"label": "技术合同成交额", "type": "money"},
    "rd_increase": {"label": "研发投入新增额", "type": "money"},
    "provincial_grant": {"label": "省级支持资金", "type": "money"},
    "new_hitech_incubatees": {"label": "新增高企在孵企业数", "type": "int"},
    "platform_level": {
        "label": "平台层级",
        "type": "choice",
        "choices": {"national": "国家级", "provincial": "省级", "city": "市级"},
    },
    "support_year": {"label": "第几年支持", "type": "int"},
    "premium_paid": {"label": "实际保费", "type": "money"},
    "insured_amount": {"label": "投保金额", "type": "money"},
    "company_name": {"label": "名称", "type": "text"},
}


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def evaluate(rule, **facts):
    return evaluate_rule(rule, facts, declared=DECLARED)


def test_rate_with_cap_reads_like_the_document():
    rule = {"kind": "rate", "base": "contract_amount", "rate": "0.02", "cap": 1000000}
    estimate = evaluate(rule, contract_amount=30_000_000)
    assert estimate.kind == "exact"
    assert estimate.amount == Decimal("600000.00")
    assert estimate.breakdown == "技术合同成交额 3,000万元 × 2% = 60万元（上限100万元）"


def test_rate_above_the_cap_pays_the_cap_and_says_so():
    rule = {"kind": "rate", "base": "contract_amount", "rate": "0.02", "cap": 1000000}
    estimate = evaluate(rule, contract_amount=60_000_000)
    assert estimate.amount == Decimal(1000000)
    assert estimate.cap_applied
    assert "超过上限" in estimate.breakdown and "100万元" in estimate.breakdown


def test_rate_with_a_floor_on_the_base():
    rule = {
        "kind": "rate",
        "base": "rd_increase",
        "rate": "0.05",
        "min_base": 3000000,
        "cap": 1000000,
    }
    assert evaluate(rule, rd_increase=2_999_999).amount == 0
    assert "起点" in evaluate(rule, rd_increase=2_999_999).breakdown
    assert evaluate(rule, rd_increase=3_000_000).amount == Decimal("150000.00")
    assert evaluate(rule, rd_increase=40_000_000).amount == Decimal(1000000)


def test_rate_on_the_part_above_a_threshold():
    rule = {"kind": "rate", "base": "rd_increase", "rate": "0.1", "excess_over": 1000000}
    assert evaluate(rule, rd_increase=1_500_000).amount == Decimal("50000.00")
    assert evaluate(rule, rd_increase=800_000).amount == 0


def test_fixed_and_by_level():
    assert evaluate({"kind": "fixed", "amount": 200000}).amount == 200000
    rule = {
        "kind": "by_level",
        "input": "platform_level",
        "amounts": {"national": 1000000, "provincial": 200000},
    }
    national = evaluate(rule, platform_level="national")
    assert national.amount == 1000000
    assert national.breakdown == "平台层级 国家级：100万元"
    assert evaluate(rule, platform_level="city").amount == 0
    assert evaluate(rule).kind == "unknown"
    assert evaluate(rule).missing == ["platform_level"]


def test_matching_ratio_with_cap():
    rule = {"kind": "matching", "base": "provincial_grant", "ratio": "0.5", "cap": 1000000}
    assert evaluate(rule, provincial_grant=1_000_000).amount == Decimal("500000.00")
    assert evaluate(rule, provincial_grant=3_000_000).amount == Decimal(1000000)
    assert "1:0.5" in evaluate(rule, provincial_grant=1_000_000).breakdown


def test_per_unit():
    rule = {"kind": "per_unit", "input": "new_hitech_incubatees", "unit_amount": 30000}
    assert evaluate(rule, new_hitech_incubatees=4).amount == Decimal("120000.00")


def test_range_and_cap_only_are_decided_in_review():
    estimate = evaluate({"kind": "range", "min": 200000, "max": 1000000})
    assert (estimate.kind, estimate.minimum, estimate.maximum) == ("range", 200000, 1000000)
    assert "评审确定" in estimate.breakdown
    only_min = evaluate({"kind": "range", "min": 200000})
    assert only_min.maximum is None and only_min.upper_bound is None
    cap_only = evaluate({"kind": "cap_only", "max": 2000000})
    assert (cap_only.minimum, cap_only.maximum) == (0, 2000000)


def test_multi_year_schedule():
    rule = {
        "kind": "schedule",
        "steps": [
            {"years": [1], "rule": {"kind": "fixed", "amount": 500000}},
            {"years": [2, 3, 4], "rule": {"kind": "range", "min": 200000}},
        ],
    }
    assert evaluate(rule, support_year=1).amount == 500000
    assert evaluate(rule, support_year=3).minimum == 200000
    assert evaluate(rule, support_year=5).amount == 0
    assert evaluate(rule).kind == "unknown"


def test_insurance_premium_with_a_rate_cap_and_years():
    rule = {
        "kind": "premium",
        "base": "premium_paid",
        "insured": "insured_amount",
        "rate": "0.8",
        "max_premium_rate": "0.03",
        "max_years": 3,
    }
    # Premium 5万 on 100万 insured: only 3万 (3%) counts; 80% of it is 2.4万.
    estimate = evaluate(rule, premium_paid=50000, insured_amount=1_000_000, support_year=1)
    assert estimate.amount == Decimal("24000.00")
    assert "费率上限" in estimate.breakdown
    assert evaluate(
        rule, premium_paid=20000, insured_amount=1_000_000, support_year=2
    ).amount == Decimal("16000.00")
    assert evaluate(rule, premium_paid=20000, insured_amount=1_000_000, support_year=4).amount == 0


def test_premium_rates_by_year():
    rule = {
        "kind": "premium",
        "base": "premium_paid",
        "insured": "insured_amount",
        "rates_by_year": ["0.8", "0.6", "0.4"],
        "max_premium_rate": "0.05",
    }
    amounts = [
        evaluate(rule, premium_paid=10000, insured_amount=1_000_000, support_year=y).amount
        for y in (1, 2, 3, 4)
    ]
    assert amounts == [Decimal("8000.00"), Decimal("6000.00"), Decimal("4000.00"), 0]


def test_not_money():
    estimate = evaluate({"kind": "none", "note": "研发费用按75%加计扣除"})
    assert estimate.kind == "none" and estimate.breakdown == "研发费用按75%加计扣除"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "bonus"}, "未知的奖励规则类型"),
        ({"kind": "fixed"}, "“amount”为必填项"),
        ({"kind": "fixed", "amount": -5}, "必须大于0"),
        ({"kind": "rate", "base": "contract_amount", "rate": 2}, "比例应写成小数"),
        ({"kind": "rate", "base": "contract_amoun", "rate": "0.02"}, "既不是已声明的事实"),
        ({"kind": "rate", "base": "company_name", "rate": "0.02"}, "类型为 text"),
        ({"kind": "range", "min": 500000, "max": 100000}, "“min”大于“max”"),
        ({"kind": "range"}, "区间需要"),
        (
            {"kind": "by_level", "input": "platform_level", "amounts": {"county": 1}},
            "不是“platform_level”的层级",
        ),
        ({"kind": "fixed", "amount": 1, "cap": 5}, "不接受"),
        ({"kind": "none"}, "在“note”中说明"),
        (
            {"kind": "rate", "base": "rd_increase", "rate": "0.5", "min_base": 3000000, "cap": 100},
            "起点乘以比例已超过上限",
        ),
        (
            {"kind": "schedule", "steps": [{"years": [1], "rule": {"kind": "fixed"}}]},
            "“amount”为必填项",
        ),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_message(rule, message):
    problems = validate_rule(rule, declared=DECLARED)
    assert problems, rule
    assert any(message in problem for problem in problems), problems
    with pytest.raises(RuleError):
        evaluate(rule, contract_amount=1)


def test_describe_rule_in_one_line():
    assert (
        describe_rule(
            {"kind": "rate", "base": "contract_amount", "rate": "0.02", "cap": 1000000},
            declared=DECLARED,
        )
        == "技术合同成交额的2%，最高100万元"
    )
    assert describe_rule({"kind": "fixed", "amount": 200000}, declared=DECLARED) == "20万元"


def test_format_wan():
    assert format_wan(200000) == "20万元"
    assert format_wan(30000000) == "3,000万元"
    # 万元 to the yuan; the exact figure in yuan is shown where it matters.
    assert format_wan(Decimal("12345.67")) == "1.2346万元"
    assert format_yuan(Decimal("12345.67")) == "12,345.67元"


@given(
    base=st.integers(min_value=0, max_value=10**10),
    rate=st.decimals(min_value=Decimal("0.001"), max_value=1, places=3),
    cap=st.integers(min_value=1, max_value=10**8),
)
def test_a_capped_rate_never_pays_above_the_cap_or_below_zero(base, rate, cap):
    rule = {"kind": "rate", "base": "contract_amount", "rate": str(rate), "cap": cap}
    estimate = evaluate_rule(rule, {"contract_amount": base}, declared=DECLARED)
    assert 0 <= estimate.amount <= cap
    assert estimate.amount == min(
        (Decimal(base) * rate).quantize(Decimal("0.01"), ROUND_HALF_UP), cap
    )


@given(
    rule=st.dictionaries(
        st.sampled_from(["kind", "amount", "base", "rate", "cap", "min", "max", "steps", "input"]),
        st.one_of(
            st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)
        ),
    )
)
def test_any_rule_is_either_refused_or_evaluates(rule):
    """Whatever the dictionary, a rule validate_rule accepts evaluates without an exception, and
    one it refuses is refused by evaluate_rule too (RuleError, never another error)."""
    problems = validate_rule(rule, declared=DECLARED)
    if problems:
        with pytest.raises(RuleError):
            evaluate_rule(rule, {"contract_amount": 1000}, declared=DECLARED)
    else:
        evaluate_rule(rule, {"contract_amount": 1000}, declared=DECLARED)
