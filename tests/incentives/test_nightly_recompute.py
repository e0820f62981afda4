"""The nightly recompute on a new day (issue 17): the date is no input of its own. A night
rewrites exactly the rows whose verdict the date changes — a validity date passing, a "within
365 days" condition crossing its boundary, a certificate expiring, the year of the figures
turning — and every stored row equals a full evaluation on that date."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from enterprises import schema as profile_schema
from incentives import facts as fact_readers
from incentives import matching, matching_bulk, shown
from incentives import plans as item_plans
from incentives.models import CrossItemLimit, Grant, IncentiveItem, Match
from portal import clock
from tests import factories

D = datetime.date(2026, 6, 30)
DAY = datetime.timedelta(days=1)
# COPY, arrays and ON CONFLICT … EXCLUDED: the bulk path is PostgreSQL's.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
# A stored row's verdict: every column the run writes but ``as_of`` (the day it was decided).
VERDICT = [
    "status", "estimate_kind", "amount", "minimum", "maximum", "breakdown", "reasons",
    "missing", "failed", "rule_id", "rule_version",
]  # fmt: skip
NEW_HITECH = "ts2019-hitech-new"  # 20万 for a 高企 recognised within 365 days


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def today(monkeypatch):
    """The portal's date, moved by the test (``portal.clock``)."""
    day = {"on": D}
    monkeypatch.setattr(clock, "today", lambda: day["on"])
    return day


def company(*, hitech_on=None, expires_on=None, revenue=30_000_000, city="唐山市", **profile):
    e = factories.enterprise(city=city, employees=50, **profile)
    if hitech_on is not None:
        factories.qualification(
            e,
            kind="hitech",
            recognition="new",
            recognized_on=hitech_on,
            expires_on=expires_on or hitech_on + datetime.timedelta(days=3 * 365),
        )
    factories.figures(e, 2025, revenue=Decimal(revenue), rd_expense=Decimal(revenue) / 20)
    return e


def expected(enterprises, on, *, derived: bool = False) -> dict:
    """Every row a full evaluation on the date gives (the engine, through the items' plans):
    the rows stored — or, with ``derived``, every verdict shown, the items out of force too."""
    rows = {}
    for e in enterprises:
        e.refresh_from_db()
        facts = fact_readers.profile_facts(fact_readers.Profile.of(e), on)
        for plan in item_plans.plans_for_enterprise(e):
            if plan.out_of_force(on) and not derived:
                continue  # derived from the item when shown, never stored
            fields = plan.match_fields(plan.evaluate(facts, on=on), on=on)
            rows[(e.pk, plan.item_id)] = tuple(fields[f] for f in VERDICT)
    return rows


def shown_rows(enterprises, on) -> dict:
    """What 我的政策 shows each enterprise on the date, stored or derived."""
    return {
        (e.pk, m.item_id): tuple(getattr(m, f) for f in VERDICT)
        for e in enterprises
        for m in shown.enterprise_matches(enterprise=e, on=on)
    }


def stored(enterprises) -> dict:
    return {
        (m["enterprise_id"], m["item_id"]): tuple(m[f] for f in VERDICT)
        for m in Match.objects.filter(enterprise__in=enterprises).values(
            "enterprise_id", "item_id", *VERDICT
        )
    }


def night(today, enterprises):
    """The nightly run, on the clock's date, over these enterprises."""
    return matching_bulk.full_recompute(on=clock.today(), only=[e.pk for e in enterprises])


def overnight(today, enterprises, on=D):
    """Run the night of ``on`` and the next; check that the next rewrote exactly the rows whose
    verdict changed and stores what a full evaluation gives. Returns the rewritten rows."""
    today["on"] = on
    night(today, enterprises)
    before = expected(enterprises, on)
    assert stored(enterprises) == before
    assert shown_rows(enterprises, on) == expected(enterprises, on, derived=True)
    today["on"] = on + DAY
    outcome = night(today, enterprises)
    after = expected(enterprises, on + DAY)
    changed = {key for key, row in after.items() if before.get(key) != row}
    rewritten = {
        (m.enterprise_id, m.item_id)
        for m in Match.objects.filter(enterprise__in=enterprises, as_of=on + DAY)
    }
    assert rewritten == changed
    assert outcome.written == len(changed)
    assert outcome.deleted == len(before.keys() - after.keys())  # went out of force
    assert outcome.rows == len(after)
    assert stored(enterprises) == after
    assert shown_rows(enterprises, on + DAY) == expected(enterprises, on + DAY, derived=True)
    # One enterprise at a time on the same date stores the same verdicts.
    for e in enterprises:
        matching.enterprise_recompute(enterprise_id=e.pk, on=on + DAY)
    assert stored(enterprises) == after
    return changed


