"""The registry of award-rule kinds and the forms generated from it: for each kind, form data (money
in 万元) → rule dict (yuan) → valid → evaluated to the expected amount → described in 万元."""

import json
from decimal import Decimal

import pytest
from django.utils import translation

from incentives.catalogue import files
from incentives.rule_forms import initial_from_rule, rule_form_class
from incentives.rules import (
    CEILING_KINDS,
    KIND_KEYS,
    MONEY_KINDS,
    REGISTRY,
    RULE_KINDS,
    describe_rule,
    evaluate_rule,
    format_wan,
    rule_reads,
    rule_upper_bound,
    validate_rule,
)

DECLARED = {
    "contract_amount": {"label": "技术合同成交额", "type": "money"},
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
}

STEPS = [
    {"years": [1, 2, 3], "rule": {"kind": "rate", "base": "contract_amount", "rate": "0.2"}},
    {"years": [4], "rule": {"kind": "fixed", "amount": 100000}},
]

# kind, form data (money in 万元), the rule it gives, facts, expected (amount | (min, max)),
# what the description mentions.
CASES = [
    (
        "fixed",
        {"amount": "20"},
        {"kind": "fixed", "amount": 200000},
        {},
        Decimal(200000),
        "20万元",
    ),
    (
        "by_level",
        {"input": "platform_level", "amounts": "national: 500\nprovincial: 100"},
        {
            "kind": "by_level",
            "input": "platform_level",
            "amounts": {"national": 5000000, "provincial": 1000000},
        },
        {"platform_level": "provincial"},
        Decimal(1000000),
        "省级 100万元",
    ),
    (
        "rate",
        {"base": "contract_amount", "rate": "2", "cap": "100", "clause": "第五条"},
        {
            "kind": "rate",
            "base": "contract_amount",
            "rate": "0.02",
            "cap": 1000000,
            "clause": "第五条",
        },
        {"contract_amount": 30_000_000},
        Decimal(600000),
        "100万元",
    ),
    (
        "rate",
        {"base": "contract_amount", "rate": "10", "excess_over": "1000", "cap": "50"},
        {
            "kind": "rate",
            "base": "contract_amount",
            "rate": "0.1",
            "cap": 500000,
            "excess_over": 10000000,
        },
        {"contract_amount": 12_000_000},
        Decimal(200000),
        "1,000万元",
    ),
    (
        "rate",
        {"base": "contract_amount", "rate": "2", "min_base": "500", "cap": "100"},
        {
            "kind": "rate",
            "base": "contract_amount",
            "rate": "0.02",
            "cap": 1000000,
            "min_base": 5000000,
        },
        {"contract_amount": 4_000_000},
        Decimal(0),
        "500万元",
    ),
    (
        "rate",
        {"base": "contract_amount", "rate": "30", "cap": "200", "up_to": "on", "floor": "10"},
        {
            "kind": "rate",
            "base": "contract_amount",
            "rate": "0.3",
            "cap": 2000000,
            "up_to": True,
            "floor": 100000,
        },
        {"contract_amount": 1_000_000},
        (Decimal(100000), Decimal(300000)),
        "10万元",
    ),
    (
        "matching",
        {"base": "provincial_grant", "ratio": "1", "cap": "500"},
        {"kind": "matching", "base": "provincial_grant", "ratio": "1", "cap": 5000000},
        {"provincial_grant": 2_000_000},
        Decimal(2000000),
        "500万元",
    ),
    (
        "per_unit",
        {"input": "new_hitech_incubatees", "unit_amount": "10", "cap": "100"},
        {
            "kind": "per_unit",
            "input": "new_hitech_incubatees",
            "unit_amount": 100000,
            "cap": 1000000,
        },
        {"new_hitech_incubatees": 3},
        Decimal(300000),
        "10万元",
    ),
    (
        "range",
        {"min": "20", "max": "50"},
        {"kind": "range", "min": 200000, "max": 500000},
        {},
        (Decimal(200000), Decimal(500000)),
        "50万元",
    ),
    (
        "cap_only",
        {"max": "300"},
        {"kind": "cap_only", "max": 3000000},
        {},
        (Decimal(0), Decimal(3000000)),
        "300万元",
    ),
    (
        "schedule",
        {
            "year_input": "support_year",
            "step0_years": "1-3",
            "step0_kind": "rate",
            "step0_base": "contract_amount",
            "step0_rate": "20",
            "step1_years": "第4年",
            "step1_kind": "fixed",
            "step1_amount": "10",
        },
        {"kind": "schedule", "year_input": "support_year", "steps": STEPS},
        {"support_year": 4, "contract_amount": 1_000_000},
        Decimal(100000),
        "10万元",
    ),
    (
        "premium",
        {
            "base": "premium_paid",
            "insured": "insured_amount",
            "rate": "80",
            "max_premium_rate": "3",
            "max_years": "3",
            "cap": "50",
        },
        {
            "kind": "premium",
            "base": "premium_paid",
            "insured": "insured_amount",
            "rate": "0.8",
            "max_premium_rate": "0.03",
            "max_years": 3,
            "cap": 500000,
        },
        {"premium_paid": 200_000, "insured_amount": 10_000_000, "support_year": 1},
        Decimal(160000),
        "50万元",
    ),
    (
        "premium",
        {
            "base": "premium_paid",
            "insured": "insured_amount",
            "rates_by_year": "80, 60，40",
            "max_premium_rate": "3",
            "cap": "50",
        },
        {
            "kind": "premium",
            "base": "premium_paid",
            "insured": "insured_amount",
            "rates_by_year": ["0.8", "0.6", "0.4"],
            "max_premium_rate": "0.03",
            "cap": 500000,
        },
        {"premium_paid": 200_000, "insured_amount": 10_000_000, "support_year": 2},
        Decimal(120000),
        "50万元",
    ),
    (
        "none",
        {"note": "认定为市级孵化器"},
        {"kind": "none", "note": "认定为市级孵化器"},
        {},
        None,
        "认定为市级孵化器",
    ),
]


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_every_kind_is_registered_in_the_order_of_rule_kinds():
    assert RULE_KINDS == (
        "fixed",
        "by_level",
        "rate",
        "matching",
        "per_unit",
        "range",
        "cap_only",
        "schedule",
        "premium",
        "none",
    )
    assert set(RULE_KINDS) == set(REGISTRY)
    assert set(RULE_KINDS) - {"none"} == MONEY_KINDS
    assert {"rate", "matching", "per_unit", "premium"} == CEILING_KINDS
    assert KIND_KEYS["rate"] == {
        "base",
        "rate",
        "cap",
        "min_base",
        "excess_over",
        "up_to",
        "floor",
    }


