"""The one place the portal writes spreadsheets (the queue and dashboard downloads, the district
figures template, the audit log), so that no cell anyone typed can become a formula.

The rule is OWASP's for CSV injection: text that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return would be run by the spreadsheet that opens the file. In a workbook such a
cell is written as a string with Excel's quote prefix (shown as typed, kept as text when edited);
in a CSV file it gets a leading apostrophe. Characters a workbook cannot hold (C0 controls) are
dropped rather than failing the download.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CELL_MAX_LENGTH = 32_000  # Excel holds at most 32,767 characters in a cell
SHEET_TITLE_MAX_LENGTH = 31
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"


@dataclass
class Sheet:
    """One worksheet: a bold, frozen header row, then the rows (any iterable, read once)."""

    title: str
    headers: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float] = field(default_factory=tuple)


def csv_safe(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _cell(sheet, value: Any, *, bold: Font | None = None) -> WriteOnlyCell:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
    elif isinstance(value, bool | int | float | Decimal) or value is None:
        cell = WriteOnlyCell(sheet, value=value)
    else:
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:CELL_MAX_LENGTH]
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
        if text.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    if bold is not None:
        cell.font = bold
    return cell


def workbook_write(*, sheets: Iterable[Sheet], stream: IO[bytes]) -> int:
    """Write the sheets as one .xlsx to a binary stream; return how many rows (headers not
    counted) were written. Rows are streamed, so a long audit log is never held whole."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    count = 0
    for spec in sheets:
        title = ILLEGAL_CHARACTERS_RE.sub("", str(spec.title))
        sheet = book.create_sheet(title=title[:SHEET_TITLE_MAX_LENGTH] or "Sheet")
        for column, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([_cell(sheet, title, bold=bold) for title in spec.headers])
        for row in spec.rows:
            sheet.append([_cell(sheet, value) for value in row])
            count += 1
    if not book.worksheets:
        book.create_sheet("Sheet")
    book.save(stream)
    return count


def workbook_bytes(*, sheets: Iterable[Sheet]) -> bytes:
    buffer = io.BytesIO()
    workbook_write(sheets=sheets, stream=buffer)
    return buffer.getvalue()


def workbook_response(*, filename: str, sheets: Iterable[Sheet]) -> HttpResponse:
    """A download of the sheets; ``filename`` is the whole name, extension included."""
    response = HttpResponse(workbook_bytes(sheets=sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
