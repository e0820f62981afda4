"""Issue 17, part 4 leftovers: after a catalogue change only the plans of the items whose rows
changed are built again (``plans._rebuild``); the others are the previous version's plans, the
same objects. A change to what every plan reads (facts, regions, bureaus) rebuilds them all. A
partial rebuild gives the catalogue a full rebuild gives. One item's stored rows read grouped
are the rows read one by one."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import translation

from incentives import matching, plans
from incentives.models import (
    Assignment,
    AwardRule,
    Condition,
    CrossItemLimit,
    Fact,
    IncentiveItem,
    Match,
)
from organisations.models import Bureau, Region
from tests import factories

ON = datetime.date(2026, 6, 30)
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the digests are PostgreSQL's (row::text)"
    ),
]


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def built(monkeypatch) -> list[list[int] | None]:
    """The item ids each build of plans asked for (None: every item)."""
    calls: list[list[int] | None] = []
    items = plans._items

    def spy(ids=None):
        calls.append(None if ids is None else sorted(ids))
        return items(ids)

    monkeypatch.setattr(plans, "_items", spy)
    return calls


def pk(key: str) -> int:
    return IncentiveItem.objects.get(key=key).pk


def same_plans(a: plans.Catalogue, b: plans.Catalogue) -> set[int]:
    """The item ids whose plan is the same object in both catalogues."""
    return {i for i, plan in a.by_id.items() if b.by_id.get(i) is plan}


def summary(catalogue: plans.Catalogue) -> dict:
    """What a catalogue says, plan by plan, in its order (not which objects hold it)."""
    return {
        "order": list(catalogue.by_id),
        "scopes": {k: [p.item_id for p in v] for k, v in catalogue.by_scope.items()},
        "plans": [
            (
                p.item_id,
                p.key,
                p.item.name,
                p.region.pk,
                p.city_ids,
                p.served_kinds,
                repr(p.spec),
                p.claim_keys,
                p.facts_read,
                [r.pk for r in p.award_rules],
                dict(p.rule_versions),
                p.limited,
                [b.pk for b in plans.selectors.item_bureaus(p.item, "lead")],
            )
            for p in catalogue.by_id.values()
        ],
    }


def fresh() -> plans.Catalogue:
    return plans._build(plans._items())


def test_a_rule_edit_rebuilds_that_items_plan_and_reuses_every_other(built):
    before = plans.catalogue()
    edited = pk("ts2019-hitech-new")
    rule = AwardRule.objects.get(item_id=edited)
    rule.params = {**rule.params, "amount": 250000}
    rule.save()
    built.clear()
    after = plans.catalogue()
    assert built == [[edited]]
    assert after.by_id[edited] is not before.by_id[edited]
    assert after.by_id[edited].spec.rules[0]["amount"] == 250000
    assert after.by_id[edited].rule_versions[rule.pk] > before.by_id[edited].rule_versions[rule.pk]
    assert same_plans(before, after) == set(before.by_id) - {edited}
    assert summary(after) == summary(fresh())


def test_a_rule_saved_unchanged_is_a_new_version_of_that_plan(built):
    """The rule version a match names is the rule's latest history row: saving the rule as it
    is makes one, and the plan must name it."""
    before = plans.catalogue()
    rule = AwardRule.objects.get(item__key="ts2019-hitech-new")
    rule.save()
    built.clear()
    after = plans.catalogue()
    assert built == [[rule.item_id]]
    assert after.by_id[rule.item_id].rule_version(rule) > before.by_id[rule.item_id].rule_version(
        rule
    )


def test_a_new_version_with_the_same_rows_reuses_every_plan(built):
    before = plans.catalogue()
    IncentiveItem.objects.get(key="ts2019-hitech-new").save()  # a new version, the same rows
    Condition.objects.filter(item__key="ts2019-hitech-renewal").first().save()
    built.clear()
    after = plans.catalogue()
    assert built == []
    assert same_plans(before, after) == set(before.by_id)


def test_a_condition_or_an_item_field_rebuilds_only_that_item(built):
    before = plans.catalogue()
    other = IncentiveItem.objects.get(key="ts2019-hitech-new")
    other.name = other.name + "（改）"
    other.save()
    built.clear()
    after = plans.catalogue()
    assert built == [[other.pk]]
    assert after.by_id[other.pk].name.endswith("（改）")
    assert same_plans(before, after) == set(before.by_id) - {other.pk}
    condition = Condition.objects.filter(item__key="ts2019-hitech-renewal").first()
    condition.position += 1
    condition.save()
    built.clear()
    again = plans.catalogue()
    assert built == [[condition.item_id]]
    assert same_plans(after, again) == set(after.by_id) - {condition.item_id}
    assert summary(again) == summary(fresh())


def test_several_items_edited_at_once_are_rebuilt_together(built):
    before = plans.catalogue()
    keys = ["ts2019-hitech-new", "ts2019-hitech-renewal", "ts2019-team-basic"]
    for item in IncentiveItem.objects.filter(key__in=keys):
        item.checklist = [*item.checklist, "新增的核查要点"]
        item.save()
    built.clear()
    after = plans.catalogue()
    assert built == [sorted(pk(k) for k in keys)]
    assert all(after.by_id[pk(k)].spec.checklist[-1] == "新增的核查要点" for k in keys)
    assert same_plans(before, after) == set(before.by_id) - {pk(k) for k in keys}
    assert summary(after) == summary(fresh())


def test_a_document_change_rebuilds_the_items_of_that_document(built):
    before = plans.catalogue()
    document = IncentiveItem.objects.get(key="ts2019-hitech-new").measure.document
    document.status = "repealed"
    document.save()
    built.clear()
    after = plans.catalogue()
    of_document = set(
        IncentiveItem.objects.filter(measure__document=document).values_list("pk", flat=True)
    )
    assert built == [sorted(of_document)]
    assert all(after.by_id[i].spec.document_status == "repealed" for i in of_document)
    assert same_plans(before, after) == set(before.by_id) - of_document
    assert summary(after) == summary(fresh())


def test_a_limit_that_names_an_item_rebuilds_it_and_its_amount_rebuilds_nothing(built):
    before = plans.catalogue()
    items = IncentiveItem.objects.filter(key__in=["ts2019-hitech-new", "ts2019-hitech-renewal"])
    named = {i.pk for i in items}
    assert not any(before.by_id[i].limited for i in named)
    limit = CrossItemLimit.objects.create(
        key="test-rebuild-cap", document=items[0].measure.document, kind="yearly_cap",
        amount=Decimal(50000), note="测试年度上限",
    )  # fmt: skip
    limit.items.set(items)
    built.clear()
    after = plans.catalogue()
    assert built == [sorted(named)]
    assert all(after.by_id[i].limited for i in named)
    assert same_plans(before, after) == set(before.by_id) - named
    limit.amount = Decimal(60000)  # the limits' amounts are the limits', not the plans'
    limit.save()
    built.clear()
    again = plans.catalogue()
    assert built == []
    assert same_plans(after, again) == set(after.by_id)
    limit.items.remove(items[0])
    built.clear()
    plans.catalogue()
    assert built == [[items[0].pk]]
    assert not plans.catalogue().by_id[items[0].pk].limited


def test_an_annex_line_of_a_measure_rebuilds_the_items_of_that_measure(built):
    before = plans.catalogue()
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    bureau = Bureau.objects.filter(city=item.measure.document.region).exclude(
        pk__in=Assignment.objects.filter(measure=item.measure).values("bureau_id")
    )[0]
    Assignment.objects.create(
        measure=item.measure, item=None, bureau=bureau, role="lead", position=99
    )
    built.clear()
    after = plans.catalogue()
    of_measure = set(item.measure.items.values_list("pk", flat=True))
    assert built == [sorted(of_measure)]
    assert same_plans(before, after) == set(before.by_id) - of_measure
    assert summary(after) == summary(fresh())


@pytest.mark.parametrize("change", ["region", "fact", "bureau"])
def test_a_change_every_plan_reads_rebuilds_them_all(built, change):
    before = plans.catalogue()
    if change == "region":
        city = Region.objects.get(name="唐山市")
        city.name = "唐山市（改）"
        city.save()
    elif change == "fact":
        fact = Fact.objects.get(key="revenue")
        fact.label = fact.label + "（改）"
        fact.save()
    else:
        bureau = Bureau.objects.filter(city__name="唐山市").first()
        bureau.name = bureau.name + "（改）"
        bureau.save()
    built.clear()
    after = plans.catalogue()
    assert built == [None]
    assert same_plans(before, after) == set()
    assert summary(after) == summary(fresh())


def test_a_new_item_and_a_deleted_item(built):
    before = plans.catalogue()
    gone = IncentiveItem.objects.get(key="ts2019-hitech-renewal").pk
    template = IncentiveItem.objects.get(key="ts2019-hitech-new")
    IncentiveItem.objects.get(pk=gone).delete()
    template.pk, template.key, template.position = None, "test-rebuild-new", 999
    template.save()
    built.clear()
    after = plans.catalogue()
    assert built == [[template.pk]]
    assert gone in before.by_id and gone not in after.by_id
    assert template.pk in after.by_id and after.by_id[template.pk].key == "test-rebuild-new"
    assert len(after.by_id) == len(before.by_id)
    assert summary(after) == summary(fresh())


def test_a_rolled_back_edit_leaves_no_plan_behind(built):
    """An edit seen inside a transaction that is then rolled back: the next version's digests
    are the rows as they are, so the edited item is rebuilt again from its old rows."""
    before = plans.catalogue()
    edited = pk("ts2019-hitech-new")
    try:
        with transaction.atomic():
            rule = AwardRule.objects.get(item_id=edited)
            rule.params = {**rule.params, "amount": 990000}
            rule.save()
            assert plans.catalogue().by_id[edited].spec.rules[0]["amount"] == 990000
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    built.clear()
    after = plans.catalogue()
    assert (
        after.by_id[edited].spec.rules[0]["amount"] == before.by_id[edited].spec.rules[0]["amount"]
    )
    assert summary(after) == summary(fresh())


# ---------------------------------------------------------------------------------------------
# One item's stored rows, read grouped
# ---------------------------------------------------------------------------------------------


def test_one_items_rows_read_grouped_are_the_rows_read_one_by_one():
    companies = [factories.enterprise(city="唐山市") for _ in range(4)]
    factories.qualification(
        companies[0], kind="hitech", recognition="new", recognized_on=datetime.date(2026, 3, 1),
        expires_on=datetime.date(2029, 3, 1),
    )  # fmt: skip
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    matching.item_recompute(item_id=item.pk, on=ON, email=False)
    assert Match.objects.filter(item=item).count() >= 4
    grouped = matching._stored_verdicts(item_id=item.pk)
    one_by_one = {
        (row[0], row[1]): tuple(matching._same(value) for value in row[2:])
        for row in Match.objects.filter(item=item).values_list(
            "enterprise_id", "item_id", *matching.VERDICT_FIELDS
        )
    }
    assert grouped == one_by_one
    # Equal verdicts are one tuple (the recompute compares each pair of tuples once).
    distinct = {repr(v): id(v) for v in grouped.values()}
    assert {id(v) for v in grouped.values()} == set(distinct.values())
    assert len(distinct) >= 2  # the certified company and the others


def test_a_rule_change_rewrites_every_row_of_the_item_and_nothing_else():
    companies = [factories.enterprise(city="唐山市") for _ in range(3)]
    item = IncentiveItem.objects.get(key="ts2019-team-basic")
    matching.item_recompute(item_id=item.pk, on=ON, email=False)
    rows = {m.enterprise_id: m for m in Match.objects.filter(item=item)}
    assert {c.pk for c in companies} <= set(rows)
    rule = AwardRule.objects.filter(item=item).order_by("pk").first()
    rule.params = {**rule.params, "amount": str(Decimal(str(rule.params["amount"])) * 2)}
    rule.save()
    matching.item_recompute(item_id=item.pk, on=ON, email=False)
    again = {m.enterprise_id: m for m in Match.objects.filter(item=item)}
    assert set(again) == set(rows)
    for enterprise_id, row in again.items():
        assert row.rule_version > rows[enterprise_id].rule_version
        assert row.amount == rows[enterprise_id].amount * 2 or row.amount is None
