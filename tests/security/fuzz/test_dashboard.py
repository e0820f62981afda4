"""Fuzzed forms of the leadership dashboard: filters and downloads, target figures, district
figures, the workbook import (arbitrary bytes, headers and cells), snapshot requests."""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from hypothesis import given, reject
from hypothesis import strategies as st

from accounts.models import Role
from organisations.models import Region
from tests.security.fuzz.helpers import (
    FUZZ,
    FUZZ_SETTINGS,
    assert_says_why,
    draw_payload,
    rolled_back,
    send,
    web_client,
)


@pytest.fixture
def dashboard_people(make_user):
    from dashboard.models import Target

    staff = make_user(Role.BUREAU, city="廊坊市", bureau_name="市科学技术局")
    return {
        "viewer": make_user(Role.LEADERSHIP),
        "staff": staff,
        "tangshan_staff": make_user(Role.BUREAU),
        "target": Target.objects.get(key="lf2023-tech-contract-turnover"),
        "district": Region.objects.get(name="路北区"),
    }


@FUZZ_SETTINGS
@given(data=st.data())
def test_dashboard_filters(dashboard_people, data):
    page = data.draw(
        st.sampled_from(
            [
                "/leadership/targets/",
                "/leadership/performance/",
                "/leadership/money/",
                "/leadership/index/",
                "/leadership/report/",
                f"/leadership/index/{dashboard_people['district'].pk}/",
            ]
        )
    )
    base = {
        "city": [str(pk) for pk in Region.objects.filter(level="city").values_list("pk", flat=True)]
        + [""],
        "year": ["2025", "2026", ""],
        "bureau": ["", str(dashboard_people["staff"].bureau_id)],
        "month": ["1", "11", ""],
        "export": ["", "xlsx"],
    }
    payload = draw_payload(data, base)
    with rolled_back():
        send(web_client(dashboard_people["viewer"]), "dashboard_filters", "get", page, data=payload)


@FUZZ_SETTINGS
@given(data=st.data())
def test_dashboard_target_figure(dashboard_people, data):
    from dashboard.models import TargetFigure

    target = dashboard_people["target"]
    base = {
        "year": ["2023", "2024", "2025"],
        "value": ["312", "0", "1.5"],
        "source": ["技术市场登记"],
    }
    payload = draw_payload(data, base)
    who = data.draw(st.sampled_from(["staff", "staff", "tangshan_staff"]))
    target_pk = data.draw(st.sampled_from([str(target.pk), str(target.pk), "999999"]))
    with rolled_back():
        response = send(
            web_client(dashboard_people[who]),
            "dashboard_target_figure",
            "post",
            f"/figures/targets/{target_pk}/",
            data=payload,
        )
        if who == "tangshan_staff" and target_pk == str(target.pk):
            assert response.status_code == 403  # not a lead bureau of 廊坊's target
        if response.status_code == 200:
            assert_says_why(response, required=True)
            assert not TargetFigure.objects.exists()
        if response.status_code == 302:
            figure = TargetFigure.objects.get()
            assert figure.value >= 0 and figure.year in (2023, 2024, 2025)


@FUZZ_SETTINGS
@given(data=st.data())
def test_dashboard_district_figures(dashboard_people, data):
    from dashboard.forms import DistrictFiguresForm
    from dashboard.models import DistrictFigure
    from dashboard.selectors import index_indicators, index_scheme

    form = DistrictFiguresForm(indicators=index_indicators(index_scheme()), figures={})
    base = {name: ["", "0", "3", "1.25"] for name in form.fields}
    payload = draw_payload(data, base)
    district = dashboard_people["district"]
    year = data.draw(st.sampled_from(["2026", "2025", "", "abc", "1e309", "２０２６"]))
    with rolled_back():
        response = send(
            web_client(dashboard_people["tangshan_staff"]),
            "dashboard_district_figures",
            "post",
            f"/figures/districts/{district.pk}/?year={quote(year)}",
            data=payload,
        )
        if response.status_code == 200:
            assert_says_why(response, required=True)
            assert not DistrictFigure.objects.exists()
        for figure in DistrictFigure.objects.all():
            assert figure.value is None or figure.value >= 0


XLSX_HEADER = ["区县", "年份", "指标编码", "指标名称", "单位类别", "数值"]


def _workbook_bytes(rows) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CELL = st.one_of(FUZZ, st.integers(-10, 10_000), st.floats(allow_nan=False), st.none())


@FUZZ_SETTINGS
@given(data=st.data())
def test_dashboard_figures_import(dashboard_people, data):
    from openpyxl.utils.exceptions import IllegalCharacterError

    from dashboard.models import DistrictFigure

    city = Region.objects.get(name="唐山市", level=Region.Level.CITY)
    how = data.draw(st.sampled_from(["rows", "rows", "rows", "bytes", "header"]))
    if how == "bytes":
        content = data.draw(st.binary(max_size=200))
    else:
        header = XLSX_HEADER if how == "rows" else data.draw(st.lists(CELL, max_size=6))
        plausible_row = st.tuples(
            st.sampled_from(["路北区", "路南区", "廊坊经济技术开发区", ""]) | FUZZ,
            st.sampled_from([2026, 2025, "2026"]) | CELL,
            st.sampled_from(["fiscal_expenditure", "provincial_plus_rd_platforms", "hitech_count"])
            | FUZZ,
            CELL,
            st.sampled_from(["", "国家级重点实验室"]) | FUZZ,
            CELL,
        )
        rows = data.draw(st.lists(plausible_row, max_size=6))
        try:
            content = _workbook_bytes([header, *[list(r) for r in rows]])
        except (ValueError, TypeError, IllegalCharacterError):  # control characters in a cell
            reject()  # openpyxl cannot write such a workbook, so nobody can upload one
    name = data.draw(
        st.sampled_from(["figures.xlsx", "figures.pdf", "../../x.xlsx", "数\x01据.xlsx"])
    )
    with rolled_back():
        response = send(
            web_client(dashboard_people["tangshan_staff"]),
            "dashboard_figures_import",
            "post",
            "/figures/import/",
            data={"city": str(city.pk), "file": SimpleUploadedFile(name, content)},
        )
        if response.status_code == 200:
            problems = response.context.get("problems") if response.context else None
            if problems:
                assert all(escape(p) in response.content.decode() for p in problems[:50])
            else:
                assert_says_why(response, required=True)
            assert not DistrictFigure.objects.exists()  # all or nothing


@FUZZ_SETTINGS
@given(data=st.data())
def test_dashboard_snapshot_request(dashboard_people, data):
    base = {
        "year": ["2026", "2025"],
        "city": ["", str(Region.objects.get(name="唐山市").pk)],
        "next": ["money", "performance"],
    }
    payload = draw_payload(data, base)
    with rolled_back():
        response = send(
            web_client(dashboard_people["viewer"]),
            "dashboard_snapshot_request",
            "post",
            "/leadership/snapshots/",
            data=payload,
        )
        if response.status_code == 302:
            assert response["Location"].startswith("/leadership/snapshots/")
