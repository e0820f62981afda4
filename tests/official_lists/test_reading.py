"""Reading lists as bureaus receive them: xlsx, CSV in UTF-8 (with or without BOM) and GBK,
headers with stray spaces and full-width characters, dates in every usual shape, kinds and
levels by their Chinese names, and hostile files (formulas, huge, wrong headers, not a list)."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from official_lists import reading
from official_lists.reading import ListError, parse_date, read_list
from tests.official_lists.conftest import HEADER, csv_file, new_code, row, xlsx_file


@pytest.fixture
def code():
    return new_code()


def read(upload):
    return read_list(upload, file_name=upload.name)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk(code, encoding):
    rows = read(csv_file([row(code, "唐山星河科技有限公司")], encoding=encoding))
    assert len(rows) == 1
    got = rows[0]
    assert (got.credit_code, got.name, got.kind, got.level) == (
        code, "唐山星河科技有限公司", "hitech", "national",
    )  # fmt: skip
    assert got.problems == [] and got.number == 2


def test_xlsx_with_excel_dates_and_numbers(code):
    day = datetime.datetime(2026, 3, 1)
    rows = read(
        xlsx_file([[code, "唐山星河科技有限公司", "科技型中小企业", "省级", day, 20261301, "x"]])
    )
    assert rows[0].recognized_on == datetime.date(2026, 3, 1)
    assert rows[0].kind == "tech_sme" and rows[0].level == "provincial"
    assert rows[0].certificate_number == "20261301"


def test_headers_tolerate_spaces_full_width_and_other_order(code):
    header = [
        "企业 名称",
        "统一社会信用代码 ",
        "资　质",
        "认定日期",
        "层级",
        "证书编号",
        "批次／文号",
    ]
    rows = read(
        csv_file([["唐山星河科技有限公司", code, "高企", "2026/3/1", "", "", ""]], header=header)
    )
    assert rows[0].credit_code == code and rows[0].kind == "hitech"
    assert rows[0].recognized_on == datetime.date(2026, 3, 1) and rows[0].level == ""


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-01",
        "2026/3/1",
        "2026年3月1日",
        "2026.3.1",
        "20260301",
        " 2026-03-01 ",
        "２０２６-０３-０１",
    ],
)
def test_dates_as_bureaus_write_them(text):
    assert parse_date(text) == datetime.date(2026, 3, 1)


def test_an_excel_serial_number_is_a_date():
    assert parse_date(46082) == datetime.date(2026, 3, 1)


@pytest.mark.parametrize("text", ["2026-02-30", "明年", "3/1/2026", "", "1"])
def test_bad_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(
    "kind,value",
    [("高新技术企业", "hitech"), ("科技型中小企业", "tech_sme"),
     ("专精特新中小企业", "specialized_sme"), ("众创空间", "maker_space"), ("hitech", "hitech")],
)  # fmt: skip
def test_kinds_by_their_chinese_names(code, kind, value):
    assert read(csv_file([row(code, "甲公司", kind=kind)]))[0].kind == value


def test_unknown_kind_level_and_bad_code_say_why(code):
    bad_check = code[:17] + ("0" if code[17] != "0" else "1")
    rows = read(
        csv_file(
            [
                row(code, "甲公司", kind="优秀企业"),
                row(code, "乙公司", level="区级"),
                row(bad_check, "丙公司"),
                row("", "丁公司"),
                row(code, "", day="明天"),
            ]
        )
    )
    assert "优秀企业" in rows[0].problems[0]
    assert "区级" in rows[1].problems[0]
    assert "18" in rows[2].problems[0]  # character 18, the check character
    assert rows[3].problems
    assert len(rows[4].problems) == 2  # no name, no date


def test_wrong_headers_are_refused_naming_what_is_missing(code):
    with pytest.raises(ListError) as error:
        read(csv_file([[code, "甲"]], header=["代码", "企业名称"]))
    assert "统一社会信用代码" in error.value.message and "资质" in error.value.message


def test_an_empty_file_and_a_header_alone_are_refused():
    with pytest.raises(ListError):
        read(SimpleUploadedFile("a.csv", b"", content_type="text/csv"))
    with pytest.raises(ListError):
        read(csv_file([]))


def test_formulas_are_read_as_their_saved_value_never_run(code):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(
        [code, '=HYPERLINK("http://x.example","y")', "高新技术企业", "", "2026-03-01", "", ""]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read(SimpleUploadedFile("f.xlsx", buffer.getvalue()))
    # Never computed by Excel, the formula has no saved value: the name is missing, said so.
    assert rows[0].name == "" and rows[0].problems


def test_too_many_rows_and_too_many_bytes_are_refused(monkeypatch, code):
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    with pytest.raises(ListError, match="3"):
        read(csv_file([row(code, f"公司{i}") for i in range(5)]))
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    with pytest.raises(ListError, match="5 MB"):
        read(csv_file([row(code, "公司" * 50)]))


def test_a_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 30_000_000)
    with pytest.raises(ListError):
        read(SimpleUploadedFile("bomb.xlsx", buffer.getvalue()))


def test_a_file_that_is_not_a_list_is_refused():
    with pytest.raises(ListError):
        read(SimpleUploadedFile("x.xlsx", b"PK\x03\x04not really a zip"))
    with pytest.raises(ListError):
        read(SimpleUploadedFile("x.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100))


@given(st.lists(st.lists(st.text(max_size=30), max_size=9), max_size=6))
def test_any_csv_is_read_or_refused_with_a_reason(cells):
    text = "\n".join(",".join(line) for line in [HEADER, *cells])
    try:
        rows = read_list(io.BytesIO(text.encode("utf-8")), file_name="x.csv")
    except ListError as error:
        assert error.message
        return
    for got in rows:
        assert got.problems or (got.credit_code and got.kind and got.recognized_on)
