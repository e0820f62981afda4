"""The dashboard pages: who may open them, Excel downloads read back, the district figures
entered by form and imported from a workbook (all or nothing), the snapshot's progress page,
the printable report, and query counts that do not grow with the data."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from applications.models import State
from dashboard import selectors, services
from dashboard.models import DistrictFigure, IndexIndicator, Snapshot
from organisations.models import Region

pytestmark = pytest.mark.django_db
VIEW_PAGES = [
    "portal:leadership_home",
    "dashboard:targets",
    "dashboard:performance",
    "dashboard:money",
    "dashboard:index",
    "dashboard:report",
]


def workbook(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize("name", VIEW_PAGES)
def test_viewers_open_the_pages_and_others_are_refused(client, make_user, name):
    client.force_login(make_user(Role.LEADERSHIP))
    assert client.get(reverse(name)).status_code == 200
    client.force_login(make_user(Role.ENTERPRISE))
    assert client.get(reverse(name)).status_code == 403
    client.force_login(make_user(Role.BUREAU))
    assert client.get(reverse(name)).status_code == 403


def test_the_performance_and_money_downloads_hold_the_pages_figures(
    client, viewer, make_enterprise, make_case, tangshan, district
):
    firm = make_enterprise(city=tangshan, district=district)
    make_case(
        enterprise=firm,
        state=State.DISBURSED,
        submitted=datetime.date(2026, 3, 2),
        decided=datetime.date(2026, 3, 16),
        paid=datetime.date(2026, 4, 1),
        amount=200_000,
    )
    snapshot = services.snapshot_request(year=2026, city=None, by=viewer)
    snapshot.refresh_from_db()
    client.force_login(viewer)
    page = client.get(reverse("dashboard:performance"), {"year": 2026})
    assert page.context["table"]["total"]["received"] == 1
    sheets = workbook(
        client.get(reverse("dashboard:performance"), {"year": 2026, "export": "xlsx"})
    )
    assert len(sheets.worksheets) == 3  # by bureau, by item, by month
    by_bureau = list(sheets.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert by_bureau == [("市科学技术局", 1, 1, 0, 0, 10)]
    money = workbook(client.get(reverse("dashboard:money"), {"year": 2026, "export": "xlsx"}))
    by_item = list(money.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert by_item == [("新认定高新技术企业奖励", 200000.0, 1, 200000.0, 1)]
    by_district = list(money.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert by_district[0][0] == "路北区"


def test_without_a_snapshot_the_page_offers_to_compute_and_shows_progress(client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("dashboard:money"), {"year": 2026})
    assert page.context["snapshot"] is None
    assert reverse("dashboard:snapshot_request") in page.content.decode()
    response = client.post(reverse("dashboard:snapshot_request"), {"year": 2026, "next": "money"})
    snapshot = Snapshot.objects.get()
    assert response["Location"] == reverse("dashboard:snapshot", args=[snapshot.pk]) + "?next=money"
    progress = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert progress.templates[0].name == "dashboard/_snapshot_progress.html"
    assert "100%" in progress.content.decode()  # eager in the tests: already done
    assert client.get(reverse("dashboard:money"), {"year": 2026}).context["snapshot"] == snapshot


def test_the_index_download_has_totals_and_the_breakdown(
    client, viewer, tangshan, district, admin_user
):
    indicator = IndexIndicator.objects.get(key="fiscal_expenditure")
    services.district_figures_save(
        district=district, year=2026, entries=[(indicator, 7500, None)], by=admin_user
    )
    client.force_login(viewer)
    sheets = workbook(
        client.get(
            reverse("dashboard:index"), {"city": tangshan.pk, "year": 2026, "export": "xlsx"}
        )
    )
    totals = {row[0]: row for row in sheets.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert totals["路北区"][1] == 4.5
    # 17 indicators: 2 counted by the portal (no firms: 0 points), 1 given, 14 without a figure.
    assert totals["路北区"][3] == 14
    breakdown = [
        r for r in sheets.worksheets[1].iter_rows(min_row=2, values_only=True) if r[0] == "路北区"
    ]
    assert breakdown[0][:5] == ("路北区", "地方财政支出", 5.0, "7500万元", 4.5)


def test_a_bureau_enters_district_figures_by_form(client, make_user, district):
    staff = make_user(Role.BUREAU)  # 唐山市科学技术局
    client.force_login(staff)
    url = reverse("dashboard:district_figures", args=[district.pk]) + "?year=2026"
    form = client.get(url).context["form"]
    share = IndexIndicator.objects.get(key="fiscal_st_expenditure_share")
    platforms = IndexIndicator.objects.get(key="provincial_plus_rd_platforms")
    lab = next(
        name for name, what in dict(form.indicators)[platforms] if what == "国家级重点实验室"
    )
    bad = client.post(url, {f"i{share.pk}": "-1", lab: "2"})
    assert bad.status_code == 200 and not DistrictFigure.objects.exists()
    good = client.post(url, {f"i{share.pk}": "1.5", lab: "2"})
    assert good.status_code == 302
    saved = selectors.district_figures(district=district, year=2026)
    assert saved[share.pk].value == Decimal("1.5")
    assert saved[platforms.pk].counts == {"国家级重点实验室": 2}
    assert saved[share.pk].entered_by == staff
    # A bureau of another city may not.
    client.force_login(make_user(Role.BUREAU, city="廊坊市", bureau_name="市科学技术局"))
    assert client.get(url).status_code == 403


def _filled_template(client, city, rows):
    template = workbook(
        client.get(reverse("dashboard:figures_import"), {"template": 1, "city": city.pk})
    )
    sheet = template.active
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert list(header) == ["区县", "年份", "指标编码", "指标名称", "单位类别", "数值"]
    for row in sheet.iter_rows(min_row=2):
        key = (row[0].value, row[2].value, row[4].value or None)
        if key in rows:
            row[5].value = rows[key]
    buffer = io.BytesIO()
    template.save(buffer)
    return SimpleUploadedFile("figures.xlsx", buffer.getvalue())


def test_importing_a_workbook_saves_every_row_or_nothing(client, make_user, tangshan, district):
    client.force_login(make_user(Role.BUREAU))
    url = reverse("dashboard:figures_import")
    rows = {
        ("路北区", "fiscal_expenditure", None): 7500,
        ("路北区", "provincial_plus_rd_platforms", "国家级重点实验室"): 2,
        ("路南区", "agri_industrialisation_rate", None): 65,
    }
    bad_rows = {**rows, ("路南区", "invention_patents_per_10k", None): "很多"}
    refused = client.post(
        url, {"city": tangshan.pk, "file": _filled_template(client, tangshan, bad_rows)}
    )
    assert refused.status_code == 200
    problems = refused.context["problems"]
    assert len(problems) == 1 and "很多" not in problems[0] and "invention" not in problems[0]
    assert not DistrictFigure.objects.exists()

    done = client.post(url, {"city": tangshan.pk, "file": _filled_template(client, tangshan, rows)})
    assert done.status_code == 302
    figures = {
        (f.district.name, f.indicator.key): f
        for f in DistrictFigure.objects.select_related("district", "indicator")
    }
    assert figures[("路北区", "fiscal_expenditure")].value == 7500
    assert figures[("路北区", "provincial_plus_rd_platforms")].counts == {"国家级重点实验室": 2}
    assert (
        figures[("路南区", "agri_industrialisation_rate")].source == DistrictFigure.Source.IMPORTED
    )
    assert len(figures) == 3


def test_a_file_that_is_not_a_workbook_is_refused(client, make_user, tangshan):
    client.force_login(make_user(Role.BUREAU))
    response = client.post(
        reverse("dashboard:figures_import"),
        {"city": tangshan.pk, "file": SimpleUploadedFile("figures.xlsx", b"%PDF-1.4\n%%EOF\n")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not DistrictFigure.objects.exists()


def test_the_monthly_report_prints_the_month_and_the_year(
    client, viewer, make_enterprise, make_case, tangshan
):
    firm = make_enterprise(city=tangshan)
    make_case(enterprise=firm, state=State.SUBMITTED, submitted=datetime.date(2026, 3, 2))
    make_case(
        enterprise=firm,
        state=State.DISBURSED,
        item_key="ts2019-hitech-renewal",
        submitted=datetime.date(2026, 4, 1),
        decided=datetime.date(2026, 4, 20),
        paid=datetime.date(2026, 5, 6),
        amount=50_000,
    )
    services.snapshot_request(year=2026, city=None, by=viewer)
    client.force_login(viewer)
    page = client.get(reverse("dashboard:report"), {"year": 2026, "month": 3})
    assert page.context["month_cases"]["received"] == 1
    assert page.context["performance"]["total"]["received"] == 2
    assert page.context["money"]["total"]["paid"] == Decimal(50_000)
    html = page.content.decode()
    assert "data-print" in html and "css/portal.css" in html
    css = Path(settings.BASE_DIR) / "static" / "css" / "portal.css"
    assert "@media print" in css.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", VIEW_PAGES)
def test_query_counts_do_not_grow_with_the_data(
    client, viewer, make_enterprise, make_case, tangshan, district, admin_user, name
):
    def count():
        services.snapshot_request(year=datetime.date.today().year, city=None, by=viewer)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        return len(queries)

    client.force_login(viewer)
    firm = make_enterprise(city=tangshan, district=district)
    make_case(enterprise=firm, state=State.SUBMITTED, submitted=datetime.date.today())
    few = count()
    indicators = IndexIndicator.objects.filter(portal_source="", method="bands")
    for other in Region.objects.filter(parent=tangshan)[:6]:
        services.district_figures_save(
            district=other,
            year=datetime.date.today().year,
            entries=[(i, 5, None) for i in indicators],
            by=admin_user,
        )
        for n in range(3):
            make_case(
                enterprise=make_enterprise(city=tangshan, district=other),
                state=State.DISBURSED,
                submitted=datetime.date.today() - datetime.timedelta(days=n),
                decided=datetime.date.today(),
                paid=datetime.date.today(),
                amount=10_000,
            )
    many = count()
    assert many <= few, f"{name}: {few} queries with little data, {many} with more"