def items_of(keys) -> set[str]:
    return set(
        IncentiveItem.objects.filter(pk__in={i for _, i in keys}).values_list("key", flat=True)
    )


def dated_items() -> set[str]:
    """Items with a condition that reads the date."""
    return {
        plan.key for plan in item_plans.plans().values() if matching_bulk.dated_conditions(plan)
    }


def test_a_new_day_with_nothing_changed_rewrites_no_row(today):
    city = [company(hitech_on=D - datetime.timedelta(days=100)), company(), company(revenue=1)]
    assert overnight(today, city) == set()


def test_a_new_year_rewrites_the_rows_reading_last_years_figures(today):
    city = [company(hitech_on=datetime.date(2026, 3, 1)), company()]
    changed = overnight(today, city, on=datetime.date(2026, 12, 31))
    # 2025's figures were the latest complete year; on 1 January 2027 they are 2026's (none).
    assert changed
    yearly = {*profile_schema.names(profile_schema.YEARLY), "rd_expense_increase"}
    yearly.add("rd_expense_ratio")
    for _, item_id in changed:
        assert yearly & set(item_plans.plans()[item_id].profile_facts)


def test_a_within_365_days_condition_crossing_its_boundary(today):
    crossing = company(hitech_on=D - datetime.timedelta(days=365))  # in on D, out on D + 1
    inside = company(hitech_on=D - datetime.timedelta(days=100))
    changed = overnight(today, [crossing, inside])
    assert changed
    assert {e for e, _ in changed} == {crossing.pk}
    assert NEW_HITECH in items_of(changed)
    assert items_of(changed) <= dated_items()
    row = Match.objects.get(enterprise=crossing, item__key=NEW_HITECH)
    assert row.status == "not_eligible" and row.as_of == D + DAY


def test_a_certificate_expiring_overnight(today):
    expiring = company(hitech_on=datetime.date(2023, 7, 1), expires_on=D)  # valid on D only
    holder = company(hitech_on=datetime.date(2025, 1, 10))
    # 廊坊's 2023 document is a draft for comment: its items' rows do not change with the facts.
    draft = company(hitech_on=datetime.date(2023, 7, 1), expires_on=D, city="廊坊市")
    changed = overnight(today, [expiring, holder, draft])
    assert changed
    assert {e for e, _ in changed} <= {expiring.pk, draft.pk}
    assert expiring.pk in {e for e, _ in changed}
    for _, item_id in changed:  # only items that read the certificate
        assert any(k.startswith("hitech") for k in item_plans.plans()[item_id].profile_facts)


def test_founded_n_years_ago_turning_n_plus_one(today):
    # A young company's item: founded within 3 × 365 days of the evaluation date.
    item = IncentiveItem.objects.get(key=NEW_HITECH)
    item.conditions.create(fact="founded_on", op="within_days", value=3 * 365, position=99)
    turning = company(hitech_on=D - datetime.timedelta(days=30), founded_on=D - 3 * 365 * DAY)
    younger = company(hitech_on=D - datetime.timedelta(days=30), founded_on=D - 400 * DAY)
    changed = overnight(today, [turning, younger])
    assert changed == {(turning.pk, item.pk)}
    assert Match.objects.get(enterprise=turning, item=item).status == "not_eligible"
    assert Match.objects.get(enterprise=younger, item=item).status != "not_eligible"


def test_an_item_going_out_of_force_overnight(today):
    item = IncentiveItem.objects.get(key=NEW_HITECH)
    item.valid_to = D
    item.save()
    city = [company(hitech_on=D - datetime.timedelta(days=100)), company()]
    # Its rows are deleted (none is rewritten); 我的政策 shows the verdict derived from the item.
    assert overnight(today, city) == set()
    assert not Match.objects.filter(item=item, enterprise__in=city).exists()
    for e in city:
        (m,) = [m for m in shown.enterprise_matches(enterprise=e, on=D + DAY) if m.item == item]
        assert m.status == "not_in_force" and m.derived


def test_an_application_window_opening_overnight_rewrites_nothing(today):
    # The window decides when to apply (and the window notice), not the verdict.
    item = IncentiveItem.objects.get(key=NEW_HITECH)
    item.window_opens, item.window_closes = D + DAY, D + 30 * DAY
    item.save()
    city = [company(hitech_on=D - datetime.timedelta(days=100)), company()]
    assert overnight(today, city) == set()


def test_rows_written_by_the_code_before_are_rewritten_once(today):
    city = [company(hitech_on=D - datetime.timedelta(days=100)), company()]
    night(today, city)
    rows = Match.objects.filter(enterprise__in=city)
    rows.update(inputs_hash=12345)  # a hash of the old code (the date was in it)
    assert night(today, city).written == rows.count()
    assert night(today, city).written == 0
    assert stored(city) == expected(city, D)


