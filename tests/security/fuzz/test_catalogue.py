"""Fuzzed forms of the public catalogue: its filters, the policy calculator page, and the API
calculator with arbitrary JSON."""

import json

from hypothesis import given
from hypothesis import strategies as st

from incentives.calculator import CalculatorForm
from incentives.forms import CatalogueFilterForm
from incentives.models import Fact
from organisations.models import Region
from tests.security.fuzz.helpers import (
    DATES,
    FUZZ,
    FUZZ_SETTINGS,
    RAW_QUERY,
    STATUSES,
    assert_says_why,
    draw_payload,
    plausible,
    rolled_back,
    send,
    web_client,
)


@FUZZ_SETTINGS
@given(data=st.data())
def test_catalogue_filters(db, data):
    base = plausible(CatalogueFilterForm())
    base["q"] = ["孵化器", "高新技术企业", ""]
    base["page"] = ["1", "2", "last"]
    with rolled_back():
        if data.draw(st.booleans()):
            query = {"QUERY_STRING": data.draw(RAW_QUERY)}
            response = send(web_client(), "catalogue", "get", "/policies/", **query)
        else:
            payload = draw_payload(data, base)
            response = send(web_client(), "catalogue", "get", "/policies/", data=payload)
        # Bad filter values are ignored; only a page number that is not there is a 404.
        assert response.status_code in (200, 400, 404)


@FUZZ_SETTINGS
@given(data=st.data())
def test_calculator_page(db, data):
    form = CalculatorForm()
    base = plausible(form)
    base["city"] = [str(pk) for pk in form.fields["city"].queryset.values_list("pk", flat=True)]
    with rolled_back():
        if data.draw(st.booleans()):
            query = {"QUERY_STRING": data.draw(RAW_QUERY)}
            response = send(web_client(), "calculator", "get", "/calculator/", **query)
        else:
            payload = draw_payload(data, base)
            response = send(web_client(), "calculator", "get", "/calculator/", data=payload)
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert_says_why(response, required=False)
            if response.context.get("groups") is not None:
                STATUSES["calculator", "200 with results"] += 1


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**20, -(10**20), 10**400, 2**63, -(2**63) - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    FUZZ,
)


JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def typed_fact_value(fact):
    """Mostly what the fact's type asks for, at its edges; sometimes anything at all."""
    edge_numbers = st.one_of(
        st.integers(min_value=-(10**16), max_value=10**16),
        st.sampled_from([0, -1, 10**15, 10**15 + 1, 0.005, 1e308, "1e309", "NaN", "-0", "1e15"]),
        st.decimals(min_value=-(10**15), max_value=10**15, places=4).map(str),
    )
    typed = {
        "bool": st.booleans(),
        "int": st.integers(min_value=-(10**20), max_value=10**20),
        "money": edge_numbers,
        "decimal": edge_numbers,
        "percent": edge_numbers,
        "date": DATES,
        "choice": st.sampled_from(sorted(fact.choices or {"none": ""})),
    }.get(fact.type, FUZZ)
    return st.sampled_from(["typed"] * 8 + ["none", "any"]).flatmap(
        lambda how: {"typed": typed, "none": st.none(), "any": JSON_SCALARS}[how]
    )


@FUZZ_SETTINGS
@given(data=st.data())
def test_api_calculator(db, data):
    declared = {fact.key: fact for fact in Fact.objects.all()}
    city = Region.objects.get(name="唐山市", level=Region.Level.CITY)
    how = data.draw(st.sampled_from(["anything", "shaped", "shaped", "shaped", "bytes"]))
    if how == "anything":
        body = json.dumps(data.draw(JSON))
    elif how == "bytes":
        body = data.draw(st.binary(max_size=100))
    else:
        request = {
            "city": data.draw(
                st.sampled_from(["唐山市", str(city.pk), "廊坊市", "酒泉市"])
                if data.draw(st.integers(0, 3))
                else st.one_of(FUZZ, JSON)
            ),
            "facts": data.draw(
                st.lists(st.sampled_from(sorted(declared)), max_size=5).flatmap(
                    lambda keys: st.fixed_dictionaries(
                        {key: typed_fact_value(declared[key]) for key in keys}
                    )
                )
                if data.draw(st.integers(0, 3))
                else st.one_of(st.dictionaries(st.sampled_from(sorted(declared)), JSON), JSON)
            ),
        }
        if data.draw(st.booleans()):
            request["date"] = data.draw(st.one_of(st.dates().map(str), DATES, JSON_SCALARS))
        body = json.dumps(request)
    with rolled_back():
        response = send(
            web_client(),
            "api_calculator",
            "post",
            "/api/v1/calculator/",
            allowed={200, 400},
            data=body,
            content_type="application/json",
        )
        if response.status_code == 400:
            said = response.json()
            assert said and json.dumps(said, ensure_ascii=False).strip('{}[]" '), said
