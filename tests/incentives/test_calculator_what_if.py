"""The policy calculator answers "how much if…": money typed in 万元, a claim's own figures (the
contract amount, the premium…) turn a formula into a figure, the result adds up the money that is
certain, ranges read as ranges, and whatever it reports as missing can be answered on the page."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from incentives import plans
from incentives.calculation import calculate, calculation_total
from incentives.calculator import CalculatorForm
from incentives.models import IncentiveItem
from incentives.rules import evaluate_rule, rule_in_effect
from organisations.models import Region
from portal import clock

pytestmark = pytest.mark.django_db

TECH_TRANSFER = "ts2019-tech-transfer-enterprise"  # 技术合同额的2%，最高100万元


@pytest.fixture
def tangshan():
    return Region.objects.get(name="唐山市")


def _page(client, params) -> str:
    with translation.override("zh-hans"):
        response = client.get(
            reverse("incentives:calculator"), params, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert response.status_code == 200
    return response.content.decode()


def _row(page: str, key: str) -> str:
    """One item's row of the result."""
    start = page.index(f'data-testid="row-{key}"')
    ends = [page.find(mark, start + 1) for mark in ('data-testid="row-', "</section>")]
    return page[start : min(end for end in ends if end > 0)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _transfer_figure(contract_yuan: Decimal) -> Decimal:
    """What the catalogue's own rule of the item gives for a contract (not a number copied from
    the document): the test follows the rule if an admin changes it."""
    plan = plans.plan_for(IncentiveItem.objects.get(key=TECH_TRANSFER))
    rule = rule_in_effect(plan.spec.rules, clock.today())
    assert rule["base"] == "contract_amount"
    return evaluate_rule(
        rule, {"contract_amount": contract_yuan}, declared=plan.spec.declared
    ).amount


def test_money_is_typed_in_wan_and_evaluated_in_yuan(tangshan):
    form = CalculatorForm(
        {
            "city": str(tangshan.pk),
            "revenue": "3,000",
            "rd_expense": "150.5万",
            "rd_expense_before": "100",
        }
    )
    assert form.is_valid(), form.errors
    facts = form.facts()
    assert facts["revenue"] == Decimal("30000000.00")
    assert facts["rd_expense"] == Decimal("1505000.00")
    assert facts["rd_expense_increase"] == Decimal("505000.00")
    with translation.override("en"):
        assert "(10,000 yuan)" in str(form.fields["revenue"].label)


def test_a_contract_of_3000_wan_gives_the_figure_of_the_rule(client, tangshan):
    expected = _transfer_figure(Decimal(30_000_000))
    assert expected == Decimal(600_000)  # 3,000万 × 2% = 60万, below the 100万 cap
    before = _page(client, {"city": tangshan.pk})
    assert 'data-testid="claim-missing"' in _row(before, TECH_TRANSFER)
    assert 'href="#id_claim_contract_amount"' in _row(before, TECH_TRANSFER)
    assert 'id="id_claim_contract_amount"' in before  # the question is on the page

    page = _page(client, {"city": tangshan.pk, "claim_contract_amount": "3000"})
    row = _text(_row(page, TECH_TRANSFER))
    assert "60万元" in row and "3,000万元 × 2% = 60万元" in row
    assert 'data-testid="claim-missing"' not in _row(page, TECH_TRANSFER)
    # Above the cap the cap applies.
    capped = _text(
        _row(_page(client, {"city": tangshan.pk, "claim_contract_amount": "8000"}), TECH_TRANSFER)
    )
    assert "100万元" in capped


def test_the_total_of_certain_money_is_the_sum_of_the_listed_exact_amounts(client, tangshan):
    params = {
        "city": tangshan.pk,
        "hitech": "new",
        "tech_sme": "provincial_new",
        "claim_contract_amount": "3000",
    }
    page = _page(client, params)
    eligible = page.split('data-testid="group-eligible"', 1)[1].split("</section>", 1)[0]
    shown = [
        Decimal(m.replace(",", "")) * 10000
        for m in re.findall(r'data-testid="estimate">([\d,.]+)万元</span>', eligible)
    ]
    certain = _text(page.split('data-testid="total-certain">', 1)[1].split("</span>", 1)[0])
    assert shown and Decimal(certain.strip().removesuffix("万元").replace(",", "")) * 10000 == sum(
        shown
    )
    assert "20万元" in eligible and "3万元" in eligible  # 高企 20万 + 省级科技型中小企业 3万
    # The service agrees with the page, and 60万 of the contract is counted as likely, not certain.
    form = CalculatorForm({k: str(v) for k, v in params.items()})
    assert form.is_valid()
    results = calculate(
        city=tangshan, facts=form.facts(), on=form.on, item_claims=form.item_claims()
    )
    total = calculation_total(results)
    assert total.certain == sum(shown)
    assert any(r.item.key == TECH_TRANSFER for r in total.likely_rows)
    assert 'data-testid="total-likely"' in page


@pytest.mark.parametrize("city", ["唐山市", "鹤壁市", "酒泉市", "廊坊市"])
def test_no_at_least_zero_anywhere_for_a_broad_query(client, city):
    region = Region.objects.get(name=city)
    page = _page(client, {"city": region.pk})
    assert "不低于0万元" not in page and "不低于0" not in page
    page = _page(client, {"city": region.pk, "hitech": "held", "is_above_scale": "true"})
    assert "不低于0" not in page


def test_a_range_the_document_leaves_open_reads_as_decided_in_review(client, tangshan):
    page = _page(client, {"city": tangshan.pk})
    row = _row(page, "ts2019-achievement-projects")
    assert 'data-testid="estimate"' in row and "不低于" not in row and "0万元" not in row
    team = _text(_row(page, "ts2019-team-tech"))
    assert "20万元–100万元" in team
    industry = _text(_row(page, "ts2019-team-industry"))
    assert "最高100万元" in industry


@pytest.mark.parametrize("city", ["唐山市", "鹤壁市"])
def test_every_missing_fact_has_a_field_on_the_page(client, city):
    region = Region.objects.get(name=city)
    page = _page(client, {"city": region.pk})
    form = CalculatorForm({"city": str(region.pk)})
    assert form.is_valid()
    results = calculate(city=region, facts=form.facts(), on=form.on)
    missing = {key for row in results if row.status == "missing_information" for key in row.missing}
    assert missing, "a broad query leaves something to answer"
    for key in missing:
        name = form.field_for(key=key)
        assert name, f"no field answers {key}"
        assert f'id="id_{name}"' in page and f'href="#id_{name}"' in page
    assert "完善企业信息" not in page and "enterprise/profile" not in page


def test_ownership_can_be_answered_and_then_is_no_longer_missing(client, tangshan):
    form = CalculatorForm({"city": str(tangshan.pk)})
    assert form.field_for(key="ownership") == "fact_ownership"
    before = _page(client, {"city": tangshan.pk})
    assert 'href="#id_fact_ownership"' in before and '<select name="fact_ownership"' in before
    after = _page(client, {"city": tangshan.pk, "fact_ownership": "state"})
    assert 'href="#id_fact_ownership"' not in after


def test_api_takes_claim_inputs_in_yuan(client):
    body = {"city": "唐山市", "facts": {}, "claims": {"contract_amount": 30000000}}
    response = client.post("/api/v1/calculator/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    rows = {row["item"]: row for row in response.json()}
    assert rows[TECH_TRANSFER]["estimate"]["kind"] == "exact"
    assert Decimal(rows[TECH_TRANSFER]["estimate"]["amount"]) == _transfer_figure(
        Decimal(30_000_000)
    )
    # One item's own inputs.
    body = {
        "city": "唐山市",
        "facts": {},
        "item_claims": {TECH_TRANSFER: {"contract_amount": "10000000"}},
    }
    rows = {
        r["item"]: r
        for r in client.post(
            "/api/v1/calculator/", json.dumps(body), content_type="application/json"
        ).json()
    }
    assert Decimal(rows[TECH_TRANSFER]["estimate"]["amount"]) == Decimal(200_000)
    schema = client.get("/api/schema/").content.decode()
    assert "item_claims" in schema and "money in yuan" in schema


@pytest.mark.parametrize(
    "body",
    [
        {"city": "唐山市", "facts": {}, "claims": {"contract_amount": -1}},
        {"city": "唐山市", "facts": {}, "claims": {"contract_amount": "lots"}},
        {"city": "唐山市", "facts": {}, "claims": {"contract_amount": 1e300}},
        {"city": "唐山市", "facts": {}, "claims": {"no_such_input": 1}},
        {"city": "唐山市", "facts": {}, "item_claims": {"nope": {"contract_amount": 1}}},
        {"city": "唐山市", "facts": {}, "item_claims": {TECH_TRANSFER: {"premium_paid": 1}}},
        {"city": "唐山市", "facts": {}, "item_claims": {TECH_TRANSFER: 5}},
        {"city": "唐山市", "facts": {}, "claims": []},
    ],
)
def test_api_refuses_bad_claim_inputs_with_400(client, body):
    response = client.post("/api/v1/calculator/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("claim_contract_amount", "-5"),
        ("claim_contract_amount", "1e30"),
        ("claim_contract_amount", "99999999999999"),
        ("claim_contract_amount", "三千万"),
        ("claim_contract_amount", "NaN"),
        ("revenue", "-1"),
        ("revenue", "Infinity"),
        ("claim_support_year", "-3"),
        ("claim_support_year", "10000000000000"),
        ("fact_ownership", "galactic"),
        ("claim_platform_level", "<script>"),
    ],
)
def test_hostile_input_gets_a_form_error_not_a_500(client, tangshan, field, value):
    page = _page(client, {"city": tangshan.pk, field: value})
    assert "is-invalid" in page and 'data-testid="total"' not in page


def test_the_first_set_premium_gives_a_figure_once_its_three_inputs_are_given(client, tangshan):
    key = "ts2019-first-set-insurance"  # 保费的80%，费率最高按3%计，最长3年
    form = CalculatorForm({"city": str(tangshan.pk)})
    names = {
        input_key: form.field_for(key=input_key, item_key=key)
        for input_key in ("premium_paid", "insured_amount", "support_year")
    }
    assert all(names.values()), names
    params = {"city": tangshan.pk, names["premium_paid"]: "40", names["insured_amount"]: "1000"}
    partly = _row(_page(client, params), key)
    assert 'data-testid="claim-missing"' in partly  # the year of support is still asked
    assert f'href="#id_{names["support_year"]}"' in partly
    page = _page(client, {**params, names["support_year"]: "3"})
    row = _row(page, key)
    # 40万 on 1,000万 insured is a 4% rate: only 3% counts, 80% of 30万 = 24万.
    assert "24万元" in _text(row.split('data-testid="estimate">', 1)[1].split("</span>", 1)[0])
    fourth = _row(_page(client, {**params, names["support_year"]: "4"}), key)
    assert 'data-testid="estimate"' not in fourth  # past the three years: not eligible