def test_every_kind_is_tried_here():
    assert {case[0] for case in CASES} == set(RULE_KINDS)


@pytest.mark.parametrize("kind", RULE_KINDS)
def test_every_field_of_a_kind_has_a_chinese_label(kind):
    registered = REGISTRY[kind]
    assert str(registered.label)
    for spec in registered.fields:
        label = str(spec.label)
        assert label and any("\u4e00" <= ch <= "\u9fff" for ch in label), (kind, spec.name)
    form = rule_form_class(kind)()
    for name, field in form.fields.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(field.label)), (kind, name)


@pytest.mark.parametrize("kind", RULE_KINDS)
def test_money_fields_are_shown_in_wan(kind):
    form = rule_form_class(kind)()
    for spec in REGISTRY[kind].fields:
        if spec.type == "money":
            assert spec.unit == "万元"
            assert str(form.fields[spec.name].label).endswith("（万元）")


def test_25_wan_is_stored_as_250000_yuan_and_edited_as_25_wan():
    form = rule_form_class("fixed")({"amount": "25"})
    assert form.is_valid(), form.errors
    rule = form.to_rule()
    assert rule == {"kind": "fixed", "amount": 250000}
    assert initial_from_rule(rule) == {"amount": Decimal(25)}
    form = rule_form_class("cap_only")({"max": "0.35"})
    assert form.is_valid(), form.errors
    assert form.to_rule() == {"kind": "cap_only", "max": 3500}


def as_data(initial):
    return {
        key: json.dumps(value) if isinstance(value, list | dict) else str(value)
        for key, value in initial.items()
        if value is not False
    } | {key: "on" for key, value in initial.items() if value is True}


@pytest.mark.parametrize(("kind", "data", "rule", "facts", "expected", "mentions"), CASES)
def test_form_to_rule_to_amount_to_words(kind, data, rule, facts, expected, mentions):
    form = rule_form_class(kind)(data, declared=DECLARED)
    assert form.is_valid(), form.errors
    assert form.to_rule() == rule
    assert validate_rule(rule, declared=DECLARED) == []

    estimate = evaluate_rule(rule, facts, declared=DECLARED)
    if expected is None:
        assert estimate.kind == "none"
    elif isinstance(expected, tuple):
        assert (estimate.kind, estimate.minimum, estimate.maximum) == ("range", *expected)
    else:
        assert (estimate.kind, estimate.amount) == ("exact", expected)

    text = describe_rule(rule, declared=DECLARED)
    assert mentions in text
    if rule_upper_bound(rule) is not None:
        assert format_wan(rule_upper_bound(rule)) in text

    # Edited again: the form shows what it was given and gives the same rule back.
    again = rule_form_class(kind)(as_data(initial_from_rule(rule)), declared=DECLARED)
    assert again.is_valid(), again.errors
    assert again.to_rule() == rule


