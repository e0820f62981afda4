"""The district innovation index: scoring rules one by one, and a whole district scored with
figures whose score was worked out by hand."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from accounts.models import Role
from dashboard import index, selectors, services
from dashboard.models import IndexIndicator, IndexScheme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages below are checked in English (the msgids); the pages show them in Chinese."""
    with translation.override("en"):
        yield


TODAY = datetime.date(2026, 11, 22)


def indicator(key):
    return IndexIndicator.objects.select_related("dimension").get(key=key)


def test_the_scheme_is_loaded_from_the_document_with_weights_summing_to_100():
    scheme = IndexScheme.objects.get()
    assert scheme.total == 100
    assert [(d.name, d.weight) for d in scheme.dimensions.all()] == [
        ("创新投入", 20),
        ("创新主体", 25),
        ("创新条件", 25),
        ("创新产出", 15),
        ("创新管理", 15),
    ]
    indicators = IndexIndicator.objects.filter(dimension__scheme=scheme)
    assert indicators.count() == 17
    assert sum(i.weight for i in indicators) == 100
    assert set(indicators.exclude(portal_source="").values_list("key", flat=True)) == {
        "hitech_count",
        "tech_sme_count",
    }


@pytest.mark.parametrize(
    ("key", "value", "score"),
    [
        ("fiscal_expenditure", 12000, "5"),  # top band, open upwards
        ("fiscal_expenditure", 10000, "5"),  # a band's lower end belongs to it
        ("fiscal_expenditure", 7500, "4.5"),  # 4 + (5 - 4) × 2500 / 5000
        ("fiscal_expenditure", 500, "1.5"),  # 0 + 3 × 500 / 1000
        ("fiscal_expenditure", 0, "0"),
        ("fiscal_st_expenditure_share", "1.5", "7"),
        ("hitech_industry_va_share", 15, "3.5"),  # 2 + 3 × 5 / 10
    ],
)
def test_banded_scores_interpolate_inside_a_band(key, value, score):
    got, _figure, how = index.score_indicator(indicator(key), value=value)
    assert got == Decimal(score)
    assert "points" in how or "分" in how


def test_a_band_the_document_leaves_open_gives_no_score_and_says_so():
    got, figure, how = index.score_indicator(indicator("hitech_count"), value=40)
    assert got is None
    assert figure == "40家"
    assert "leaves open" in how


def test_per_unit_points_are_summed_and_capped():
    got, _figure, how = index.score_indicator(
        indicator("provincial_plus_rd_platforms"),
        counts={"国家级重点实验室": 2, "省级重点实验室": 3, "国家级企业技术中心": 1},
    )
    assert got == Decimal(8)  # 4 + 3 + 2 = 9, capped at 8
    assert "9" in how and "8" in how


def test_units_without_per_unit_count_once_and_assessed_units_add_their_points():
    parks, _f, _h = index.score_indicator(
        indicator("provincial_plus_parks_bases"),
        counts={"省级高新区": 1, "国家级创新型县": 2, "省级创新型乡镇": 2},
    )
    assert parks == Decimal("5.6")  # 2 + 3 (once) + 2 × 0.3
    awards, _f, _h = index.score_indicator(
        indicator("higher_level_support_awards"),
        counts={"国家级项目": 2, "其他部门行业奖励和表彰": "1.5"},
    )
    assert awards == Decimal("3.5")


def test_an_assessed_indicator_takes_the_points_given_within_its_weight():
    assert index.score_indicator(indicator("st_management_innovation"), value=4)[0] == 4
    assert index.score_indicator(indicator("st_management_innovation"), value=6)[0] is None


