"""Limits that cross items: keep the highest of an exclusive group; yearly and total caps count
what was already granted."""

from decimal import Decimal

import pytest
from django.utils import translation

from incentives.limits import LimitSpec, apply_limits
from incentives.rules import Estimate


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def exact(amount):
    return Estimate("exact", amount=Decimal(amount), lines=[f"{amount}"])


def test_exclusive_group_keeps_the_highest_award():
    limit = LimitSpec("no-double", "exclusive", ("a", "b", "c"), note="同一场地不重复奖励")
    outcome = apply_limits({"a": exact(100000), "b": exact(300000), "x": exact(5)}, [limit])
    assert set(outcome.estimates) == {"b", "x"}
    assert "同一场地不重复奖励" in outcome.excluded["a"]


def test_yearly_cap_counts_what_was_granted_this_year():
    limit = LimitSpec(
        "patent-cap", "yearly_cap", ("p1", "p2"), amount=Decimal(100000), note="专利年度上限"
    )
    outcome = apply_limits(
        {"p1": exact(80000), "p2": exact(30000)},
        [limit],
        granted_this_year={"p1": Decimal(0), "p2": Decimal(10000)},
    )
    # 10万 cap, 1万 already granted: 8万 to the larger, 1万 left for the other.
    assert outcome.estimates["p1"].amount == Decimal(80000)
    assert outcome.estimates["p2"].amount == Decimal(10000)
    assert outcome.estimates["p2"].cap_applied
    assert "已获" in outcome.estimates["p2"].breakdown


def test_a_cap_already_used_up_leaves_nothing():
    limit = LimitSpec("cap", "yearly_cap", ("p1",), amount=Decimal(100000))
    outcome = apply_limits({"p1": exact(50000)}, [limit], granted_this_year={"p1": Decimal(100000)})
    assert outcome.estimates["p1"].amount == 0


def test_total_cap_across_funding_levels_trims_a_range():
    limit = LimitSpec("total", "total_cap", ("city", "prov"), amount=Decimal(10_000_000))
    ranged = Estimate("range", minimum=Decimal(0), maximum=Decimal(2_000_000))
    outcome = apply_limits({"city": ranged}, [limit], granted_total={"prov": Decimal(9_000_000)})
    assert outcome.estimates["city"].maximum == Decimal(1_000_000)


def test_limits_never_raise_an_amount_or_go_below_zero():
    limit = LimitSpec("cap", "yearly_cap", ("a", "b"), amount=Decimal(500))
    outcome = apply_limits({"a": exact(100), "b": exact(200)}, [limit])
    assert [outcome.estimates[k].amount for k in ("a", "b")] == [Decimal(100), Decimal(200)]