def test_an_award_rule_ending_names_each_new_day(today):
    # In force, but no award rule in effect: the reasons name the date ("no award rule is in
    # effect on …"), so each night rewrites those rows — and only those.
    item = IncentiveItem.objects.get(key=NEW_HITECH)
    for rule in item.rules.all():
        rule.effective_to = D
        rule.save()
    city = [company(hitech_on=D - datetime.timedelta(days=100)), company()]
    assert overnight(today, city) == {(e.pk, item.pk) for e in city}
    assert overnight(today, city, on=D + DAY) == {(e.pk, item.pk) for e in city}
    assert overnight(today, city, on=D + 2 * DAY) == {(e.pk, item.pk) for e in city}


def test_limits_follow_a_new_grant_a_new_year_and_a_changed_cap(today):
    """The nightly run applies the limits that cross items only to enterprises with rows written
    or with grants; a limit's change is a change of the rows of the items it names."""
    e = company(hitech_on=datetime.date(2026, 3, 1))
    other = company(hitech_on=datetime.date(2026, 3, 1))
    items = IncentiveItem.objects.filter(key__in=[NEW_HITECH, "ts2019-techsme-national-new"])
    limit = CrossItemLimit.objects.create(
        key="test-cap",
        document=items[0].measure.document,
        kind="yearly_cap",
        amount=Decimal(250000),
        note="测试年度上限",
    )
    limit.items.set(items)
    night(today, [e, other])
    assert match(e).limited_amount is None  # 20万 under a 25万 cap

    Grant.objects.create(
        enterprise=e,
        item=items.get(key="ts2019-techsme-national-new"),
        granted_on=D,
        amount=Decimal(100000),
        source="imported",
    )
    today["on"] = D + DAY
    night(today, [e, other])
    assert match(e).limited_amount == Decimal(150000)  # 25万 − 10万 granted this year
    assert match(other).limited_amount is None

    limit.amount = Decimal(220000)
    limit.save()
    night(today, [e, other])
    assert match(e).limited_amount == Decimal(120000)

    today["on"] = datetime.date(2027, 1, 2)  # last year's grant no longer counts
    night(today, [e, other])
    assert match(e).limited_amount is None


def match(e):
    return Match.objects.get(enterprise=e, item__key=NEW_HITECH)


def test_rows_a_twin_task_stored_meanwhile_take_the_conflict_path(today, monkeypatch):
    """An enterprise with no row stored has its rows copied straight into the table. If a twin of
    the chunk's task (a message delivered twice) stored them in the meantime, the copy fails on
    the unique key inside a savepoint and the rows are upserted instead: the run neither fails
    nor stores twice."""
    city = [company(hitech_on=D - datetime.timedelta(days=100)), company()]
    night(today, city)
    rows = Match.objects.filter(enterprise__in=city)
    count = rows.count()
    rows.update(inputs_hash=12345)  # stored by the twin, as this run would not
    # This run read its sums before the twin wrote: it sees no row for these enterprises.
    monkeypatch.setattr(matching_bulk, "SUMS_SQL", matching_bulk.SUMS_SQL + " HAVING false")
    outcome = night(today, city)
    assert outcome.written == count
    assert rows.count() == count and not rows.filter(inputs_hash=12345).exists()
    assert stored(city) == expected(city, D)


def test_rows_of_an_item_deleted_meanwhile_go_with_the_next_run(today):
    """The database does not check a match's item (Django does, on delete): deleting an item
    deletes its rows, and a row a chunk wrote for an item deleted while it ran is hidden from the
    pages and deleted by the next run."""
    city = [company(hitech_on=D - datetime.timedelta(days=100)), company()]
    night(today, city)
    item = IncentiveItem.objects.get(key=NEW_HITECH)
    rows = list(Match.objects.filter(item=item, enterprise__in=city).values())
    assert len(rows) == 2
    item.delete()
    assert not Match.objects.filter(item_id=rows[0]["item_id"]).exists()
    # A chunk that read the catalogue before the item went writes its rows after.
    Match.objects.bulk_create(Match(**row) for row in rows)
    assert Match.objects.filter(item_id=rows[0]["item_id"]).count() == 2
    e = city[0]
    assert all(m.item_id != rows[0]["item_id"] for m in shown.enterprise_matches(enterprise=e))
    outcome = night(today, city)
    assert outcome.deleted == 2
    assert not Match.objects.filter(item_id=rows[0]["item_id"]).exists()
    assert stored(city) == expected(city, D)