def test_the_form_says_what_validate_rule_says():
    form = rule_form_class("by_level")(
        {"input": "platform_level", "amounts": "county: 5"}, declared=DECLARED
    )
    assert not form.is_valid()
    assert form.non_field_errors() == validate_rule(
        {"kind": "by_level", "input": "platform_level", "amounts": {"county": 50000}},
        declared=DECLARED,
    )


def test_a_level_line_without_an_amount_is_refused():
    form = rule_form_class("by_level")({"input": "platform_level", "amounts": "national"})
    assert not form.is_valid()
    assert "amounts" in form.errors


def test_a_required_field_is_required():
    form = rule_form_class("rate")({"base": "contract_amount"})
    assert not form.is_valid()
    assert "rate" in form.errors


def test_the_facts_each_kind_reads():
    assert rule_reads(CASES[2][2]) == ["contract_amount"]
    assert rule_reads(CASES[1][2]) == ["platform_level"]
    assert rule_reads({"kind": "schedule", "steps": STEPS}) == ["support_year", "contract_amount"]
    assert rule_reads(CASES[11][2]) == ["premium_paid", "insured_amount", "support_year"]
    assert rule_reads({"kind": "fixed", "amount": 1}) == []


def seed_rules():
    facts = files.base_facts()
    found = []
    for path in files.document_files():
        document = files.load_yaml(path)
        own = {**facts, **{fact["key"]: fact for fact in document.get("facts") or []}}
        for measure in document.get("measures") or []:
            for item in measure.get("items") or []:
                declared = files.item_declared(item, own)
                for number, rule in enumerate(files.item_rules(item)):
                    params = {
                        k: v for k, v in rule.items() if k not in ("effective_from", "effective_to")
                    }
                    found.append((f"{path.stem}:{item.get('key')}:{number}", params, declared))
    return found


SEED_RULES = seed_rules()


def test_the_seed_documents_use_every_kind():
    assert {rule["kind"] for _, rule, _ in SEED_RULES} == set(RULE_KINDS)


@pytest.mark.parametrize(
    ("rule", "declared"), [case[1:] for case in SEED_RULES], ids=[c[0] for c in SEED_RULES]
)
def test_every_seed_rule_survives_the_editor(rule, declared):
    form = rule_form_class(rule["kind"])(as_data(initial_from_rule(rule)), declared=declared)
    assert form.is_valid(), form.errors
    edited = form.to_rule()
    assert set(edited) == set(rule)
    assert validate_rule(edited, declared=declared) == []
    assert describe_rule(edited, declared=declared) == describe_rule(rule, declared=declared)
    assert rule_upper_bound(edited) == rule_upper_bound(rule)
    assert rule_reads(edited) == rule_reads(rule)


def test_a_kind_missing_one_of_its_duties_cannot_be_registered():
    from incentives.rule_base import REGISTRY, RuleKind, register

    class Halfway(RuleKind):
        name = "halfway"
        label = "halfway"

        def check(self, rule, check):
            pass

        def evaluate(self, rule, facts, declared):
            raise AssertionError("never called")

    with pytest.raises(TypeError, match="describe"):
        register(Halfway)
    assert "halfway" not in REGISTRY


def test_a_schedule_is_edited_as_rows_of_years_not_json():
    form = rule_form_class("schedule")(
        {"step0_years": "2-4", "step0_kind": "range", "step0_amount": "20"}, declared=DECLARED
    )
    assert form.is_valid(), form.errors
    assert form.to_rule()["steps"] == [
        {"years": [2, 3, 4], "rule": {"kind": "range", "min": 200000}}
    ]
    assert all("json" not in type(f.field.widget).__name__.lower() for f in form.plain_fields)
    refused = rule_form_class("schedule")({"step0_years": "二至四", "step0_kind": "fixed"})
    assert not refused.is_valid()
    empty = rule_form_class("schedule")({})
    assert (not empty.is_valid() and "至少" in str(empty.errors)) or "at least" in str(empty.errors)
