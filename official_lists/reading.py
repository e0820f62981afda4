"""Reading a list as bureaus receive it: an Excel workbook (.xlsx) or a CSV file (UTF-8 with or
without BOM, or GBK — Excel in China saves CSV as GBK), with a header row in Chinese.

Nothing here writes. Each data row becomes a ``ReadRow``: its cells as text, the values cleaned
(credit code, kind, level, dates) and, where a cell is wrong, the reason in words. Problems with
the file as a whole (not a workbook, too big, no header we know) raise ``ListError``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from enterprises.models import QualificationKind, QualificationLevel
from portal import uploads
from portal.validators import normalise_code, validate_credit_code, validate_plain_text

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
CELL_MAX = 500  # characters kept of a cell as read
NAME_MAX = 200


class ListError(Exception):
    """A list that cannot be read at all; the message says why, for the person uploading it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Header → field. Headers are compared without spaces, in half-width (NFKC) form.
CODE, NAME, KIND, LEVEL, DATE, CERT, BATCH, EXPIRES = (
    "credit_code", "name", "kind", "level", "recognized_on", "certificate_number", "batch",
    "expires_on",
)  # fmt: skip
HEADERS = {
    CODE: ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码"),
    NAME: ("企业名称", "单位名称", "名称", "企业(单位)名称"),
    KIND: ("资质", "资质类型", "资质名称", "类别", "认定类别"),
    LEVEL: ("层级", "级别"),
    DATE: ("认定日期", "认定时间", "发证日期", "认定年月"),
    CERT: ("证书编号", "证书号"),
    BATCH: ("批次/文号", "批次", "文号", "批次文号", "批次、文号"),
    EXPIRES: ("有效期至", "有效期", "到期日期"),
}
REQUIRED = (CODE, NAME, KIND, DATE)
EXPECTED_HEADER = "统一社会信用代码, 企业名称, 资质, 层级, 认定日期, 证书编号, 批次/文号"

# 资质 by its Chinese name (and the short names people write); the internal values work too.
KIND_NAMES = {
    "高新技术企业": QualificationKind.HITECH,
    "国家高新技术企业": QualificationKind.HITECH,
    "高企": QualificationKind.HITECH,
    "高新技术企业培育库": QualificationKind.HITECH_POOL,
    "高新技术企业培育库入库企业": QualificationKind.HITECH_POOL,
    "培育库": QualificationKind.HITECH_POOL,
    "科技型中小企业": QualificationKind.TECH_SME,
    "科技领军企业": QualificationKind.TECH_LEADER,
    "专精特新": QualificationKind.SPECIALIZED_SME,
    "专精特新中小企业": QualificationKind.SPECIALIZED_SME,
    "专精特新企业": QualificationKind.SPECIALIZED_SME,
    "技术先进型服务企业": QualificationKind.TECH_ADVANCED_SERVICE,
    "重点实验室": QualificationKind.KEY_LAB,
    "技术创新中心": QualificationKind.TECH_INNOVATION_CENTER,
    "工程研究中心": QualificationKind.ENGINEERING_RESEARCH_CENTER,
    "工程技术研究中心": QualificationKind.ENGINEERING_RESEARCH_CENTER,
    "企业技术中心": QualificationKind.ENTERPRISE_TECH_CENTER,
    "产业技术研究院": QualificationKind.INDUSTRIAL_TECH_INSTITUTE,
    "科技企业孵化器": QualificationKind.INCUBATOR,
    "孵化器": QualificationKind.INCUBATOR,
    "众创空间": QualificationKind.MAKER_SPACE,
    "新型研发机构": QualificationKind.NEW_RD_INSTITUTION,
    "院士工作站": QualificationKind.ACADEMICIAN_WORKSTATION,
    "博士后科研工作站": QualificationKind.POSTDOC_WORKSTATION,
    "博士后工作站": QualificationKind.POSTDOC_WORKSTATION,
    **{kind.value: kind for kind in QualificationKind},
}
LEVEL_NAMES = {
    "国家级": QualificationLevel.NATIONAL,
    "国家": QualificationLevel.NATIONAL,
    "省级": QualificationLevel.PROVINCIAL,
    "省": QualificationLevel.PROVINCIAL,
    "市级": QualificationLevel.CITY,
    "市": QualificationLevel.CITY,
    **{level.value: level for level in QualificationLevel},
}
DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def plain(value: Any) -> str:
    """A cell as text: half-width, spaces at the ends out (full-width spaces included)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _key(header: Any) -> str:
    return re.sub(r"\s+", "", plain(header))


def header_map(header: list[Any]) -> dict[str, int]:
    """Which column holds which field; ``ListError`` naming what is missing."""
    wanted = {_key(name): field for field, names in HEADERS.items() for name in names}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        found = wanted.get(_key(cell))
        if found and found not in columns:
            columns[found] = index
    missing = [HEADERS[name][0] for name in REQUIRED if name not in columns]
    if missing:
        seen = "、".join(plain(c) for c in header if plain(c))[:300] or "—"
        raise ListError(
            _(
                "The first row must name the columns (%(expected)s). Missing: %(missing)s. "
                "Found: %(found)s."
            )
            % {"expected": EXPECTED_HEADER, "missing": "、".join(missing), "found": seen}
        )
    return columns


def parse_date(value: Any) -> datetime.date:
    """A date as bureaus write it: 2026-03-01, 2026/3/1, 2026年3月1日, 20260301, an Excel date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    # An Excel serial date (1954–2119) read without its format.
    if isinstance(value, int | float) and not isinstance(value, bool) and 20_000 <= value <= 80_000:
        return from_excel(value).date()
    text = re.sub(r"\s+", "", plain(value))
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                break
    raise ValueError(text)


