"""Fuzzed forms of official lists, as the 唐山 科技局's staff: the upload (title, 批次/文号 and a
file that is a hostile CSV, a hostile workbook or any bytes), the confirmation (with ticks for
rows no list has) and the withdrawal's reason. Never a server error; a refused upload says why."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, reject
from hypothesis import strategies as st

from official_lists import services
from official_lists.models import OfficialList
from tests import factories
from tests.official_lists.conftest import HEADER, csv_file, row
from tests.security.fuzz.helpers import (
    FUZZ,
    FUZZ_SETTINGS,
    assert_says_why,
    draw_payload,
    rolled_back,
    send,
    web_client,
)

CELL = st.one_of(FUZZ, st.integers(-10, 100_000), st.floats(allow_nan=False), st.none())
KINDS = st.sampled_from(["高新技术企业", "科技型中小企业", "hitech", "", "优秀"]) | FUZZ
DATES = st.sampled_from(["2026-03-01", "2026年3月1日", "2026/2/30", "", "46082"]) | FUZZ


def _plausible_row(code):
    return st.tuples(
        st.sampled_from([code, code.lower(), code[:17] + "X", ""]) | FUZZ,
        st.sampled_from(["唐山星河科技有限公司", '=HYPERLINK("http://x","y")']) | FUZZ,
        KINDS,
        st.sampled_from(["国家级", "省级", ""]) | FUZZ,
        DATES,
        CELL,
        CELL,
    )


def _workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for line in rows:
        sheet.append(list(line))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def known():
    return factories.enterprise(name="唐山星河科技有限公司")


@FUZZ_SETTINGS
@given(data=st.data())
def test_official_list_upload(reviewer, known, data):
    from openpyxl.utils.exceptions import IllegalCharacterError

    how = data.draw(st.sampled_from(["csv", "csv", "xlsx", "xlsx", "bytes", "header"]))
    rows = [list(r) for r in data.draw(st.lists(_plausible_row(known.credit_code), max_size=5))]
    header = HEADER if how != "header" else data.draw(st.lists(CELL, max_size=8))
    if how == "bytes":
        content = data.draw(st.binary(max_size=300))
    elif how == "xlsx":
        try:
            content = _workbook([header, *rows])
        except (ValueError, TypeError, IllegalCharacterError):
            reject()  # openpyxl cannot write such a workbook, so nobody can upload one
    else:
        encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
        text = "\n".join(",".join(str(c) for c in line) for line in [header, *rows])
        content = text.encode(encoding, errors="replace")
    name = data.draw(st.sampled_from(["list.csv", "list.xlsx", "名单.CSV", "../x.csv", "x.pdf"]))
    payload = draw_payload(data, {"title": ["河北省高企名单", ""], "batch": ["冀科高〔2026〕3号"]})
    payload["file"] = SimpleUploadedFile(name, content)
    with rolled_back():
        response = send(
            web_client(reviewer), "official_list_upload", "post", "/bureau/lists/upload/",
            data=payload,
        )  # fmt: skip
        if response.status_code == 200:
            assert_says_why(response, required=True)
            assert not OfficialList.objects.exists()  # a refused file leaves nothing
        elif response.status_code == 302:
            listed = OfficialList.objects.get()
            page = web_client(reviewer).get(f"/bureau/lists/{listed.pk}/")
            assert page.status_code == 200


@FUZZ_SETTINGS
@given(data=st.data())
def test_official_list_confirm_and_withdraw(head, known, data):
    listed = services.list_upload(
        by=head,
        title="名单",
        batch="1号",
        upload=csv_file([row(known.credit_code, "唐山星河科技（改名）有限公司")]),
    )
    ticks = data.draw(st.lists(st.sampled_from(["2", "3", "0", "-1", "9" * 30]) | FUZZ, max_size=4))
    with rolled_back():
        send(
            web_client(head), "official_list_confirm", "post",
            f"/bureau/lists/{listed.pk}/confirm/", data={"apply_anyway": ticks},
        )  # fmt: skip
        payload = draw_payload(data, {"reason": ["上传错误", ""]})
        response = send(
            web_client(head), "official_list_withdraw", "post",
            f"/bureau/lists/{listed.pk}/withdraw/", data=payload,
        )  # fmt: skip
        if response.status_code == 200:
            assert_says_why(response, required=True)
