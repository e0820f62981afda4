"""Importing a task-division annex from a spreadsheet: a dry run first, aliases resolved, unknown
bureaus and ambiguous rows refused, all or nothing."""

import io

import openpyxl
import pytest
import tablib

from incentives.annex import annex_import, read_dataset
from incentives.catalogue import files
from incentives.models import Assignment, AssignmentRole, Measure

ANNEXES = sorted(files.ANNEXES_DIR.glob("*.csv"))


@pytest.mark.parametrize("path", ANNEXES, ids=[p.stem for p in ANNEXES])
def test_each_shipped_annex_imports_cleanly_and_agrees_with_the_catalogue(db, path):
    dataset = read_dataset(path)
    result = annex_import(dataset=dataset, dry_run=True)
    assert not result.has_errors(), [e.error for row in result.row_errors() for e in row[1]]
    assert not result.has_validation_errors(), [r.error_dict for r in result.invalid_rows]
    assert result.totals["new"] == 0
    assert result.totals["update"] == 0, "the annex disagrees with the catalogue's bureaus"
    assert result.totals["skip"] == len(dataset)


def test_the_seed_annexes_cover_every_document():
    assert len(ANNEXES) == len(files.document_files()) == 9


def _annex(*rows):
    dataset = tablib.Dataset(headers=["文件", "任务", "措施", "牵头单位", "责任单位", "配合单位"])
    for row in rows:
        dataset.append(row)
    return dataset


def _lines(number, role):
    measure = Measure.objects.get(document__key="tangshan-2019-15", number=number)
    return [
        a.bureau.name
        for a in Assignment.objects.filter(measure=measure, item__isnull=True, role=role).order_by(
            "position"
        )
    ]


def test_dry_run_shows_the_change_and_saves_nothing_then_confirm_saves(db):
    before = _lines("二（一）", AssignmentRole.LEAD)
    # 市科技局 is an alias of 市科学技术局; 市财政局 becomes a second lead.
    dataset = _annex(
        ["tangshan-2019-15", "任务二", "二（一）", "市科技局、市财政局", "市工业和信息化局", ""]
    )
    result = annex_import(dataset=dataset, dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["update"] == 1
    row = result.rows[0]
    assert "市财政局" in str(row.diff)
    assert _lines("二（一）", AssignmentRole.LEAD) == before  # nothing saved

    result = annex_import(dataset=dataset, dry_run=False)
    assert result.totals["update"] == 1
    assert _lines("二（一）", AssignmentRole.LEAD) == ["市科学技术局", "市财政局"]
    assert _lines("二（一）", AssignmentRole.RESPONSIBLE) == ["市工业和信息化局"]


def test_an_unknown_bureau_is_listed_and_nothing_is_saved(db):
    before = _lines("二（一）", AssignmentRole.LEAD)
    dataset = _annex(
        ["tangshan-2019-15", "任务二", "二（一）", "市财政局", "", ""],
        ["tangshan-2019-15", "任务二", "二（二）", "市宇宙探索局", "", ""],
    )
    result = annex_import(dataset=dataset, dry_run=False)
    assert result.has_validation_errors()
    messages = str([r.error_dict for r in result.invalid_rows])
    assert "市宇宙探索局" in messages
    assert _lines("二（一）", AssignmentRole.LEAD) == before  # the good row was not kept either


def test_a_measure_not_in_the_document_is_refused(db):
    result = annex_import(
        dataset=_annex(["tangshan-2019-15", "", "十一（九）", "市财政局", "", ""]), dry_run=True
    )
    assert result.has_errors()
    assert "十一（九）" in str([e.error for row in result.row_errors() for e in row[1]])


def test_a_measure_repeated_in_two_rows_is_ambiguous(db):
    dataset = _annex(
        ["tangshan-2019-15", "", "二（一）", "市财政局", "", ""],
        ["tangshan-2019-15", "", "二（一）", "市科学技术局", "", ""],
    )
    result = annex_import(dataset=dataset, dry_run=False)
    assert result.has_errors()
    assert "more than one row" in str(
        [e.error for row in result.row_errors() for e in row[1]]
    ) or "多行" in str([e.error for row in result.row_errors() for e in row[1]])


def test_xlsx_is_read_too(db, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["文件", "任务", "措施", "牵头单位", "责任单位", "配合单位"])
    sheet.append(
        [
            "tangshan-2019-15",
            "任务二",
            "二（一）",
            "市科学技术局",
            "市工业和信息化局、各县（市、区）政府、开发区（管理区）管委会",
            None,
        ]
    )
    path = tmp_path / "annex.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    result = annex_import(dataset=read_dataset(path), dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 1
