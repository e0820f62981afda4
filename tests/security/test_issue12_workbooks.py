"""Issue 12 §6.1: no workbook the portal writes carries a live formula.

A name an enterprise, a bureau or an admin typed — ``=HYPERLINK("http://x","y")`` — must reach
every download as text: the queue export, each dashboard ``?export=xlsx``, the district figures
template and the audit log. Every cell of every sheet is read back with openpyxl and none may be
a formula; the hostile name must be there, as text, so the test proves it went through.
"""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Role
from applications import services as case_services
from applications.models import State
from dashboard import services as dashboard_services
from dashboard.models import Target
from enterprises.models import Enterprise
from incentives.models import IncentiveItem
from organisations.models import Region
from portal import workbooks
from tests.applications import conftest as cases
from tests.dashboard import conftest as board

# The case and dashboard fixtures, used here by name.
qualified, reviewer, head, hitech_item, submitted = (
    cases.qualified, cases.reviewer, cases.head, cases.hitech_item, cases.submitted,
)  # fmt: skip
commit_callbacks_run_at_once = cases.commit_callbacks_run_at_once
tangshan, district, viewer = board.tangshan, board.district, board.viewer
make_enterprise, make_case = board.make_enterprise, board.make_case

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://x.example","y")'
OTHER_TRIGGERS = ["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTAB", "\rCR"]


def assert_no_formula(content: bytes, *, expected: str = EVIL) -> None:
    book = openpyxl.load_workbook(io.BytesIO(content))
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} = {cell.value!r}"
                if cell.value == expected:
                    seen.append(cell)
    assert seen, f"{expected!r} is not in the workbook: the test did not exercise the export"


def test_the_bureau_queue_export_writes_an_enterprise_name_as_text(client, submitted, reviewer):
    Enterprise.objects.filter(pk=submitted.enterprise_id).update(name=EVIL)
    client.force_login(reviewer)
    response = client.get(reverse("applications:queue"), {"export": "xlsx"})
    assert response.status_code == 200
    assert_no_formula(response.content)


def test_the_targets_export_writes_a_target_name_as_text(client, viewer):
    Target.objects.update(name=EVIL)
    client.force_login(viewer)
    response = client.get(reverse("dashboard:targets"), {"year": 2025, "export": "xlsx"})
    assert response.status_code == 200
    assert_no_formula(response.content)


@pytest.mark.parametrize("page", ["dashboard:performance", "dashboard:money"])
def test_the_performance_and_money_exports_write_names_as_text(
    client, viewer, make_enterprise, make_case, tangshan, district, page
):
    IncentiveItem.objects.filter(key="ts2019-hitech-new").update(name=EVIL)
    firm = make_enterprise(city=tangshan, district=district)
    make_case(
        enterprise=firm,
        state=State.DISBURSED,
        submitted=datetime.date(2026, 3, 2),
        decided=datetime.date(2026, 3, 16),
        paid=datetime.date(2026, 4, 1),
        amount=200_000,
    )
    dashboard_services.snapshot_request(year=2026, city=None, by=viewer)
    client.force_login(viewer)
    response = client.get(reverse(page), {"year": 2026, "export": "xlsx"})
    assert response.status_code == 200
    assert_no_formula(response.content)


def test_the_index_export_writes_a_district_name_as_text(client, viewer, tangshan, district):
    Region.objects.filter(pk=district.pk).update(name=EVIL)
    client.force_login(viewer)
    response = client.get(
        reverse("dashboard:index"), {"city": tangshan.pk, "year": 2026, "export": "xlsx"}
    )
    assert response.status_code == 200
    assert_no_formula(response.content)


def test_the_district_figures_template_writes_a_district_name_as_text(
    client, make_user, tangshan, district
):
    Region.objects.filter(pk=district.pk).update(name=EVIL)
    client.force_login(make_user(Role.BUREAU))
    response = client.get(reverse("dashboard:figures_import"), {"template": 1, "city": tangshan.pk})
    assert response.status_code == 200
    assert_no_formula(response.content)


def test_the_audit_export_writes_a_comment_as_text(client, submitted, reviewer, make_user):
    case_services.transition(application_id=submitted.pk, user=reviewer, action="accept")
    case_services.transition(
        application_id=submitted.pk, user=reviewer, action="request_supplement", comment=EVIL
    )
    client.force_login(make_user(Role.CATALOGUE_ADMIN))
    response = client.get(reverse("audit:export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert_no_formula(response.content)


@pytest.mark.parametrize("value", [EVIL, *OTHER_TRIGGERS])
def test_the_one_writer_keeps_every_formula_trigger_as_text(value):
    content = workbooks.workbook_bytes(
        sheets=[workbooks.Sheet(title="t", headers=["name"], rows=[[value], [-5], [1.5]])]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cell = sheet["A2"]
    # (XML reads a stored carriage return back as a line feed)
    assert cell.data_type == "s" and cell.value == value.replace("\r", "\n")
    assert cell.quotePrefix  # Excel shows the text and keeps it text when the cell is edited
    assert sheet["A3"].value == -5 and sheet["A3"].data_type == "n"  # numbers stay numbers


def test_the_writer_drops_characters_a_workbook_cannot_hold():
    content = workbooks.workbook_bytes(
        sheets=[workbooks.Sheet(title="t", headers=["name"], rows=[["唐山\x07企业\x00"]])]
    )
    assert openpyxl.load_workbook(io.BytesIO(content)).active["A2"].value == "唐山企业"


def test_csv_cells_that_look_like_formulas_get_an_apostrophe():
    assert workbooks.csv_safe(EVIL) == "'" + EVIL
    assert workbooks.csv_safe("唐山") == "唐山"
