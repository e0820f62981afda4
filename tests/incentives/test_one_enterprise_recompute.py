"""One enterprise in milliseconds (issue 17, part 4): the item plans come from the process's
catalogue, built once per catalogue version, and every kind of catalogue change is seen by the
next recompute; only the items that can serve the enterprise are evaluated; only the rows whose
verdict changed are written, in a bounded number of queries; the rows are the same as a
recompute from nothing. The same for one item against every enterprise (a rule change), and for
the calculator's reference data."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from incentives import caching, matching, plans
from incentives.models import (
    AwardRule,
    Condition,
    CrossItemLimit,
    IncentiveItem,
    Match,
)
from organisations.models import Region
from portal import clock
from tests import factories

ON = datetime.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def hitech(e, *, recognized_on=datetime.date(2026, 3, 1), recognition="new"):
    return factories.qualification(
        e,
        kind="hitech",
        recognition=recognition,
        recognized_on=recognized_on,
        expires_on=recognized_on.replace(year=recognized_on.year + 3),
    )


@pytest.fixture
def written(monkeypatch) -> list[tuple[int, int]]:
    """The (enterprise, item) rows each recompute writes (``computed_at`` cannot tell: it is
    the transaction's ``now()``, and a test is one transaction)."""
    rows: list[tuple[int, int]] = []
    upsert = matching._upsert

    def spy(entries, catalogue):
        rows.extend((e, i) for e, i, _ in entries)
        return upsert(entries, catalogue)

    monkeypatch.setattr(matching, "_upsert", spy)
    return rows


def in_force(e) -> list:
    """The plans serving the enterprise that store a row on ``ON``: those in force (an item out
    of force stores none; its verdict is derived when shown)."""
    return [plan for plan in plans.plans_for_enterprise(e) if not plan.out_of_force(ON)]


def stored(e) -> dict[str, tuple]:
    """The enterprise's rows: item key → the verdict's columns."""
    return {
        key: values
        for key, *values in Match.objects.filter(enterprise=e).values_list(
            "item__key", *matching.VERDICT_FIELDS
        )
    }


def from_nothing(e) -> dict[str, tuple]:
    """The rows a recompute from an empty table stores (then puts the rows back as they were
    computed: the caller compares)."""
    Match.objects.filter(enterprise=e).delete()
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    return stored(e)


# ---------------------------------------------------------------------------------------------
# Which items, how many queries, which rows
# ---------------------------------------------------------------------------------------------


def test_only_the_items_that_can_serve_the_enterprise_are_evaluated(monkeypatch):
    e = factories.enterprise(city="唐山市")
    hitech(e)
    evaluated = []
    evaluate = plans.ItemPlan.evaluate

    def spy(plan, facts, *, on):
        evaluated.append(plan)
        return evaluate(plan, facts, on=on)

    monkeypatch.setattr(plans.ItemPlan, "evaluate", spy)
    written = matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    serving = in_force(e)
    assert evaluated == serving and written == len(serving)
    assert all(plan.serves(e) for plan in evaluated)
    assert len(evaluated) < len(plans.plans())  # 廊坊's, 鹤壁's, 酒泉's items are not evaluated
    assert {p.item_id for p in evaluated} == set(
        Match.objects.filter(enterprise=e).values_list("item_id", flat=True)
    )


def test_one_enterprise_takes_a_bounded_number_of_queries(django_assert_max_num_queries):
    e = factories.enterprise(city="唐山市")
    hitech(e)
    factories.figures(e, 2025, revenue=30_000_000, rd_expense=1_500_000)
    plans.plans()  # this version's plans built, as in a worker that has run before
    # The profile (3), the version, the stored rows, the upsert, the limits (4) and the notices,
    # with the transaction's savepoints: the same for 10 items or 100.
    with django_assert_max_num_queries(16):
        matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    e.yearly_figures.update(revenue=40_000_000)
    with django_assert_max_num_queries(16):
        matching.enterprise_recompute(enterprise_id=e.pk, on=ON)


def test_nothing_changed_nothing_written_and_a_change_writes_only_its_rows(written):
    e = factories.enterprise(city="唐山市")
    hitech(e)
    factories.figures(e, 2025, revenue=30_000_000, rd_expense=1_500_000)
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert len(written) == len(in_force(e))  # every row, the first time
    before = stored(e)
    written.clear()
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert written == []  # not one row written again
    # A certificate renewed: only the rows whose verdict changed are written again.
    e.qualifications.update(recognition="renewal")
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    after = stored(e)
    changed = {key for key in after if after[key] != before[key]}
    assert changed and "ts2019-hitech-new" in changed
    keys = dict(IncentiveItem.objects.values_list("pk", "key"))
    assert {keys[item_id] for _, item_id in written} == changed
    # And what is stored is what a recompute from nothing stores.
    assert from_nothing(e) == after


def test_an_enterprise_that_moves_keeps_only_the_rows_of_its_new_city():
    e = factories.enterprise(city="唐山市")
    hitech(e)
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert Match.objects.filter(enterprise=e, item__key="ts2019-hitech-new").exists()
    e.city = Region.objects.get(name="廊坊市", level=Region.Level.CITY)
    e.district = None
    e.save()
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    kept = set(Match.objects.filter(enterprise=e).values_list("item_id", flat=True))
    assert kept == {plan.item_id for plan in in_force(e)}
    assert not Match.objects.filter(enterprise=e, item__key="ts2019-hitech-new").exists()
    rows = stored(e)
    assert from_nothing(e) == rows


# ---------------------------------------------------------------------------------------------
# Every kind of catalogue change is seen by the next recompute
# ---------------------------------------------------------------------------------------------


def test_a_rule_change_is_used_by_the_next_recompute():
    e = factories.enterprise(city="唐山市")
    hitech(e)
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    row = Match.objects.get(enterprise=e, item__key="ts2019-hitech-new")
    assert row.amount == Decimal(200000)
    version = caching.current_version()
    rule = AwardRule.objects.get(item__key="ts2019-hitech-new")
    rule.params = {**rule.params, "amount": 250000}
    rule.save()
    assert caching.current_version() != version
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    again = Match.objects.get(enterprise=e, item__key="ts2019-hitech-new")
    assert again.amount == Decimal(250000) and again.rule_version > row.rule_version


def test_a_condition_change_is_used_by_the_next_recompute():
    e = factories.enterprise(city="唐山市")
    hitech(e, recognition="renewal")
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert Match.objects.get(enterprise=e, item__key="ts2019-hitech-new").status == "not_eligible"
    condition = Condition.objects.get(
        item__key="ts2019-hitech-new", fact="hitech_certification_kind"
    )
    condition.op, condition.value = "in", ["new", "renewal"]
    condition.save()
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert Match.objects.get(enterprise=e, item__key="ts2019-hitech-new").status == "eligible"


def test_a_condition_written_in_bulk_is_seen_once_the_version_is_bumped():
    # The loader and the services write conditions with bulk_create (no signal) and bump the
    # version themselves (incentives/services.py): what they rely on.
    e = factories.enterprise(city="唐山市")
    hitech(e, recognition="renewal")
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    Condition.objects.filter(
        item__key="ts2019-hitech-new", fact="hitech_certification_kind"
    ).update(op="in", value=["new", "renewal"])
    caching.bump()
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert Match.objects.get(enterprise=e, item__key="ts2019-hitech-new").status == "eligible"


def test_an_item_edited_to_serve_institutions_only_loses_its_company_rows():
    e = factories.enterprise(city="唐山市")
    hitech(e)
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    item.beneficiary = "institution"
    item.save()  # as the admin saves it
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert not Match.objects.filter(enterprise=e, item=item).exists()
    assert item.pk not in {p.item_id for p in plans.plans_for_enterprise(e)}


def test_a_limit_that_crosses_items_is_seen_by_the_next_recompute():
    e = factories.enterprise(city="唐山市")
    hitech(e)
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert not Match.objects.get(enterprise=e, item__key="ts2019-hitech-new").excluded
    items = IncentiveItem.objects.filter(key__in=["ts2019-hitech-new", "ts2019-hitech-renewal"])
    limit = CrossItemLimit.objects.create(
        key="test-cap", document=items[0].measure.document, kind="yearly_cap",
        amount=Decimal(50000), note="测试年度上限",
    )  # fmt: skip
    limit.items.set(items)  # an m2m change: the plans' ``limited`` follows
    assert plans.plan_for(items.get(key="ts2019-hitech-new")).limited
    matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    row = Match.objects.get(enterprise=e, item__key="ts2019-hitech-new")
    assert row.limited_amount == Decimal(50000) and "测试年度上限" in row.limit_notes[0]


# ---------------------------------------------------------------------------------------------
# One item against every enterprise: a rule change
# ---------------------------------------------------------------------------------------------


def test_one_item_decides_identical_inputs_once_and_writes_only_changed_rows(monkeypatch, written):
    companies = [factories.enterprise(city="唐山市") for _ in range(6)]
    for e in companies[:4]:
        hitech(e)  # four with the same certificate: one verdict for the four
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    decided = []
    decide = matching.decide
    monkeypatch.setattr(matching, "decide", lambda *a, **k: decided.append(1) or decide(*a, **k))
    rows = matching.item_recompute(item_id=item.pk, on=ON)
    assert rows == len(companies) and len(decided) == 2  # the certified four, the other two
    # The same rows as one enterprise at a time.
    by_item = {e.pk: stored(e)["ts2019-hitech-new"] for e in companies}
    for e in companies:
        matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    assert {e.pk: stored(e)["ts2019-hitech-new"] for e in companies} == by_item
    # Nothing changed: nothing written.
    written.clear()
    matching.item_recompute(item_id=item.pk, on=ON)
    assert written == []
    # The rule changes: the eligible four get the new amount, every row the new version.
    rule = item.rules.get()
    rule.params = {**rule.params, "amount": 300000}
    rule.save()
    matching.item_recompute(item_id=item.pk, on=ON)
    assert sorted(written) == sorted((e.pk, item.pk) for e in companies)
    amounts = dict(Match.objects.filter(item=item).values_list("enterprise_id", "amount"))
    assert [amounts[e.pk] for e in companies[:4]] == [Decimal(300000)] * 4
    versions = set(Match.objects.filter(item=item).values_list("rule_version", flat=True))
    assert versions == {plans.plan_for(item).rule_version(rule)}


def test_one_item_removes_the_rows_of_enterprises_it_no_longer_serves():
    e = factories.enterprise(city="唐山市")
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    matching.item_recompute(item_id=item.pk, on=ON)
    assert Match.objects.filter(item=item, enterprise=e).exists()
    item.beneficiary = "institution"
    item.save()
    matching.item_recompute(item_id=item.pk, on=ON)
    assert not Match.objects.filter(item=item, enterprise=e).exists()


# ---------------------------------------------------------------------------------------------
# The calculator
# ---------------------------------------------------------------------------------------------


def calculator(client) -> dict:
    certified = (clock.today() - datetime.timedelta(days=30)).isoformat()
    facts = {"hitech_certification_kind": "new", "hitech_certified_on": certified}
    body = {"city": "唐山市", "facts": {**facts, "hitech_valid": True}}
    response = client.post("/api/v1/calculator/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return {row["item"]: row for row in response.json()}


def test_the_calculator_reads_the_catalogue_once_per_version(client, django_assert_max_num_queries):
    calculator(client)  # this version's plans and reference data built
    # Each query is the version’s one row (the request’s check, the calculation’s): no other table.
    with django_assert_max_num_queries(2):
        rows = calculator(client)
    assert rows["ts2019-hitech-new"]["estimate"]["amount"] == "200000"
    assert rows["ts2019-hitech-new"]["lead_bureaus"]


def test_the_calculator_sees_a_new_limit_at_once(client):
    before = calculator(client)["ts2019-hitech-new"]
    assert (before["status"], before["estimate"]["amount"]) == ("eligible", "200000")
    items = IncentiveItem.objects.filter(key__in=["ts2019-hitech-new", "ts2019-hitech-renewal"])
    limit = CrossItemLimit.objects.create(
        key="test-cap", document=items[0].measure.document, kind="yearly_cap",
        amount=Decimal(50000), note="测试年度上限",
    )  # fmt: skip
    limit.items.set(items)
    assert calculator(client)["ts2019-hitech-new"]["estimate"]["amount"] == "50000.00"
