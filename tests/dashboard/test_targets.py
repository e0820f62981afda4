"""Targets from the documents against the figures: counted live from the profiles, or entered by
the lead bureau (the latest counts; who and when are kept)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from dashboard import selectors, services
from dashboard.models import LiveSource, Target, TargetFigure
from organisations.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages below are checked in English (the msgids); the pages show them in Chinese."""
    with translation.override("en"):
        yield


TODAY = datetime.date(2026, 11, 22)


def test_the_documents_targets_are_loaded_with_their_numbers_and_lead_bureaus():
    assert Target.objects.count() == 27
    hitech = Target.objects.get(key="ts2023-hitech")
    assert {v.year: v.value for v in hitech.values.all()} == {
        2023: Decimal(1600),
        2024: Decimal(1700),
        2025: Decimal(1800),
    }
    assert hitech.live_source == LiveSource.HITECH_VALID
    turnover = Target.objects.get(key="ts2023-tech-contract-turnover")
    assert [v.value for v in turnover.values.order_by("year")] == [126, 140, 200]
    assert turnover.live_source == ""
    langfang = Target.objects.get(key="lf2023-dev-zone-revenue-growth")
    assert sorted(b.name for b in langfang.lead_bureaus.all()) == [
        "市商务局",
        "市开发区改革发展办公室",
        "市科学技术局",
    ]
    assert {b.city.name for b in langfang.lead_bureaus.all()} == {"廊坊市"}
    wording = Target.objects.get(key="lf2023-rd-intensity").values.get(year=2025)
    assert wording.value is None and wording.wording == "跃居全省前列"


def test_the_live_figure_counts_valid_certificates_at_the_end_of_the_year(make_enterprise):
    tangshan = Region.objects.get(name="唐山市")
    valid_then = ("hitech", datetime.date(2024, 5, 1), datetime.date(2027, 4, 30))
    expired_before = ("hitech", datetime.date(2022, 1, 1), datetime.date(2025, 6, 30))
    recognised_after = ("hitech", datetime.date(2026, 3, 1), datetime.date(2029, 2, 28))
    for qualifications in ([valid_then], [valid_then], [expired_before], [recognised_after]):
        make_enterprise(city=tangshan, qualifications=qualifications)
    make_enterprise(city=Region.objects.get(name="廊坊市"), qualifications=[valid_then])
    rows = {r.target.key: r for r in selectors.targets_overview(year=2025, today=TODAY)}
    assert rows["ts2023-hitech"].figure == 2
    assert rows["ts2023-hitech"].figure_kind == "live"
    assert rows["ts2023-hitech"].progress == 0  # 2 of 1800
    assert rows["lf2023-hitech"].figure == 1
    # 2026 has no target; a year to come has no figure.
    assert selectors.targets_overview(year=2026, today=TODAY) == []


def test_new_recognitions_count_in_their_year_only(make_enterprise):
    langfang = Region.objects.get(name="廊坊市")
    make_enterprise(city=langfang, qualifications=[("hitech", datetime.date(2025, 11, 1), None)])
    make_enterprise(city=langfang, qualifications=[("hitech", datetime.date(2024, 11, 1), None)])
    rows = {r.target.key: r for r in selectors.targets_overview(year=2025, today=TODAY)}
    assert rows["lf2023-hitech-new"].figure == 1


def test_the_lead_bureau_enters_a_figure_and_the_latest_one_counts(make_user):
    target = Target.objects.get(key="lf2023-tech-contract-turnover")  # 2025: 300亿元
    staff = make_user(Role.BUREAU, city="廊坊市", bureau_name="市科学技术局")
    services.target_figure_enter(
        target=target, year=2025, value=Decimal(240), source="技术市场登记", by=staff
    )
    later = services.target_figure_enter(
        target=target, year=2025, value=Decimal(312), source="年报修正", by=staff
    )
    rows = {r.target.key: r for r in selectors.targets_overview(year=2025, today=TODAY)}
    row = rows["lf2023-tech-contract-turnover"]
    assert (row.figure, row.figure_kind, row.progress, row.reached) == (312, "entered", 104, True)
    assert row.entered == later and row.entered.entered_by == staff
    assert row.entered.bureau == staff.bureau
    assert TargetFigure.objects.filter(target=target).count() == 2  # the earlier one stays


def test_other_bureaus_cannot_enter_and_live_or_missing_years_are_refused(make_user):
    target = Target.objects.get(key="lf2023-tech-contract-turnover")
    tangshan_staff = make_user(Role.BUREAU)  # 唐山市科学技术局, not 廊坊's
    with pytest.raises(PermissionDenied):
        services.target_figure_enter(
            target=target, year=2025, value=Decimal(1), source="x", by=tangshan_staff
        )
    admin = make_user(Role.CATALOGUE_ADMIN)
    with pytest.raises(ValidationError, match="2022"):
        services.target_figure_enter(
            target=target, year=2022, value=Decimal(1), source="x", by=admin
        )
    with pytest.raises(ValidationError, match="counts this figure itself"):
        services.target_figure_enter(
            target=Target.objects.get(key="lf2023-hitech"),
            year=2025,
            value=Decimal(1),
            source="x",
            by=admin,
        )


def test_entering_through_the_page_and_reading_the_export_back(client, make_user, viewer):
    target = Target.objects.get(key="lf2023-rd-platforms")  # 2025: 1100家
    staff = make_user(Role.BUREAU, city="廊坊市", bureau_name="市工信局")
    client.force_login(staff)
    url = reverse("dashboard:target_figure", args=[target.pk])
    refused = client.post(url, {"year": 2025, "value": "-3", "source": "统计"})
    assert refused.status_code == 200 and not TargetFigure.objects.exists()
    response = client.post(url, {"year": 2025, "value": "1067", "source": "2025年平台统计"})
    assert response.status_code == 302
    assert client.get(url).content.decode().count("2025年平台统计") == 1

    client.force_login(viewer)
    langfang = Region.objects.get(name="廊坊市")
    page = client.get(reverse("dashboard:targets"), {"city": langfang.pk, "year": 2025})
    assert "1067家" in page.content.decode()
    export = client.get(
        reverse("dashboard:targets"), {"city": langfang.pk, "year": 2025, "export": "xlsx"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    row = rows["科技研发平台数量"]
    assert row[4] == 1100 and row[6] == 1067 and row[10] == 97
    assert row[8] == str(staff)
    assert "市工信局" in row[11]
