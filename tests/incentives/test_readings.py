"""The catalogue's money readings (issue 12 §7), checked on the data files themselves: what the
documents leave open is recorded as open, and a reading that crosses items (limits) gives what
the clause says. Item-by-item readings are guarded by each item's golden cases; the cases here
need several items at once or the whole catalogue."""

import dataclasses
import datetime
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