def test_a_district_is_scored_by_hand(
    district, other_district, tangshan, make_enterprise, make_user
):
    """Every indicator of 路北区 given; the total worked out by hand is 70.98 (class B)."""
    recognised, expires = TODAY - datetime.timedelta(days=100), TODAY + datetime.timedelta(days=900)
    for _ in range(3):
        make_enterprise(
            city=tangshan, district=district, qualifications=[("hitech", recognised, expires)]
        )
    for _ in range(2):
        make_enterprise(
            city=tangshan, district=district, qualifications=[("tech_sme", recognised, expires)]
        )
    # Not counted: an expired certificate, and an enterprise of another district.
    make_enterprise(
        city=tangshan,
        district=district,
        qualifications=[
            ("hitech", TODAY - datetime.timedelta(days=1200), TODAY - datetime.timedelta(days=10))
        ],
    )
    make_enterprise(
        city=tangshan, district=other_district, qualifications=[("hitech", recognised, expires)]
    )
    scheme = IndexScheme.objects.get()
    scheme.classes = [
        {"label": "A", "min": 80},
        {"label": "B", "min": 60},
        {"label": "C", "min": 0},
    ]
    scheme.full_clean()
    scheme.save()
    values = {
        "fiscal_expenditure": 7500,  # 4.5
        "fiscal_st_expenditure_share": "1.5",  # 7
        "above_scale_rd_intensity": 2,  # 7
        "hitech_per_1000_firms": "7.5",  # 3.75
        "tech_sme_per_1000_firms": 200,  # 3.75
        "above_scale_rd_institution_ratio": 30,  # 4
        "invention_patents_per_10k": 8,  # 5.25
        "hitech_industry_va_share": 15,  # 3.5
        "agri_industrialisation_rate": 65,  # 2.75
        "st_management_innovation": 4,  # 4
    }
    counts = {
        "provincial_plus_rd_platforms": {
            "国家级重点实验室": 2,
            "省级重点实验室": 3,
            "国家级企业技术中心": 1,
        },
        "provincial_plus_parks_bases": {"省级高新区": 1, "国家级创新型县": 2, "省级创新型乡镇": 2},
        "provincial_plus_service_bodies": {"省级孵化器": 2, "院士工作站": 1},  # 2.5
        "st_admin_body": {"合署办公的": 1, "成立科技创新工作领导小组": 1},  # 3
        "higher_level_support_awards": {"国家级项目": 2, "其他部门行业奖励和表彰": "1.5"},
    }
    entries = [(indicator(k), v, None) for k, v in values.items()]
    entries += [(indicator(k), None, c) for k, c in counts.items()]
    services.district_figures_save(
        district=district, year=2026, entries=entries, by=make_user(Role.CATALOGUE_ADMIN)
    )
    [score] = selectors.index_scores(
        scheme=scheme, city=tangshan, year=2026, today=TODAY, district=district
    )
    by_key = {row.key: row for row in score.indicators}
    assert by_key["hitech_count"].figure == "3家"  # from the profiles
    assert by_key["hitech_count"].score == Decimal("2.83")  # 2.5 + 1 × 1 / 3
    assert by_key["tech_sme_count"].score == Decimal("0.05")  # 2.5 × 2 / 100
    assert [(name, got) for name, got, _full in score.dimensions] == [
        ("创新投入", Decimal("18.5")),
        ("创新主体", Decimal("10.38")),
        ("创新条件", Decimal("20.1")),
        ("创新产出", Decimal("11.5")),
        ("创新管理", Decimal("10.5")),
    ]
    assert score.total == Decimal("70.98")
    assert score.missing == 0
    assert score.klass == "B"


def test_a_district_without_figures_scores_only_what_the_portal_counts(tangshan, other_district):
    [score] = selectors.index_scores(
        scheme=IndexScheme.objects.get(),
        city=tangshan,
        year=2026,
        today=TODAY,
        district=other_district,
    )
    assert score.missing == 15
    assert score.total == 0


@pytest.mark.parametrize(
    ("key", "value", "counts", "message"),
    [
        ("fiscal_expenditure", "-1", None, "zero or more"),
        ("fiscal_expenditure", "abc", None, "zero or more"),
        ("st_management_innovation", "5.5", None, "cannot exceed"),
        ("provincial_plus_rd_platforms", None, {"国家级重点实验室": "1.5"}, "whole number"),
        ("provincial_plus_rd_platforms", None, {"不存在的平台": 1}, "no unit kind"),
        ("hitech_count", 5, None, "counted by the portal"),
    ],
)
def test_bad_figures_are_refused_with_a_sentence_and_nothing_is_saved(
    district, make_user, key, value, counts, message
):
    good = (indicator("fiscal_st_expenditure_share"), "1", None)
    with pytest.raises(ValidationError) as refused:
        services.district_figures_save(
            district=district,
            year=2026,
            entries=[good, (indicator(key), value, counts)],
            by=make_user(Role.CATALOGUE_ADMIN),
        )
    assert message in " ".join(refused.value.messages)
    assert not selectors.district_figures(district=district, year=2026)


def test_only_bureaus_of_the_districts_city_may_enter_its_figures(district, make_user):
    langfang_staff = make_user(Role.BUREAU, city="廊坊市", bureau_name="市科学技术局")
    with pytest.raises(PermissionDenied):
        services.district_figures_save(
            district=district,
            year=2026,
            entries=[(indicator("fiscal_expenditure"), 100, None)],
            by=langfang_staff,
        )
    tangshan_staff = make_user(Role.BUREAU, bureau_name="市财政局")
    assert (
        services.district_figures_save(
            district=district,
            year=2026,
            entries=[(indicator("fiscal_expenditure"), 100, None)],
            by=tangshan_staff,
        )
        == 1
    )


@pytest.mark.parametrize(
    ("bands", "problem"),
    [
        ([], "at least one band"),
        ([{"min": 0, "max": 10, "score": [0, 9]}], "between 0"),
        ([{"min": 10, "max": 5, "score": [0, 1]}], "below max"),
        (
            [{"min": 0, "max": 10, "score": [0, 1]}, {"min": 5, "max": 20, "score": [1, 2]}],
            "overlap",
        ),
        ([{"min": "x", "max": 10, "score": [0, 1]}], "numbers or null"),
        ([{"min": 0, "max": 10, "score": [1]}], "pair of numbers"),
    ],
)
def test_an_admin_cannot_save_broken_bands(bands, problem):
    target = indicator("fiscal_expenditure")
    target.bands = bands
    with pytest.raises(ValidationError) as refused:
        target.full_clean()
    assert problem in " ".join(refused.value.messages)


def test_an_admin_cannot_save_classes_out_of_order():
    scheme = IndexScheme.objects.get()
    scheme.classes = [{"label": "B", "min": 60}, {"label": "A", "min": 80}]
    with pytest.raises(ValidationError):
        scheme.full_clean()