@dataclass
class ReadRow:
    number: int
    cells: list[str]
    credit_code: str = ""
    name: str = ""
    kind: str = ""
    level: str = ""
    recognized_on: datetime.date | None = None
    expires_on: datetime.date | None = None
    certificate_number: str = ""
    batch: str = ""
    problems: list[str] = field(default_factory=list)


def _cell(values: list[Any], columns: dict[str, int], name: str) -> Any:
    index = columns.get(name)
    return values[index] if index is not None and index < len(values) else None


def read_row(number: int, values: list[Any], columns: dict[str, int]) -> ReadRow:
    """One data row, cleaned; every wrong cell adds its reason to ``problems``."""
    row = ReadRow(number=number, cells=[plain(v)[:CELL_MAX] for v in values])
    raw_code = plain(_cell(values, columns, CODE))
    code = normalise_code(raw_code)
    row.credit_code = code[:18]
    if not code:
        row.problems.append(_("The credit code is missing."))
    else:
        try:
            validate_credit_code(code)
        except ValidationError as error:
            row.problems.append(" ".join(error.messages))
    name = re.sub(r"\s+", " ", plain(_cell(values, columns, NAME)))
    row.name = name[:NAME_MAX]
    if not name:
        row.problems.append(_("The enterprise's name is missing."))
    elif len(name) > NAME_MAX:
        row.problems.append(_("The name is longer than 200 characters."))
    else:
        try:
            validate_plain_text(name)
        except ValidationError as error:
            row.problems.append(" ".join(error.messages))
    kind_text = re.sub(r"\s+", "", plain(_cell(values, columns, KIND)))
    kind = KIND_NAMES.get(kind_text)
    if kind is None:
        row.problems.append(
            _(
                "Unknown qualification “%(kind)s”; write it as on the certificate, "
                "e.g. 高新技术企业."
            )
            % {"kind": kind_text[:50] or "—"}
        )
    else:
        row.kind = kind.value
    level_text = re.sub(r"\s+", "", plain(_cell(values, columns, LEVEL)))
    if level_text:
        level = LEVEL_NAMES.get(level_text)
        if level is None:
            row.problems.append(
                _("Unknown level “%(level)s”; write 国家级, 省级 or 市级.")
                % {"level": level_text[:50]}
            )
        else:
            row.level = level.value
    for name_, attribute, required in (
        (DATE, "recognized_on", True),
        (EXPIRES, "expires_on", False),
    ):
        value = _cell(values, columns, name_)
        if value is None or plain(value) == "":
            if required:
                row.problems.append(_("The recognition date is missing."))
            continue
        try:
            setattr(row, attribute, parse_date(value))
        except (ValueError, OverflowError):
            row.problems.append(
                _("“%(value)s” is not a date; write it like 2026-03-01 or 2026年3月1日.")
                % {"value": plain(value)[:50]}
            )
    if row.recognized_on and row.expires_on and row.expires_on < row.recognized_on:
        row.problems.append(_("The certificate cannot expire before it was issued."))
    certificate = plain(_cell(values, columns, CERT))
    row.certificate_number = certificate[:64]
    if len(certificate) > 64:
        row.problems.append(_("The certificate number is longer than 64 characters."))
    row.batch = plain(_cell(values, columns, BATCH))[:200]
    for text in (row.certificate_number, row.batch):
        try:
            validate_plain_text(text)
        except ValidationError as error:
            row.problems.append(" ".join(error.messages))
    return row


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def _too_many_rows() -> ListError:
    return ListError(
        _("The list has more than %(max)s rows; split it into several files.") % {"max": MAX_ROWS}
    )


