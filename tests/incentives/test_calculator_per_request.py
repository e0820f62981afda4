"""Issue 17, part 4 leftovers: the calculator API's work per request. The catalogue's version is
read once (one query); what a row says of its item and its lead bureaus is built once per
version and gives the output the row's own item gives; an item not in force is decided without
its conditions, with the verdict ``evaluate_item`` gives; every edit is still seen at once."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from incentives import caching, calculation, plans
from incentives.api.serializers import CalculatorRequestSerializer, MatchResultSerializer
from incentives.engine import evaluate_item, in_force
from organisations.models import Bureau, Region

pytestmark = pytest.mark.django_db
URL = "/api/v1/calculator/"


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def body(**facts) -> dict:
    certified = datetime.date(2026, 5, 1).isoformat()
    base = {"hitech_valid": True, "hitech_certification_kind": "new"}
    base |= {"hitech_certified_on": certified, "revenue": 30_000_000, "rd_expense": 1_500_000}
    return {"city": "唐山市", "facts": {**base, **facts}, "date": "2026-06-30"}


def post(client, payload: dict):
    response = client.post(URL, payload, content_type="application/json")
    assert response.status_code == 200, response.content
    return response


def test_one_query_a_request_once_the_version_is_built(client, django_assert_max_num_queries):
    post(client, body())  # this version's plans, reference and rows' heads built
    with django_assert_max_num_queries(1):
        post(client, body(scale="small"))


def test_the_rows_heads_give_what_each_rows_own_item_gives(client):
    """The API's output, byte for byte, against the serializer fed the same results without
    the heads (every field read from the row's item, the lead bureaus from its annex lines)."""
    payload = body(scale="small", employees=120)
    answer = post(client, payload).content
    request = CalculatorRequestSerializer(data=payload)
    request.is_valid(raise_exception=True)
    given = request.validated_data
    results = calculation.calculate(
        city=given["city"],
        facts={"city": given["city"].name, **given["facts"]},
        on=given["date"],
        claims=given["claims"],
        item_claims=given["item_claims"],
    )
    assert answer == JSONRenderer().render(MatchResultSerializer(results, many=True).data)
    assert any(row["lead_bureaus"] for row in json.loads(answer))


def test_a_bureau_renamed_is_in_the_next_answer(client):
    before = json.loads(post(client, body()).content)
    led = next(row for row in before if row["lead_bureaus"])
    bureau = Bureau.objects.get(pk=led["lead_bureaus"][0]["id"])
    bureau.name = bureau.name + "（新名）"
    bureau.save()
    after = {row["item"]: row for row in json.loads(post(client, body()).content)}
    assert after[led["item"]]["lead_bureaus"][0]["name"] == bureau.name


def test_the_version_is_read_once_and_passed_on(monkeypatch, client):
    post(client, body())
    reads = []
    read = caching.current_version

    def spy():
        reads.append(1)
        return read()

    monkeypatch.setattr(caching, "current_version", spy)
    post(client, body())
    assert len(reads) == 1


@pytest.mark.parametrize("on", [datetime.date(2018, 1, 1), datetime.date(2026, 6, 30)])
def test_items_not_in_force_have_the_verdict_evaluate_item_gives(on):
    city = Region.objects.get(name="唐山市")
    facts = {"city": city.name, "hitech_valid": True, "scale": "small"}
    results = {r.item.key: r for r in calculation.calculate(city=city, facts=facts, on=on)}
    listed = plans.catalogue().serving(city_id=city.pk, kind=plans.COMPANY)
    assert set(results) == {plan.key for plan in listed}
    not_in_force = 0
    for plan in listed:
        verdict = evaluate_item(plan.spec, facts, on=on, claim_keys=plan.claim_keys)
        row = results[plan.key]
        assert (row.status, row.reasons, row.missing, row.failed) == (
            verdict.verdict,
            verdict.reasons,
            verdict.missing,
            verdict.failed,
        ), plan.key
        not_in_force += in_force(plan.spec, on) is not None
    if on.year == 2018:
        assert not_in_force > 0  # the 2019 documents are not in force yet


RICH = [
    {},
    {"city": "唐山市", "hitech_valid": True, "scale": "small", "revenue": Decimal(30_000_000)},
    {
        "city": "唐山市", "hitech_valid": True, "hitech_certification_kind": "new",
        "hitech_certified_on": datetime.date(2026, 5, 1), "revenue": Decimal(30_000_000),
        "rd_expense": Decimal(1_500_000), "employees": 120, "scale": "small",
        "tech_sme_level": "provincial", "key_lab_level": "provincial", "support_year": 2,
        "contract_amount": Decimal(30_000_000), "premium_paid": Decimal(100_000),
    },
]  # fmt: skip


@pytest.mark.parametrize("facts", RICH)
def test_an_item_reads_only_the_facts_of_its_plan(facts):
    """What lets the calculator decide once an item that reads none of the facts given: an
    item's verdict depends on the facts of its plan's ``facts_read`` only (the SQL path gives
    it no others)."""
    on = datetime.date(2026, 6, 30)
    for plan in plans.catalogue().by_id.values():
        read = {k: v for k, v in facts.items() if k in plan.facts_read}
        for left in (plan.claim_keys, frozenset()):
            whole = evaluate_item(plan.spec, facts, on=on, claim_keys=left)
            own = evaluate_item(plan.spec, read, on=on, claim_keys=left)
            assert whole == own, plan.key


@pytest.mark.parametrize("facts", RICH)
def test_items_decided_once_give_what_the_engine_gives_each_time(facts):
    city = Region.objects.get(name="唐山市")
    on = datetime.date(2026, 6, 30)
    listed = plans.catalogue().serving(city_id=city.pk, kind=plans.COMPANY)
    for _ in range(2):  # the second time from what the first decided
        results = calculation.calculate(city=city, facts=facts, on=on)
        assert [r.item.key for r in results] == [p.key for p in listed]
        for plan, row in zip(listed, results, strict=True):
            verdict = evaluate_item(plan.spec, facts, on=on, claim_keys=plan.claim_keys)
            estimate = verdict.estimate
            assert (row.status, row.reasons, row.missing, row.failed) == (
                verdict.verdict, verdict.reasons, verdict.missing, verdict.failed,
            ), plan.key  # fmt: skip
            assert (row.estimate_kind, row.amount, row.breakdown) == (
                (estimate.kind, estimate.amount, estimate.breakdown) if estimate else ("", None, "")
            ), plan.key
    decided_once = calculation.reference().constant
    assert any(key[1] == on for key in decided_once)


def test_a_verdict_decided_once_is_per_language(client):
    payload = body()
    chinese = {row["item"]: row for row in json.loads(post(client, payload).content)}
    client.cookies["django_language"] = "en"
    english = {row["item"]: row for row in json.loads(post(client, payload).content)}
    differs = [k for k in chinese if chinese[k]["reasons"] != english[k]["reasons"]]
    assert differs  # the words follow the request's language, not the first request's


def test_a_row_changed_by_the_caller_does_not_change_the_next_answer():
    city = Region.objects.get(name="唐山市")
    on = datetime.date(2026, 6, 30)
    first = calculation.calculate(city=city, facts={}, on=on)
    for row in first:
        row.reasons.append("changed by the page")
        row.missing.clear()
    again = calculation.calculate(city=city, facts={}, on=on)
    assert not any("changed by the page" in row.reasons for row in again)
