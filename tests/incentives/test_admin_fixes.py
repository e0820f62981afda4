"""The catalogue admin site as the catalogue admin uses it (issue 14, item 5): the annex import
speaks Chinese and takes a document's number, the history table reads right, filters and
dropdowns show words, the admin pages need no inline style, and there is a favicon."""

import io
import re
import struct
from pathlib import Path

import pytest
import tablib
from django.contrib.staticfiles import finders
from django.urls import reverse

from accounts.models import Role
from incentives.annex import annex_import
from incentives.models import AwardRule, IncentiveItem, Measure, PolicyDocument


@pytest.fixture
def admin_client(client, make_user):
    user = make_user(Role.CATALOGUE_ADMIN, username="guanli-fixes")
    client.force_login(user)
    return client


def _annex_file(*rows) -> io.BytesIO:
    dataset = tablib.Dataset(headers=["文件", "任务", "措施", "牵头单位", "责任单位", "配合单位"])
    for row in rows:
        dataset.append(row)
    upload = io.BytesIO(dataset.export("csv").encode("utf-8"))
    upload.name = "annex.csv"
    return upload


def _import(client, upload):
    url = reverse("admin:incentives_measure_import")
    return client.post(url, {"import_file": upload, "format": "0", "resource": "0"})


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_annex_import_names_a_document_by_its_number_or_title(db):
    document = PolicyDocument.objects.get(key="tangshan-2019-15")
    assert document.doc_number
    for name in (document.doc_number, document.title, document.key, "唐发[2019]15号"):
        dataset = tablib.Dataset(
            headers=["文件", "任务", "措施", "牵头单位", "责任单位", "配合单位"]
        )
        dataset.append([name, "任务二", "二（一）", "市科技局、市财政局", "市工业和信息化局", ""])
        result = annex_import(dataset=dataset, dry_run=True)
        assert not result.has_errors(), [e.error for row in result.row_errors() for e in row[1]]
        assert not result.has_validation_errors(), name
        assert result.totals["update"] == 1, name
        assert document.doc_number in str(result.rows[0].diff), "the preview names it by number"


def test_an_unknown_document_is_refused_in_words(admin_client):
    response = _import(
        admin_client, _annex_file(["唐政发〔1999〕1号", "任务", "1", "市财政局", "", ""])
    )
    text = _text(response)
    assert "唐政发〔1999〕1号" in text
    assert "文号" in text
    assert "matching query does not exist" not in text


def test_a_refused_row_shows_its_reason_in_chinese_beside_it(admin_client):
    document = PolicyDocument.objects.get(key="tangshan-2019-15")
    response = _import(
        admin_client,
        _annex_file([document.doc_number, "任务二", "二（一）", "市宇宙探索局", "", ""]),
    )
    assert response.status_code == 200
    page = response.content.decode()
    text = _text(response)
    assert "部分行未通过校验" in text
    assert "某些行验数据证失败" not in text
    assert 'data-testid="annex-invalid-rows"' in page
    # The reason in words, under the column's own heading, not behind a count and a code.
    assert "牵头单位 ：" in text or "牵头单位：" in text
    assert "市宇宙探索局" in text
    assert "ANNEX_LEAD" not in page and "annex_lead" not in page
    assert "validation-error-count" not in page


def test_the_history_table_reads_right(admin_client):
    rule = IncentiveItem.objects.get(key="ts2019-hitech-new").rules.get()
    rule.clause = "二、（一）"
    rule.save()  # a history record without a reason
    response = admin_client.get(reverse("admin:incentives_awardrule_history", args=[rule.pk]))
    page = response.content.decode()
    start = page.index('id="change-history"')
    table = page[start : page.index("</table>", start)]
    headings = re.findall(r'<th scope="col">\s*(.*?)\s*</th>', table)
    assert headings[0] == "对象"
    assert "操作" in headings and "修改原因" in headings and "修改人" in headings
    assert "提出异议" not in page and "意见" not in headings
    assert ">None<" not in re.sub(r"\s+", "", table) and "None" not in table
    assert "—" in table


def test_the_publicity_page_still_says_object_as_a_verb():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Object") == "提出异议"
        assert translation.pgettext("admin history column", "Object") == "对象"


def test_the_award_rule_kinds_are_filtered_and_listed_in_words(admin_client):
    response = admin_client.get(reverse("admin:incentives_awardrule_changelist"))
    page = response.content.decode()
    filters = page[page.index('id="changelist-filter"') :]
    assert "定额奖补" in filters
    assert ">fixed<" not in filters.replace(" ", "")
    assert "?kind=fixed" in filters
    filtered = admin_client.get(reverse("admin:incentives_awardrule_changelist") + "?kind=fixed")
    assert filtered.status_code == 200
    assert "定额奖补" in filtered.content.decode()
    assert AwardRule.objects.filter(kind="fixed").exists()  # the stored kind is unchanged
    rule = AwardRule.objects.filter(kind="fixed").first()
    change = admin_client.get(reverse("admin:incentives_awardrule_change", args=[rule.pk]))
    assert "定额奖补" in change.content.decode()


def _measure_options(page: str) -> list[str]:
    select = re.search(r'<select name="measure".*?</select>', page, re.S).group(0)
    return [o for o in re.findall(r"<option[^>]*>(.*?)</option>", select) if o != "---------"]


def test_the_item_page_offers_only_the_measures_of_its_document_each_told_apart(admin_client):
    item = IncentiveItem.objects.select_related("measure__document").get(key="ts2019-hitech-new")
    document = item.measure.document
    page = admin_client.get(
        reverse("admin:incentives_incentiveitem_change", args=[item.pk])
    ).content.decode()
    options = _measure_options(page)
    assert len(options) == Measure.objects.filter(document=document).count()
    assert len(set(options)) == len(options)
    assert all(option.startswith(document.doc_number) for option in options)

    add_page = admin_client.get(reverse("admin:incentives_incentiveitem_add")).content.decode()
    options = _measure_options(add_page)
    assert len(options) == Measure.objects.count()
    assert len(set(options)) == len(options)


def test_the_admin_pages_need_no_inline_style_or_script(admin_client):
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    rule = item.rules.get()
    for url in (
        reverse("admin:index"),
        reverse("admin:incentives_awardrule_changelist"),
        reverse("admin:incentives_awardrule_change", args=[rule.pk]),
        reverse("admin:incentives_awardrule_history", args=[rule.pk]),
        reverse("admin:incentives_incentiveitem_change", args=[item.pk]),
        reverse("admin:incentives_incentiveitem_history", args=[item.pk]),
        reverse("admin:incentives_incentiveitem_preview", args=[item.pk]),
        reverse("admin:incentives_measure_import"),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "style=" not in page, url
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)
        assert inline == [], url
        policy = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy, url
        assert "css/admin.css" in page and "favicon.ico" in page, url


def test_there_is_a_favicon_linked_and_at_the_root(client, db):
    path = finders.find("favicon.ico")
    assert path
    data = Path(path).read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, 1)
    width, height = data[6], data[7]
    size, offset = struct.unpack("<II", data[14:22])
    assert (width, height) == (32, 32) and offset + size == len(data)

    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.ico")
    home = client.get("/").content.decode()
    assert "favicon.ico" in home
