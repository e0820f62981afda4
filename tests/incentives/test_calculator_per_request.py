"""Issue 17, part 4 leftovers: the calculator API's work per request. The catalogue's version is
read once (one query); what a row says of its item and its lead bureaus is built once per
version and gives the output the row's own item gives; an item not in force is decided without
its conditions, with the verdict ``evaluate_item`` gives; every edit is still seen at once."""

import datetime
import json

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
