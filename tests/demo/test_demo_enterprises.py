"""The demo enterprises of the run command: a few hundred realistic profiles across 唐山, 廊坊
and 鹤壁, with valid credit codes, the same data every time they are loaded."""

import datetime
import hashlib
import json
from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Count

from demo.accounts import DEMO_ENTERPRISE
from demo.enterprises import demo_enterprises_load
from enterprises.models import Enterprise, Qualification, QualificationKind, Scale, YearlyFigures
from portal.validators import validate_credit_code

CITIES = ("唐山市", "廊坊市", "鹤壁市")
TODAY = datetime.date(2026, 11, 22)


@pytest.fixture
def generated(db):
    """The 240 drawn enterprises (the demo account's own one excluded)."""
    assert demo_enterprises_load(today=TODAY) == 240
    return Enterprise.objects.exclude(credit_code=DEMO_ENTERPRISE["credit_code"])


def _holding(enterprises, kind: str) -> float:
    held = enterprises.filter(qualifications__kind=kind).distinct().count()
    return held / enterprises.count()


def _digest() -> str:
    """Everything the loader writes, without ids or timestamps."""
    enterprises = Enterprise.objects.order_by("credit_code").values(
        "credit_code",
        "name",
        "city__name",
        "district__name",
        "industry",
        "ownership",
        "scale",
        "is_above_scale",
        "employees",
        "founded_on",
        "source",
    )
    qualifications = Qualification.objects.order_by(
        "enterprise__credit_code", "kind", "level", "recognized_on"
    ).values(
        "enterprise__credit_code",
        "kind",
        "level",
        "recognition",
        "certificate_number",
        "recognized_on",
        "expires_on",
        "moved_in_from_other_province",
        "source",
    )
    figures = YearlyFigures.objects.order_by("enterprise__credit_code", "year").values(
        "enterprise__credit_code",
        "year",
        "revenue",
        "rd_expense",
        "rd_super_deduction",
        "tax_paid",
        "tech_contract_turnover",
        "invention_patents_granted",
        "source",
    )
    text = json.dumps([list(enterprises), list(qualifications), list(figures)], default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def test_hundreds_of_enterprises_across_the_districts_of_three_cities(generated):
    assert generated.count() >= 200
    by_city = Counter(generated.values_list("city__name", flat=True))
    assert set(by_city) == set(CITIES)
    assert all(by_city[city] >= 40 for city in CITIES)
    assert by_city["唐山市"] > by_city["廊坊市"] > by_city["鹤壁市"]
    for city in CITIES:
        in_city = generated.filter(city__name=city)
        assert in_city.filter(district__parent__name=city).count() == in_city.count()
        assert in_city.values("district").distinct().count() >= 5


def test_credit_codes_are_valid_unique_and_name_the_district(generated):
    codes = list(generated.values_list("credit_code", "district__code", "city__code"))
    assert len({code for code, _, _ in codes}) == len(codes)
    for code, district_code, city_code in codes:
        validate_credit_code(code)
        assert code[:2] == "91"
        assert code[2:8] == (district_code or city_code)
    names = list(generated.values_list("name", flat=True))
    assert len(set(names)) == len(names)
    assert all(name.endswith("有限公司") for name in names)


def test_loading_again_changes_nothing(generated):
    counts = (
        Enterprise.objects.count(),
        Qualification.objects.count(),
        YearlyFigures.objects.count(),
        Enterprise.history.count(),
        Qualification.history.count(),
        YearlyFigures.history.count(),
    )
    digest = _digest()
    demo_enterprises_load(today=TODAY)
    assert _digest() == digest
    assert (
        Enterprise.objects.count(),
        Qualification.objects.count(),
        YearlyFigures.objects.count(),
        Enterprise.history.count(),
        Qualification.history.count(),
        YearlyFigures.history.count(),
    ) == counts


def test_loading_again_restores_what_was_changed(generated):
    digest = _digest()
    enterprise = generated.filter(qualifications__isnull=False).distinct().first()
    Enterprise.objects.filter(pk=enterprise.pk).update(name="改过的名字", employees=1)
    enterprise.qualifications.all().delete()
    enterprise.yearly_figures.update(revenue=Decimal(1))
    demo_enterprises_load(today=TODAY)
    assert _digest() == digest


def test_other_enterprises_are_left_alone(make_user):
    other = make_user("enterprise").enterprise
    demo_enterprises_load(today=TODAY)
    other.refresh_from_db()
    assert other.name.startswith("测试企业")
    assert not other.qualifications.exists()
    assert not other.yearly_figures.exists()


def test_qualification_rates_are_those_of_a_real_city(generated):
    assert 0.25 <= _holding(generated, QualificationKind.HITECH) <= 0.45
    assert 0.35 <= _holding(generated, QualificationKind.TECH_SME) <= 0.65
    assert 0.04 <= _holding(generated, QualificationKind.SPECIALIZED_SME) <= 0.2
    assert 0 < _holding(generated, QualificationKind.TECH_LEADER) <= 0.08
    assert 0 < _holding(generated, QualificationKind.HITECH_POOL) <= 0.2
    assert 0 < _holding(generated, QualificationKind.INCUBATOR) <= 0.05
    assert 0 < _holding(generated, QualificationKind.MAKER_SPACE) <= 0.05
    centres = Counter(
        Qualification.objects.filter(
            enterprise__in=generated, kind=QualificationKind.ENTERPRISE_TECH_CENTER
        ).values_list("level", flat=True)
    )
    assert centres["city"] > centres["provincial"] >= centres["national"]
    sources = Counter(Qualification.objects.values_list("source", flat=True))
    assert 0.1 <= sources["verified"] / sum(sources.values()) <= 0.3


def test_high_tech_certificates_read_like_real_ones(generated):
    hitech = Qualification.objects.filter(enterprise__in=generated, kind=QualificationKind.HITECH)
    latest = {}
    for row in hitech.order_by("recognized_on"):
        latest[row.enterprise_id] = row
        assert row.expires_on == row.recognized_on.replace(
            year=row.recognized_on.year + 3
        ) - datetime.timedelta(days=1)
        assert row.certificate_number.startswith(f"GR{row.recognized_on.year}")
    assert {row.recognized_on.year for row in latest.values()} <= {2022, 2023, 2024, 2025}
    renewals = sum(row.recognition == "renewal" for row in latest.values())
    assert 0.15 <= renewals / len(latest) <= 0.45
    assert any(row.moved_in_from_other_province for row in latest.values())
    assert not Qualification.objects.filter(recognized_on__gt=TODAY).exists()
    founded = dict(generated.values_list("pk", "founded_on"))
    for row in latest.values():
        assert founded[row.enterprise_id] is None or founded[row.enterprise_id] < row.recognized_on


def test_size_ownership_and_staff_agree(generated):
    scales = Counter(generated.values_list("scale", flat=True))
    assert scales[Scale.MICRO] + scales[Scale.SMALL] >= 0.6 * generated.count()
    assert 0 < scales[Scale.LARGE] <= 0.1 * generated.count()
    ownership = Counter(generated.values_list("ownership", flat=True))
    assert ownership["private"] >= 0.7 * generated.count()
    assert ownership["state"] and ownership["foreign"] and ownership["mixed"]
    bands = {"micro": (1, 19), "small": (20, 299), "medium": (300, 999), "large": (1000, 10**6)}
    for scale, employees, above_scale in generated.values_list(
        "scale", "employees", "is_above_scale"
    ):
        low, high = bands[scale]
        assert employees is None or low <= employees <= high
        assert not (scale == Scale.MICRO and above_scale)
    assert generated.filter(employees__isnull=True).exists()  # some leave it empty
    assert generated.filter(founded_on__year__lt=2000).exists()
    assert not generated.filter(founded_on__year__gt=2024).exists()


def test_three_years_of_figures_some_of_them_missing(generated):
    figures = YearlyFigures.objects.filter(enterprise__in=generated)
    assert set(figures.values_list("year", flat=True)) == {2023, 2024, 2025}
    rows = generated.annotate(years=Count("yearly_figures")).values_list("years", flat=True)
    assert Counter(rows)[3] >= 0.75 * generated.count()
    assert 0 in rows  # some declared no figures at all
    assert figures.filter(tax_paid__isnull=True).exists()
    assert figures.filter(tech_contract_turnover__gt=0).exists()
    assert figures.filter(rd_expense=0).exists()
    # 高企 spend at least 3% of revenue on research.
    for row in figures.filter(
        year=2025, enterprise__qualifications__kind=QualificationKind.HITECH, revenue__gt=0
    ):
        assert row.rd_expense >= Decimal("0.03") * row.revenue * Decimal("0.8")


def test_the_demo_account_enterprise_has_a_profile_worth_matching(db):
    demo_enterprises_load(today=TODAY)
    enterprise = Enterprise.objects.get(credit_code=DEMO_ENTERPRISE["credit_code"])
    assert (enterprise.city.name, enterprise.district.name) == ("唐山市", "路北区")
    assert enterprise.industry == "智能装备制造"
    held = {(q.kind, q.level, q.recognition): q for q in enterprise.qualifications.all()}
    hitech = held[("hitech", "", "new")]
    assert hitech.recognized_on == datetime.date(2025, 11, 28)
    assert ("tech_sme", "provincial", "renewal") in held
    assert ("enterprise_tech_center", "city", "new") in held
    figures = list(enterprise.yearly_figures.order_by("year"))
    assert [row.year for row in figures] == [2023, 2024, 2025]
    assert all(row.tech_contract_turnover > 0 for row in figures)


def test_figures_follow_the_current_year(db):
    demo_enterprises_load(today=datetime.date(2027, 3, 1))
    enterprise = Enterprise.objects.get(credit_code=DEMO_ENTERPRISE["credit_code"])
    assert [row.year for row in enterprise.yearly_figures.order_by("year")] == [2024, 2025, 2026]
