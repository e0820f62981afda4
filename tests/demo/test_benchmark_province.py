"""The benchmark's province (issue 17): 河北's other cities with a copy of 唐山's catalogue, and the
generator drawing over them. A cloned item must serve its city exactly as the original serves
唐山; the four-city data set of the earlier figures must stay what it was."""

import datetime
import hashlib
import json
from collections import Counter

import pytest
from django.db import connection

from demo.benchmark import synthetic
from demo.benchmark.province import (
    CLONED_CITIES,
    PROVINCE_SHARES,
    SEED_CITY,
    clone_key,
    province_clone,
)
from demo.benchmark.synthetic import Synthetic
from enterprises.models import Enterprise, Qualification, YearlyFigures
from incentives import matching
from incentives.models import (
    Assignment,
    AwardRule,
    CatalogueVersion,
    Condition,
    IncentiveItem,
    Match,
    PolicyDocument,
)
from organisations.models import Bureau, Region
from portal.validators import credit_code_check_character, validate_credit_code

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TODAY = datetime.date(2026, 12, 1)
SHIJIAZHUANG = CLONED_CITIES[0]
# What the four-city data set's first 500 enterprises (drawn as 300, then 200) were before the
# province came: their profiles, qualifications and figures (``_digest``).
FOUR_CITY_DIGEST = "9895a9334ccf8d5fe30aaf7ac6285c3bb47d0df485170586ffb451eed828d65c"


def _items_of(city_name: str):
    return IncentiveItem.objects.filter(measure__document__region__name=city_name)


def _version() -> int:
    return CatalogueVersion.objects.values_list("number", flat=True).first() or 0


def test_the_clone_copies_the_seed_catalogue_row_for_row_and_twice_adds_nothing():
    before = _version()
    counts = province_clone()
    assert _version() > before  # the plans of every process are rebuilt
    seed_items = _items_of(SEED_CITY)
    assert counts["items"] == len(CLONED_CITIES) * seed_items.count() > 0
    for city in CLONED_CITIES:
        region = Region.objects.get(name=city.name)
        assert (region.level, region.code, region.parent.name) == ("city", city.code, "河北省")
        districts = {(d.name, d.code) for d in region.children.all()}
        assert districts == set(city.districts)
        assert _items_of(city.name).count() == seed_items.count()
    # Every item's rules and conditions are the original's, to the value; the annex names the
    # same bureaus of the new city in the same roles.
    city = Region.objects.get(name=SHIJIAZHUANG.name)
    for item in seed_items.prefetch_related("assignments__bureau__city"):
        clone = IncentiveItem.objects.get(key=clone_key(SHIJIAZHUANG, item.key))
        assert clone.measure.document.region == city
        for model, fields in (
            (AwardRule, ("kind", "params", "effective_from", "effective_to", "clause")),
            (Condition, ("group", "fact", "op", "value", "position")),
        ):
            rows = model.objects.order_by("pk").values_list(*fields)
            assert list(rows.filter(item=item)) == list(rows.filter(item=clone))
        assert (clone.beneficiary, clone.support_kind, clone.delivery, clone.yearly_budget) == (
            item.beneficiary,
            item.support_kind,
            item.delivery,
            item.yearly_budget,
        )
        assert sorted(
            (str(a.bureau).replace("唐山", "石家庄"), a.role) for a in item.assignments.all()
        ) == sorted(
            (str(a.bureau), a.role)
            for a in Assignment.objects.filter(item=clone).select_related("bureau__city")
        )
        assert "唐山" not in clone.name
    science = Bureau.objects.get(city=city, name="市科学技术局")
    assert str(science) == "石家庄市科学技术局" and science.verifies_enterprises
    assert not science.placeholder_contacts()  # no invented contacts
    assert PolicyDocument.objects.filter(region=city).count() == 2

    def snapshot():
        return (
            Region.objects.count(),
            Bureau.objects.count(),
            IncentiveItem.objects.count(),
            AwardRule.objects.count(),
            AwardRule.history.count(),
            Assignment.objects.count(),
        )

    rows, version = snapshot(), _version()
    assert not any(province_clone().values())
    assert snapshot() == rows
    assert _version() == version


def _twin(enterprise: Enterprise, city: Region, district: Region) -> Enterprise:
    """The same profile registered in another city: its credit code carries the district's
    division code. Rows are copied directly: the profile is the generator's, not a user's."""
    first17 = enterprise.credit_code[:2] + district.code + enterprise.credit_code[8:17]
    code = first17 + credit_code_check_character(first17)
    validate_credit_code(code)
    qualifications = list(enterprise.qualifications.all())
    figures = list(enterprise.yearly_figures.all())
    enterprise.pk = None
    enterprise.credit_code, enterprise.city, enterprise.district = code, city, district
    enterprise.save()
    for row in (*qualifications, *figures):
        row.pk, row.enterprise = None, enterprise
    Qualification.objects.bulk_create(qualifications)
    YearlyFigures.objects.bulk_create(figures)
    return enterprise