def _workbook_rows(upload) -> list[list[Any]]:
    try:  # by content, with the archive guards of the attachments (zip bombs, nesting)
        info = uploads.inspect_upload(upload, max_size=MAX_BYTES)
    except uploads.UploadRefused as refused:
        raise ListError(str(refused.message)) from refused
    if info.kind != "xlsx":
        raise ListError(_("Please upload an Excel workbook (.xlsx) or a CSV file."))
    upload.seek(0)
    try:
        # data_only: a formula is read as the value Excel saved, never as a formula.
        book = openpyxl.load_workbook(upload, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values[:30]))
            if len(rows) > MAX_ROWS + 1:
                raise _too_many_rows()
        book.close()
    except ListError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise ListError(_("The file could not be read as an Excel workbook (.xlsx).")) from error
    return rows


def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK (GB18030, its superset)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ListError(_("The CSV file is neither UTF-8 nor GBK text."))


def _csv_rows(upload) -> list[list[Any]]:
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise ListError(_("The file is larger than 5 MB."))
    if b"\x00" in content:
        raise ListError(_("Please upload an Excel workbook (.xlsx) or a CSV file."))
    text = decode(content)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = []
    try:
        for values in csv.reader(io.StringIO(text), dialect):
            rows.append(values[:30])
            if len(rows) > MAX_ROWS + 1:
                raise _too_many_rows()
    except csv.Error as error:
        raise ListError(
            _("The CSV file could not be read: %(error)s") % {"error": error}
        ) from error
    return rows


def read_list(upload, *, file_name: str) -> list[ReadRow]:
    """Every data row of the uploaded file (blank rows skipped); ``ListError`` if the file as a
    whole cannot be read."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ListError(_("The file is larger than 5 MB."))
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head.startswith(uploads.ZIP_SIGNATURE) or file_name.lower().endswith(".xlsx"):
        table = _workbook_rows(upload)
    elif file_name.lower().endswith((".csv", ".txt")) or not head.startswith(b"\xd0\xcf"):
        table = _csv_rows(upload)
    else:
        raise ListError(_("Please upload an Excel workbook (.xlsx) or a CSV file."))
    start = next((i for i, values in enumerate(table) if any(plain(v) for v in values)), None)
    if start is None:
        raise ListError(_("The file is empty."))
    columns = header_map(table[start])
    rows = [  # numbered as the spreadsheet numbers them
        read_row(number, values, columns)
        for number, values in enumerate(table[start + 1 :], start=start + 2)
        if any(plain(v) for v in values)
    ]
    if not rows:
        raise ListError(_("The file has a header row but no rows under it."))
    return rows
