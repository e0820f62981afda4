"""Bureau performance and money, computed by the snapshot task from cases with known dates and
amounts, checked against figures worked out by hand."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from applications.models import State
from dashboard import selectors, services
from dashboard.models import Snapshot
from organisations.models import Bureau, Region

pytestmark = pytest.mark.django_db
ON = datetime.date(2026, 11, 22)
D = datetime.date


@pytest.fixture
def cases(make_enterprise, make_case, tangshan, district, other_district, budget):
    a_firm = make_enterprise(city=tangshan, district=district)
    b_firm = make_enterprise(city=tangshan, district=other_district)
    langfang_firm = make_enterprise(city=Region.objects.get(name="廊坊市"))
    return {
        # Paid: 10 working days from submission (Mon 2 March) to decision (Mon 16 March).
        "a": make_case(
            enterprise=a_firm,
            state=State.DISBURSED,
            submitted=D(2026, 3, 2),
            decided=D(2026, 3, 16),
            paid=D(2026, 4, 1),
            deadline=D(2026, 5, 1),
            amount=200_000,
        ),
        # Rejected after 8 working days (Tue 10 March → Fri 20 March).
        "b": make_case(
            enterprise=a_firm,
            item_key="ts2019-hitech-renewal",
            state=State.REJECTED,
            submitted=D(2026, 3, 10),
            decided=D(2026, 3, 20),
        ),
        # Still open, its payment deadline passed: overdue; led by two bureaus.
        "c": make_case(
            enterprise=b_firm,
            state=State.ACCEPTED,
            submitted=D(2026, 5, 11),
            deadline=D(2026, 6, 1),
            bureaus=("市科学技术局", "市财政局"),
        ),
        # Submitted and approved last year, paid this January: money paid in 2026 only.
        "d": make_case(
            enterprise=b_firm,
            item_key="ts2019-hitech-renewal",
            state=State.DISBURSED,
            submitted=D(2025, 11, 3),
            decided=D(2025, 12, 1),
            paid=D(2026, 1, 10),
            deadline=D(2026, 3, 1),
            amount=150_000,
        ),
        "e": make_case(
            enterprise=a_firm,
            state=State.WITHDRAWN,
            submitted=D(2026, 6, 1),
            item_key="ts2019-hitech-renewal",
        ),
        # Another city, no lead bureau in 唐山.
        "f": make_case(
            enterprise=langfang_firm, state=State.SUBMITTED, submitted=D(2026, 7, 1), bureaus=()
        ),
    }


def snapshot(city=None):
    requested = services.snapshot_request(year=2026, city=city, by=None)
    done = services.snapshot_compute(snapshot_id=requested.pk, on=ON)
    assert done.status == Snapshot.Status.DONE
    return done


def test_performance_by_bureau_month_and_item(cases):
    data = snapshot().data
    table = selectors.performance(data)
    assert table["total"] == {
        "received": 5,  # a, b, c, e, f (d was received in 2025)
        "decided": 2,
        "open": 2,  # c, f
        "overdue": 1,  # c
        "median_days": 9.0,  # median of 10 and 8 working days
    }
    by_bureau = {row["name"]: row for row in table["by_bureau"]}
    assert by_bureau["市科学技术局"]["received"] == 4
    assert by_bureau["市财政局"]["received"] == 1  # c counts for each of its two bureaus
    assert by_bureau["市财政局"]["overdue"] == 1
    assert by_bureau["—"]["received"] == 1
    by_month = {row["key"]: row["received"] for row in table["by_month"]}
    assert by_month == {"2026-03": 2, "2026-05": 1, "2026-06": 1, "2026-07": 1}
    by_item = {row["name"]: row for row in table["by_item"]}
    assert by_item["新认定高新技术企业奖励"]["received"] == 3  # a, c and f
    assert by_item["高新技术企业复审奖励"]["received"] == 2  # b and e


def test_money_by_item_district_funding_month_and_budget(cases):
    data = snapshot().data
    money = selectors.money(data)
    assert money["total"]["approved"] == Decimal(200_000)
    assert money["total"]["paid"] == Decimal(350_000)  # a in April, d in January
    assert (money["total"]["approved_cases"], money["total"]["paid_cases"]) == (1, 2)
    by_district = {row["name"]: (row["approved"], row["paid"]) for row in money["by_district"]}
    assert by_district == {
        "路北区": (Decimal(200_000), Decimal(200_000)),
        "路南区": (Decimal(0), Decimal(150_000)),
    }
    by_month = {row["key"]: (row["approved"], row["paid"]) for row in money["by_month"]}
    assert by_month == {
        "2026-01": (0, Decimal(150_000)),
        "2026-03": (Decimal(200_000), 0),
        "2026-04": (0, Decimal(200_000)),
    }
    assert [(row["key"], row["approved"]) for row in money["by_funding"]] == [
        ("city", Decimal(200_000))
    ]
    with translation.override("zh-hans"):
        assert [row["name"] for row in selectors.money(data)["by_funding"]] == ["市级资金"]
    [budget] = money["budgets"]
    assert (budget["total"], budget["used"], budget["left"], budget["percent"]) == (
        Decimal(1_000_000),
        Decimal(200_000),
        Decimal(800_000),
        20,
    )


def test_filters_by_city_and_by_bureau(cases, tangshan):
    assert selectors.performance(snapshot(city=tangshan).data)["total"]["received"] == 4
    data = snapshot().data
    finance = Bureau.objects.get(city=tangshan, name="市财政局")
    table = selectors.performance(data, bureau_id=finance.pk)
    assert table["total"]["received"] == 1
    assert [row["name"] for row in table["by_bureau"]] == ["市财政局"]
    assert selectors.money(data, bureau_id=finance.pk)["total"]["paid"] == 0


def test_the_snapshot_reports_progress_and_a_second_request_reuses_a_waiting_one(cases):
    first = services.snapshot_request(year=2026, city=None, by=None)
    again = services.snapshot_request(year=2026, city=None, by=None)
    # In the tests the task runs at once (eager), so the first one is already done.
    first.refresh_from_db()
    assert first.status == Snapshot.Status.DONE
    assert first.done == first.total == 6 + 1  # cases of the year (a–f) and the budgets step
    assert again.pk != first.pk or again.status == Snapshot.Status.DONE


def test_a_failing_snapshot_is_marked_failed_with_the_error(cases, monkeypatch):
    from dashboard import aggregates

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(aggregates, "compute", broken)
    snap = Snapshot.objects.create(year=2026)
    with pytest.raises(RuntimeError):
        services.snapshot_compute(snapshot_id=snap.pk)
    snap.refresh_from_db()
    assert snap.status == Snapshot.Status.FAILED
    assert "database went away" in snap.error
