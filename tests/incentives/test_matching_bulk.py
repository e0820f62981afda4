"""The streamed full recompute (incentives.matching_bulk): the same rows as one enterprise at a
time, nothing written when nothing changed, only what changed written after an edit, rows out of
scope removed, notices once."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from enterprises import services as enterprise_services
from incentives import matching, matching_bulk
from incentives.models import EnterpriseNotice, Match
from organisations.models import Region
from tests import factories

ON = datetime.date(2026, 6, 30)
# COPY, arrays and ON CONFLICT … EXCLUDED: the bulk path is PostgreSQL's (SQLite goes item by item).
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
FIELDS = [
    "status", "estimate_kind", "amount", "minimum", "maximum", "breakdown", "reasons",
    "missing", "failed", "limited_amount", "limited_maximum", "limit_notes", "excluded", "rule",
    "rule_version", "as_of",
]  # fmt: skip


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def enterprise(city="唐山市", *, institution=False, revenue=None, hitech=True):
    kind = factories.INSTITUTION if institution else factories.COMPANY
    e = factories.enterprise(city=city, kind=kind, employees=50)
    if hitech:
        factories.qualification(
            e,
            kind="hitech",
            recognition="new",
            recognized_on=datetime.date(2026, 3, 1),
            expires_on=datetime.date(2029, 3, 1),
        )
    if revenue is not None:
        factories.figures(e, 2025, revenue=Decimal(revenue), rd_expense=Decimal(revenue) / 20)
    return e


def snapshot(enterprises):
    return {
        (m["enterprise_id"], m["item_id"]): tuple(m[f] for f in FIELDS)
        for m in Match.objects.filter(enterprise__in=enterprises).values(
            "enterprise_id", "item_id", *FIELDS
        )
    }


@pytest.fixture
def city():
    return [
        enterprise(revenue=30_000_000),
        enterprise(revenue=30_000_000),  # the same inputs: decided once
        enterprise(hitech=False),
        enterprise("廊坊市", revenue=5_000_000),
        enterprise("鹤壁市", institution=True, hitech=False),
    ]


def test_the_full_recompute_stores_what_one_enterprise_at_a_time_stores(city):
    for e in city:
        matching.enterprise_recompute(enterprise_id=e.pk, on=ON)
    one_by_one = snapshot(city)
    Match.objects.all().delete()
    outcome = matching_bulk.full_recompute(on=ON, chunk=2)
    assert snapshot(city) == one_by_one
    assert outcome.rows == outcome.written == len(one_by_one) > 100
    assert outcome.evaluated < outcome.rows  # identical inputs were decided once
    assert not Match.objects.filter(inputs_hash__isnull=True).exists()


def test_a_second_run_writes_nothing_and_changes_nothing(city):
    matching_bulk.full_recompute(on=ON)
    before = snapshot(city)
    computed = dict(Match.objects.values_list("pk", "computed_at"))
    outcome = matching_bulk.full_recompute(on=ON)
    assert (outcome.written, outcome.deleted, outcome.notices) == (0, 0, 0)
    assert outcome.rows == len(before)
    assert snapshot(city) == before
    assert dict(Match.objects.values_list("pk", "computed_at")) == computed


def test_after_an_edit_only_the_rows_whose_inputs_changed_are_written(city):
    matching_bulk.full_recompute(on=ON)
    enterprise_services.yearly_figures_save(
        enterprise=city[0],
        by=factories.admin_of(city[0]),
        figures=city[0].yearly_figures.get(),
        year=2025,
        values={"rd_expense": Decimal(9_000_000)},
    )
    outcome = matching_bulk.full_recompute(on=ON)
    assert 0 < outcome.written < 80
    after = snapshot(city)
    matching.enterprise_recompute(enterprise_id=city[0].pk, on=ON)
    assert snapshot(city) == after


def test_a_new_language_is_a_new_input_a_new_date_only_where_it_decides():
    e = enterprise(revenue=30_000_000)
    matching_bulk.full_recompute(on=ON)
    rows = Match.objects.filter(enterprise=e).count()
    later = ON + datetime.timedelta(days=1)
    # The date is not an input of itself (tests/incentives/test_nightly_recompute.py).
    assert matching_bulk.full_recompute(on=later).written < rows
    chinese = match_reasons(e)
    with translation.override("en"):
        assert matching_bulk.full_recompute(on=later).written == rows
    assert match_reasons(e) != chinese


def match_reasons(e):
    return Match.objects.get(enterprise=e, item__key="ts2019-hitech-new").reasons


def test_rows_out_of_scope_are_removed_when_an_enterprise_moves(city):
    matching_bulk.full_recompute(on=ON)
    mover = city[0]
    # No service moves an enterprise (city and district are fixed when it registers).
    mover.city = Region.objects.get(name="鹤壁市")
    mover.district = mover.city.children.first()
    mover.save()
    outcome = matching_bulk.full_recompute(on=ON)
    assert outcome.deleted > 0
    cities = set(
        Match.objects.filter(enterprise=mover).values_list(
            "item__measure__document__region__name", flat=True
        )
    )
    assert cities == {"鹤壁市"}


def test_newly_eligible_enterprises_are_told_once(city):
    matching_bulk.full_recompute(on=ON)
    told = EnterpriseNotice.objects.filter(
        enterprise=city[0], key="eligible:ts2019-hitech-new"
    ).count()
    assert told == 1
    Match.objects.filter(enterprise=city[0]).update(inputs_hash=None)  # forces a rewrite
    assert matching_bulk.full_recompute(on=ON).notices == 0


def test_rows_written_one_enterprise_at_a_time_carry_no_inputs_hash(city):
    matching_bulk.full_recompute(on=ON)
    # One enterprise at a time writes only the rows whose verdict changed (issue 17): the others
    # keep the hash they were decided with. Here every stored row is made stale first.
    Match.objects.filter(enterprise=city[0]).update(breakdown="stale")
    matching.enterprise_recompute(enterprise_id=city[0].pk, on=ON)
    assert not Match.objects.filter(enterprise=city[0], inputs_hash__isnull=False).exists()
    # …so the next full recompute decides them again, and stores the same.
    before = snapshot(city)
    outcome = matching_bulk.full_recompute(on=ON)
    assert outcome.written == Match.objects.filter(enterprise=city[0]).count()
    assert snapshot(city) == before


def test_the_benchmark_refuses_sqlite_and_databases_not_named_for_it(settings):
    from django.core.management import CommandError, call_command

    settings.DATABASES = {
        **settings.DATABASES,
        "default": {**settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3"},
    }
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("benchmark", "--quick")
    settings.DATABASES = {
        **settings.DATABASES,
        "default": {
            **settings.DATABASES["default"],
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "portal",
        },
    }
    with pytest.raises(CommandError, match="bench"):
        call_command("benchmark", "--quick")