def _matches(enterprise: Enterprise, prefix: str = "") -> dict:
    return {
        m.item.key.removeprefix(prefix): (
            m.status,
            m.estimate_kind,
            m.amount,
            m.minimum,
            m.maximum,
            m.limited_amount,
            m.limited_maximum,
            m.excluded,
        )
        for m in Match.objects.filter(enterprise=enterprise).select_related("item")
    }


def test_a_cloned_citys_enterprise_matches_the_clones_as_its_twin_in_tangshan_matches_tangshans():
    province_clone(cities=[SHIJIAZHUANG])
    Synthetic(today=TODAY).write(240)
    city = Region.objects.get(name=SHIJIAZHUANG.name)
    districts = list(city.children.order_by("code"))
    tangshan = list(
        Enterprise.objects.filter(city__name=SEED_CITY)
        .select_related("city", "district")
        .order_by("pk")
    )
    assert len(tangshan) >= 60
    prefix = clone_key(SHIJIAZHUANG, "")
    statuses = Counter()
    for index, original in enumerate(tangshan):
        matching.enterprise_recompute(enterprise_id=original.pk, on=TODAY)
        expected = _matches(original)
        twin = _twin(original, city, districts[index % len(districts)])
        matching.enterprise_recompute(enterprise_id=twin.pk, on=TODAY)
        got = _matches(twin)
        assert all(m.item.key.startswith(prefix) for m in twin.matches.select_related("item"))
        assert _matches(twin, prefix) == expected, original.credit_code
        assert got and len(got) == len(expected)
        statuses.update(status for status, *_ in expected.values())
    # The profiles reach every kind of verdict, so the comparison says something.
    assert {"eligible", "not_eligible", "missing_information"} <= set(statuses)


def _digest() -> str:
    """The drawn enterprises with their qualifications and figures, in the order written, by
    names rather than ids."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.credit_code, e.name, city.name, district.name, e.industry, e.ownership,
                e.scale, e.is_above_scale, e.employees, e.founded_on::text, e.source,
                (SELECT json_agg(json_build_array(q.kind, q.level, q.recognition,
                    q.certificate_number, q.recognized_on, q.expires_on,
                    q.moved_in_from_other_province, q.source)
                    ORDER BY q.kind, q.level, q.recognized_on, q.certificate_number)
                 FROM portal_qualification q WHERE q.enterprise_id = e.id)::text,
                (SELECT json_agg(json_build_array(f.year, f.revenue::text, f.rd_expense::text,
                    f.rd_super_deduction::text, f.tax_paid::text, f.tech_contract_turnover::text,
                    f.invention_patents_granted, f.source) ORDER BY f.year)
                 FROM portal_yearlyfigures f WHERE f.enterprise_id = e.id)::text
            FROM portal_enterprise e
            JOIN portal_region city ON city.id = e.city_id
            LEFT JOIN portal_region district ON district.id = e.district_id
            ORDER BY e.id
            """
        )
        rows = cursor.fetchall()
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, default=str).encode()).hexdigest()


def test_up_to_100000_the_four_city_data_set_is_drawn_as_before():
    province_clone()  # the clones in the database change nothing for the four-city data set
    drawn = Synthetic(today=TODAY)
    assert drawn.write(300) == 300
    drawn.write(200)
    assert _digest() == FOUR_CITY_DIGEST
    assert set(Enterprise.objects.values_list("city__name", flat=True)) == {
        "唐山市",
        "廊坊市",
        "鹤壁市",
        "酒泉市",
    }


def test_the_province_data_set_has_valid_codes_of_each_citys_division_drawn_in_batches(
    monkeypatch,
):
    province_clone()
    monkeypatch.setattr(synthetic, "BATCH", 700)
    drawn = Synthetic(today=TODAY, province=True)
    batches = []
    plans = drawn.plans
    monkeypatch.setattr(drawn, "plans", lambda count: batches.append(count) or plans(count))
    assert drawn.write(2600) == 2600
    assert batches == [700, 700, 700, 500]  # never more plans than a batch in memory
    enterprises = Enterprise.objects.select_related("city", "district")
    by_city = Counter()
    for enterprise in enterprises:
        code = enterprise.credit_code
        validate_credit_code(code)
        by_city[enterprise.city.name] += 1
        assert enterprise.district.parent_id == enterprise.city_id
        assert code[2:8] == (enterprise.district.code or enterprise.city.code)
        assert code[2:6] == enterprise.city.code[:4]
    assert set(by_city) == set(PROVINCE_SHARES)
    total = sum(PROVINCE_SHARES.values())
    for name, weight in PROVINCE_SHARES.items():
        # Each batch gives each city its share rounded down, and the first city what is left.
        slack = 4 * len(PROVINCE_SHARES) if name == SEED_CITY else 4
        assert abs(by_city[name] - 2600 * weight / total) <= slack, name
    assert Enterprise.objects.exclude(credit_code__startswith="9").count() > 100  # institutions
    assert len({e.credit_code for e in enterprises}) == 2600
