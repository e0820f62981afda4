"""A policy document drafted from its text (起草): the head, the measures, every sentence that
promises an amount as an item with a draft award rule, and the task-division annex (分工).

Pure parsing, no database: ``draft_from_text(text)`` returns a dict in the shape of a catalogue
file (``incentives/catalogue/SCHEMA.md``) with dates as ISO strings (it is kept as JSON on a
``DocumentDraft``); ``for_loading`` turns it back into what the catalogue checker and loader
read. An admin reviews and edits the draft; nothing of it is live until it is published.

The rules are general ones — Chinese numbering (一、 （一） 1. （1）), amount patterns (万元, %,
1:0.5, 10—50万元, 最高/不超过) and the three layouts of a task-division annex: a tab-separated
table, one cell per line, and 牵头单位/责任单位 written after each task.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from incentives.annex import split_units
from incentives.catalogue import files
from incentives.engine import evaluate_item
from incentives.rules import RuleError, validate_rule

# Punctuation read the same whether half- or full-width; one character for one, so positions
# in the normalised text are positions in the original.
_NORMAL = str.maketrans(
    {
        "(": "（",
        ")": "）",
        ":": "：",
        ";": "；",
        "【": "[",
        "】": "]",
        "［": "[",
        "］": "]",
        "\u3000": " ",
        "\xa0": " ",
        "％": "%",
    }
)
CN_DIGITS = "一二三四五六七八九十百零〇两"
# Headings from the outermost in: 第一章, 一、, 任务一：, （一）, 1. / 1、, （1）.
HEADINGS = (
    (0, re.compile(rf"^(第[{CN_DIGITS}\d]+[章节部分])\s*")),
    (1, re.compile(rf"^([{CN_DIGITS}]+)、\s*")),
    (2, re.compile(rf"^([\u4e00-\u9fff]{{1,3}}?[{CN_DIGITS}]+)：\s*")),
    (3, re.compile(rf"^(（[{CN_DIGITS}]+）)\s*")),
    (4, re.compile(r"^(\d{1,2})[\.．、](?!\d)\s*")),
    (5, re.compile(r"^(（\d{1,2}）)\s*")),
)
PART = re.compile(rf"^篇[{CN_DIGITS}]+[：\s]")
DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,10}[〔\[（]\d{4}[〕\]）]\s*\d{1,4}\s*号$")
DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
NOTICE_TITLE = re.compile(r"关于印发(.+?)的通知")
QUOTED = re.compile(r"《([^《》]+)》")

# Amounts. A range first (10—50万元), then an amount of money, a rate, a ratio (1:0.5).
_NUM = r"(\d+(?:\.\d+)?)"
MONEY_RANGE = re.compile(rf"{_NUM}\s*(?:万元|万)?\s*[—–\-~～至到]+\s*{_NUM}\s*(亿元|万元)")
MONEY = re.compile(rf"{_NUM}\s*(亿元|万元)")
PERCENT = re.compile(rf"{_NUM}\s*%")
RATIO = re.compile(rf"(?<![\d.])1\s*：\s*{_NUM}")
AT_MOST = re.compile(r"(最高|不超过|不高于|最多|上限)[^，。；\d]{0,6}$")
# A sentence proposes an award when it says one is given.
AWARD = re.compile(r"给予|奖励|补助|资助|补贴|配套|奖补|享受|扶持|资金支持|后补助")
PER_UNIT = re.compile(
    r"每(?:新增|引进|认定|培育|孵化|转化|建成|获得)?\s*[1一]?\s*(?:家|个|项|名|人|台|套|件)"
    rf"[^，。；]{{0,16}}?(?:奖励|补助|给予|资助|补贴)\s*{_NUM}\s*万元"
)
LEVEL_WORDS = (
    ("national", "国家", "国家级"),
    ("provincial", "省", "省级"),
    ("city", "市", "市级"),
    ("county", "县", "县级"),
)
ONCE = re.compile(r"一次性")
ROLES = {"lead": "牵头单位", "responsible": "责任单位", "cooperate": "配合单位"}
INLINE_ROLE = re.compile(r"(牵头单位|责任单位|配合单位)：")
# The end of a unit name: 局, 委, 部, 办… A lone cell ending so reads as a unit (one cell a line).
UNIT_END = re.compile(r"(局|委|部|办|室|会|院|厅|府|组|行|所|中心|公司|政府|单位|管委)$")
QUOTE_MAX = 60
ROW_NUMBER = re.compile(r"（\d{1,3}）|\d{1,3}")

DRAFT_SUMMARY = "草稿（待审核）："
GOLDEN_NAME = "草稿：按草稿规则计算，发布前请核对"


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_NORMAL)
    # A comma is Chinese punctuation except inside a number (1,000万元).
    return re.sub(r"(?<!\d),|,(?!\d)", "，", text)


def unit_key(name: str) -> str:
    """A unit's name compared without regard to bracket width or spaces."""
    return "".join(normalise(name).split())


def bigrams(text: str) -> set[str]:
    text = re.sub(r"[\s，。、；：“”\"（）]", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str) -> float:
    """Dice's coefficient of the two texts' character bigrams: 1 the same, 0 nothing shared."""
    x, y = bigrams(a), bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def containment(part: str, whole: str) -> float:
    """The share of ``part``'s bigrams that occur in ``whole``."""
    x = bigrams(part)
    return len(x & bigrams(whole)) / len(x) if x else 0.0


# ---------------------------------------------------------------------------------------------
# Reading a .docx with the standard library
# ---------------------------------------------------------------------------------------------

DOCX_MAX_BYTES = 20_000_000
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(data: bytes | Path) -> str:
    """The text of a .docx: one line a paragraph, a table row as its cells joined by tabs."""
    source = data if isinstance(data, Path) else io.BytesIO(data)
    with zipfile.ZipFile(source) as archive:
        if archive.getinfo("word/document.xml").file_size > DOCX_MAX_BYTES:
            raise ValueError("word/document.xml is too large")
        xml = archive.read("word/document.xml")
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        # Word never writes a DTD; refusing one rules out entity expansion (no defusedxml here).
        raise ValueError("word/document.xml declares a DTD")
    root = ElementTree.fromstring(xml)  # noqa: S314 - no DTD, size bounded (above)
    body = root.find(f"{_W}body")
    lines: list[str] = []
    for element in body if body is not None else []:
        if element.tag == f"{_W}p":
            lines.append(_paragraph_text(element))
        elif element.tag == f"{_W}tbl":
            for row in element.iter(f"{_W}tr"):
                cells = [
                    "、".join(filter(None, (_paragraph_text(p) for p in cell.iter(f"{_W}p"))))
                    for cell in row.findall(f"{_W}tc")
                ]
                lines.append("\t".join(cells))
            lines.append("")
    return "\n".join(lines)


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts).strip()


def read_upload(name: str, content: bytes) -> str:
    """The text of an uploaded .txt (UTF-8, or GB18030 as Chinese offices often save) or .docx."""
    if name.lower().endswith(".docx"):
        return docx_text(content)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------------
# Several documents in one text (篇一…篇四; a notice issuing 《A》和《B》)
# ---------------------------------------------------------------------------------------------


def split_documents(text: str) -> list[tuple[str, str]]:
    """The documents a text holds, as (label, text): parts headed 篇一, 篇二…; a notice that issues
    several 《titles》 split where each title stands on its own line; else the whole text."""
    lines = normalise(text).split("\n")
    starts = [n for n, line in enumerate(lines) if PART.match(line.strip())]
    if len(starts) >= 2:
        return [
            (lines[a].strip().split("：")[0].split()[0], "\n".join(lines[a:b]))
            for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)
        ]
    head = "\n".join(lines[:40])
    notice = NOTICE_TITLE.search(head.replace("\n", ""))
    titles = QUOTED.findall(notice.group(1)) if notice else []
    if len(titles) >= 2:
        found = []
        for title in titles:
            for n, line in enumerate(lines):
                if n > (found[-1] if found else 0) and line.strip() == title.strip():
                    found.append(n)
                    break
        if len(found) == len(titles):
            found[0] = 0  # the first document keeps the notice: its number, issuer and date
            return [
                (titles[i], "\n".join(lines[a:b]))
                for i, (a, b) in enumerate(zip(found, [*found[1:], len(lines)], strict=True))
            ]
    return [("", "\n".join(lines))]


# ---------------------------------------------------------------------------------------------
# The parse
# ---------------------------------------------------------------------------------------------


@dataclass
class DraftItem:
    clause: str  # the sentence (up to 。, or ；) the item was drafted from
    measure: str
    rule: dict
    inputs: list[dict]
    amounts: list[Decimal]  # every amount the sentence states (yuan, rates, ratios)


@dataclass
class DraftMeasure:
    number: str
    last: str  # the last numbering token: （一）, 1, （3）
    title: str
    body: list[str] = field(default_factory=list)
    has_children: bool = False
    units: dict[str, list[str]] = field(default_factory=lambda: {r: [] for r in ROLES})
    items: list[DraftItem] = field(default_factory=list)


@dataclass
class AnnexRow:
    layout: str  # table | cells | inline
    number: str
    title: str
    units: dict[str, list[str]]
    measure: str | None = None


@dataclass
class Parse:
    head: dict
    measures: list[DraftMeasure]
    annex: list[AnnexRow]

    @property
    def items(self) -> list[DraftItem]:
        return [item for measure in self.measures for item in measure.items]


def parse_text(text: str) -> Parse:
    lines = [line.strip() for line in normalise(text).split("\n")]
    annex_at = _annex_start(lines)
    body_lines = lines[:annex_at]
    measures = _measures(body_lines)
    annex = [
        *_inline_rows(measures),
        *_annex_rows(normalise(text).split("\n")[annex_at:]),
    ]
    _attach(annex, measures)
    for measure in measures:
        measure.items = _items(measure)
    return Parse(head=_head(body_lines), measures=measures, annex=annex)


def _heading(line: str) -> tuple[int, str, str] | None:
    if PART.match(line):
        return None
    for rank, pattern in HEADINGS:
        match = pattern.match(line)
        if match and len(line) > match.end():
            token = match.group(1)
            return rank, token, line[match.end() :]
    return None


def _title(rest: str) -> str:
    title = re.split(r"[。]", rest, maxsplit=1)[0]
    title = re.sub(r"\[[^\]]*\]|（(牵头|责任|配合)单位.*$", "", title)
    if len(title) > 30:
        title = title.split("，")[0][:40]
    return title.strip("。；， ")


def _measures(lines: list[str]) -> list[DraftMeasure]:
    """Every numbered heading with the text under it; a heading's number is the path of numbers
    to it (二（一）1)."""
    first = next((n for n, line in enumerate(lines) if _heading(line)), len(lines))
    stack: list[tuple[int, DraftMeasure]] = []
    measures: list[DraftMeasure] = []
    for line in lines[first:]:
        if not line:
            continue
        heading = _heading(line)
        if heading is None:
            if stack:
                stack[-1][1].body.append(line)
            continue
        rank, token, rest = heading
        while stack and stack[-1][0] >= rank:
            stack.pop()
        if stack:
            stack[-1][1].has_children = True
        short = token.rstrip("、：")
        number = "".join(m.last for _, m in stack) + short
        measure = DraftMeasure(number=number, last=short, title=_title(rest) or short)
        measure.body.append(rest)
        stack.append((rank, measure))
        measures.append(measure)
    seen: dict[str, int] = {}
    for measure in measures:
        if measure.number in seen:
            seen[measure.number] += 1
            measure.number = f"{measure.number}-{seen[measure.number]}"
        else:
            seen[measure.number] = 1
    return measures


def _annex_start(lines: list[str]) -> int:
    """Where the task-division annex (a table naming 牵头单位) begins: at the 附件 line or the
    table's title above it; the end of the text when there is no such table."""
    for n, line in enumerate(lines):
        cells = [c for c in line.split("\t") if c.strip()] if "\t" in line else [line]
        if "牵头单位" in cells and (len(cells) >= 2 or _cells_header_at(lines, n)):
            for back in range(n, max(-1, n - 40), -1):
                if lines[back].startswith("附件"):
                    return back
            return n
    return len(lines)


def _cells_header_at(lines: list[str], n: int) -> bool:
    near = [line for line in lines[max(0, n - 6) : n + 6] if line]
    return sum(1 for line in near if len(line) <= 8) >= 4


# -- the head ---------------------------------------------------------------------------------


TITLE_END = re.compile(r"(方案|意见|办法|规划|措施|细则|规定|计划|政策|纲要)(（[^（）]*）)?$")
PUBLISHED = re.compile(r"(?:发布时间|发布日期|成文日期)：\s*(\d{4})-(\d{1,2})-(\d{1,2})")


def _head(lines: list[str]) -> dict:
    first = next((n for n, line in enumerate(lines) if _heading(line)), len(lines))
    head = [line for line in lines[:first] if line]
    doc_number = next((line.replace(" ", "") for line in head if DOC_NUMBER.match(line)), "")
    date = None
    date_at = None
    for n, line in enumerate(head):
        match = DATE.match(line.replace(" ", "")) or PUBLISHED.search(line)
        if match:
            try:
                date = datetime.date(*map(int, match.groups()))
            except ValueError:
                continue
            date_at = n
            break
    # A fully bracketed line continues the title above it: 实施方案 / （2023-2026年）.
    joined_lines: list[str] = []
    for line in head:
        if joined_lines and re.fullmatch(r"（[^（）]{1,20}）", line):
            joined_lines[-1] += line
        else:
            joined_lines.append(line)
    title = ""
    for line in joined_lines:
        if line.endswith("通知") and QUOTED.search(line):
            title = QUOTED.findall(line)[0]
            break
    if not title:
        # The last line of the head named like a policy (…方案, …意见): the document's own
        # title after any notice.
        candidates = [
            re.sub(r"^[_＿\s]+", "", line)
            for line in joined_lines
            if len(line) <= 80 and TITLE_END.search(line) and not re.search(r"[：，。>]", line)
        ]
        title = candidates[-1] if candidates else ""
    issuer = ""
    if date_at is not None and DATE.match(head[date_at].replace(" ", "")):
        above = [
            line
            for line in head[max(0, date_at - 3) : date_at]
            if len(line) <= 30
            and not DOC_NUMBER.match(line)
            and not re.search(r"[：，。《》]", line)
            and not line.endswith("通知")
        ]
        issuer = " ".join(above)
    notice_at = next(
        (n for n, line in enumerate(head) if line.endswith("通知") and "关于" in line), None
    )
    if not issuer and notice_at is not None:
        # 中共唐山市委 唐山市人民政府 关于印发…的通知; or the issuer on the line above it.
        issuer = head[notice_at].split("关于")[0].strip()
        above = head[notice_at - 1] if notice_at else ""
        if not issuer and len(above) <= 30 and UNIT_END.search(above):
            issuer = above
    if not issuer:
        issuer = next((line[: -len("文件")] for line in head if line.endswith("文件")), "")
    title = re.sub(r"\s+", "", title).strip("《》")
    for_comment = "征求意见" in title or any("征求意见" in line for line in head[:5])
    return {
        "title": title[:200],
        "doc_number": doc_number,
        "issuer": issuer.strip()[:200],
        "published_on": date,
        "status": "draft_for_comment" if for_comment else "in_force",
    }


# -- the annex --------------------------------------------------------------------------------


def units(text: str) -> list[str]:
    """Unit names in a cell: split at 、，； and, where every piece names a unit, at spaces."""
    names: list[str] = []
    for part in split_units(text):
        pieces = part.split()
        if len(pieces) > 1 and all(UNIT_END.search(p) for p in pieces):
            names.extend(pieces)
        else:
            names.append("".join(pieces))
    return [n.strip("。 ") for n in names if n.strip("。 ")]


def _inline_units(text: str) -> dict[str, list[str]]:
    """牵头单位：…；责任单位：… written in a task's text, in brackets or on lines of its own."""
    found: dict[str, list[str]] = {}
    for match in INLINE_ROLE.finditer(text):
        role = next(key for key, word in ROLES.items() if word == match.group(1))
        depth, end = 0, match.end()
        while end < len(text):
            char = text[end]
            if char == "（":
                depth += 1
            elif char == "）":
                if depth == 0:
                    break
                depth -= 1
            elif char in "；]\n〕" and depth == 0:
                break
            end += 1
        found.setdefault(role, []).extend(units(text[match.end() : end]))
    return found


def _inline_rows(measures: list[DraftMeasure]) -> list[AnnexRow]:
    rows = []
    for measure in measures:
        found = _inline_units("\n".join(measure.body))
        if found:
            rows.append(
                AnnexRow(
                    "inline",
                    measure.last,
                    measure.title,
                    {role: found.get(role, []) for role in ROLES},
                    measure=measure.number,
                )
            )
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        for role, word in ROLES.items():
            if word in cell:
                columns.setdefault(role, index)
        if cell in ("序号", "编号"):
            columns.setdefault("number", index)
        elif re.search(r"措施|举措|任务|事项|工作", cell) and not any(
            w in cell for w in ROLES.values()
        ):
            columns["task" if "task" not in columns and "措施" not in cell else "measure"] = index
    if "measure" not in columns and "task" in columns:
        columns["measure"] = columns.pop("task")
    return columns


def _is_division_header(cells: list[str]) -> bool:
    """A task-division table names its lead units and lists tasks or measures (a table of
    targets, 主要目标, is not one)."""
    return "牵头单位" in cells and any(re.search(r"措施|举措|任务", c) for c in cells)


def _annex_rows(raw: list[str]) -> list[AnnexRow]:
    rows: list[AnnexRow] = []
    n = 0
    while n < len(raw):
        cells = [c.strip() for c in raw[n].split("\t")]
        if "\t" in raw[n].strip() and "牵头单位" in cells:
            if _is_division_header(cells):
                found, n = _tab_table(raw, n)
                rows.extend(found)
                continue
        elif _is_cell(raw[n]) and raw[n].strip() == "牵头单位":
            start = n
            while start > 0 and _is_cell(raw[start - 1]) and raw[start - 1].strip():
                start -= 1
            header, end = _cell_row(raw, start)
            if _is_division_header(header):
                found, n = _cell_table(raw, end)
                rows.extend(found)
                continue
        n += 1
    return rows


def _row(
    cells: list[str], columns: dict[str, int], layout: str, above: AnnexRow | None
) -> AnnexRow | None:
    """A row of an annex table; an empty title is a cell merged with the row above's."""

    def cell(key: str) -> str:
        index = columns.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    # With a 序号 column, the row's title is the column of tasks beside it (主要任务).
    text = cell("task") if "number" in columns and "task" in columns else cell("measure")
    number = cell("number")
    heading = _heading(text)
    if heading:
        number, text = heading[1].rstrip("、："), heading[2]
    found = {role: units(cell(role)) for role in ROLES}
    if not any(found.values()):
        return None
    if not text:
        if above is None:
            return None
        return AnnexRow(layout, number, above.title, found)
    return AnnexRow(layout, number, _title(text), found)


def _tab_table(raw: list[str], at: int) -> tuple[list[AnnexRow], int]:
    header = [c.strip() for c in raw[at].split("\t")]
    columns = _columns(header)
    rows = []
    n = at + 1
    while n < len(raw):
        line = raw[n]
        if line.strip() and "\t" not in line:
            break
        n += 1
        cells = line.split("\t")
        if not line.strip() or [c.strip() for c in cells] == header:
            continue
        row = _row(cells, columns, "table", above=rows[-1] if rows else None)
        if row:
            rows.append(row)
    return rows, n


def _is_cell(line: str) -> bool:
    return line.lstrip(" ").startswith("\t")


def _cell_row(raw: list[str], at: int) -> tuple[list[str], int]:
    """One row of the one-cell-a-line layout: tab-led lines, a line without a tab continuing the
    cell above when it names a unit; the row ends at a blank line followed by a new cell."""
    cells: list[str] = []
    n = at
    while n < len(raw):
        line = raw[n]
        if _is_cell(line):
            if len(cells) >= 2 and ROW_NUMBER.fullmatch(line.strip()):
                return cells, n  # a row number begins the next row (no blank line at a page end)
            cells.append(line.strip())
        elif line.strip():
            text = line.strip()
            if cells and UNIT_END.search(text) and len(text) <= 30:
                # 市科技局 / 市工信局: two units; 市市场监督 / 管理局: one name broken in two.
                joint = "\n" if UNIT_END.search(cells[-1]) else ""
                cells[-1] = f"{cells[-1]}{joint}{text}"
            else:
                return cells, n
        elif n + 1 < len(raw) and _is_cell(raw[n + 1]) and cells:
            return cells, n + 1
        n += 1
    return cells, n


def _cell_table(raw: list[str], at: int) -> tuple[list[AnnexRow], int]:
    """Rows after a header of the one-cell-a-line layout, up to the end of the table; a repeated
    header (a new page) is skipped, a header of another kind of table ends it."""
    header, _ = _cell_row(raw, _header_start(raw, at))
    columns = _columns(header)
    rows = []
    n = at
    while n < len(raw):
        while n < len(raw) and not _is_cell(raw[n]) and not raw[n].strip():
            n += 1
        if n >= len(raw) or not _is_cell(raw[n]):
            break
        cells, n = _cell_row(raw, n)
        if "牵头单位" in cells:
            if not _is_division_header(cells):
                break
            columns = _columns(cells)
            continue
        if len(cells) >= len(header) - 1:
            row = _row(cells, columns, "cells", above=rows[-1] if rows else None)
            if row:
                rows.append(row)
    return rows, n


def _header_start(raw: list[str], end: int) -> int:
    start = end - 1
    while start > 0 and not raw[start].strip():
        start -= 1
    while start > 0 and _is_cell(raw[start - 1]) and raw[start - 1].strip():
        start -= 1
    return start


def _attach(rows: list[AnnexRow], measures: list[DraftMeasure]) -> None:
    """Each table row to the measure it names: the heading most like its title (or with its
    number and a title somewhat alike); its units join that measure's."""
    for row in rows:
        if row.measure is None:
            best, score = None, 0.0
            for measure in measures:
                s = similarity(row.title, measure.title)
                if measure.last == row.number and s >= 0.3:
                    s += 0.3
                if s > score:
                    best, score = measure, s
            if best is not None and score >= 0.5:
                row.measure = best.number
        target = next((m for m in measures if m.number == row.measure), None)
        if target is not None:
            for role, names in row.units.items():
                for name in names:
                    if name not in target.units[role]:
                        target.units[role].append(name)


# -- items and their draft rules ---------------------------------------------------------------


def strip_inline_units(text: str) -> str:
    """The text without the 牵头单位/责任单位 notes written after a task."""
    lines = [line for line in text.split("\n") if not INLINE_ROLE.match(line.strip())]
    text = "\n".join(lines)
    text = re.sub(r"\[[^\]]*单位：[^\]]*\]", "", text)
    while (match := re.search(r"（(牵头|责任|配合)单位：", text)) is not None:
        depth, end = 0, match.end()
        while end < len(text) and not (text[end] == "）" and depth == 0):
            depth += {"（": 1, "）": -1}.get(text[end], 0)
            end += 1
        text = text[: match.start()] + text[end + 1 :]
    return text


def _clauses(measure: DraftMeasure) -> list[str]:
    text = strip_inline_units("\n".join(measure.body)).replace("\n", "")
    clauses: list[str] = []
    for sentence in re.split(r"(?<=[。！？])", text):
        parts = [p for p in re.split(r"(?<=；)", sentence) if p.strip()]
        for index, part in enumerate(parts):
            # A part without its own award ("最高不超过100万元") belongs with the part before.
            if index and not AWARD.search(part):
                clauses[-1] += part
            else:
                clauses.append(part)
    return [c.strip() for c in clauses if c.strip()]


def amounts_in(text: str) -> list[tuple[str, Decimal, int, int]]:
    """Every amount in a text as (kind, value, start, end): money in yuan, rates as fractions,
    ratios as the second term of 1:x. A range gives its two ends."""
    found: list[tuple[str, Decimal, int, int]] = []
    taken: list[tuple[int, int]] = []
    for match in MONEY_RANGE.finditer(text):
        factor = Decimal(100_000_000 if match.group(3) == "亿元" else 10_000)
        found.append(("low", Decimal(match.group(1)) * factor, match.start(), match.end()))
        found.append(("high", Decimal(match.group(2)) * factor, match.start(), match.end()))
        taken.append(match.span())
    for match in MONEY.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        factor = Decimal(100_000_000 if match.group(2) == "亿元" else 10_000)
        found.append(("money", Decimal(match.group(1)) * factor, match.start(), match.end()))
    for match in PERCENT.finditer(text):
        found.append(("rate", Decimal(match.group(1)) / 100, match.start(), match.end()))
    for match in RATIO.finditer(text):
        found.append(("ratio", Decimal(match.group(1)), match.start(), match.end()))
    return sorted(found, key=lambda a: a[2])


def _at_most(text: str, start: int) -> bool:
    return bool(AT_MOST.search(text[max(0, start - 10) : start]))


def _integral(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


def _rate(value: Decimal) -> str:
    return format(value.normalize(), "f")


def draft_rule(clause: str) -> tuple[dict, list[dict]] | None:
    """The award rule a sentence states, of the matching kind, with the inputs it reads; None
    when the sentence promises no amount."""
    if not AWARD.search(clause):
        return None
    found = amounts_in(clause)
    money = [a for a in found if a[0] == "money"]
    caps = [a for a in money if _at_most(clause, a[2])]
    top = (caps or money or [None])[-1]
    rates = [a for a in found if a[0] == "rate"]
    ratios = [a for a in found if a[0] == "ratio"]
    ranges = [a for a in found if a[0] in ("low", "high")]
    rule: dict[str, Any]
    inputs: list[dict] = []
    if ratios:
        inputs = [{"key": "superior_grant", "label": "上级支持资金", "type": "money", "unit": "元"}]
        rule = {"kind": "matching", "base": "superior_grant", "ratio": _rate(ratios[0][1])}
        if top:
            rule["cap"] = _integral(top[1])
    elif rates and (money or ranges or _award_near(clause, rates[0])):
        inputs = [{"key": "base_amount", "label": "计算基数", "type": "money", "unit": "元"}]
        rule = {"kind": "rate", "base": "base_amount", "rate": _rate(rates[0][1])}
        if top:
            rule["cap"] = _integral(top[1])
        if _at_most(clause, rates[0][2]):
            rule["up_to"] = True
    elif ranges:
        rule = {"kind": "range", "min": _integral(ranges[0][1]), "max": _integral(ranges[1][1])}
    elif money and (per_unit := PER_UNIT.search(clause)):
        inputs = [{"key": "unit_count", "label": "数量", "type": "int"}]
        unit = Decimal(per_unit.group(1)) * 10_000
        rule = {"kind": "per_unit", "input": "unit_count", "unit_amount": _integral(unit)}
        others = [a for a in caps if a[1] != unit]
        if others:
            rule["cap"] = _integral(others[-1][1])
    elif len({a[1] for a in money}) >= 2 and not caps:
        rule, inputs = _by_level(clause, money)
    elif money:
        first = money[0]
        if _at_most(clause, first[2]):
            rule = {"kind": "cap_only", "max": _integral(first[1])}
        else:
            rule = {"kind": "fixed", "amount": _integral(first[1])}
    else:
        return None
    declared = {i["key"]: i for i in inputs}
    if validate_rule(rule, declared=declared):
        if not money:
            return None
        rule, inputs = {"kind": "cap_only", "max": _integral(max(a[1] for a in money))}, []
    return rule, inputs


def _award_near(clause: str, amount: tuple) -> bool:
    return bool(AWARD.search(clause[amount[3] : amount[3] + 12]))


def _by_level(clause: str, money: list) -> tuple[dict, list[dict]]:
    amounts = list(dict.fromkeys(a[1] for a in money))
    levels = []
    for key, short, long in LEVEL_WORDS:
        at = clause.find(long)
        if at < 0:
            at = clause.find(short + "级")
        if at >= 0:
            levels.append((at, key, long))
    levels.sort()
    if len(levels) != len(amounts):
        levels = [(n, f"level_{n}", f"第{n}档") for n in range(1, len(amounts) + 1)]
    choices = {key: label for _, key, label in levels}
    rule = {
        "kind": "by_level",
        "input": "level",
        "amounts": {key: _integral(v) for (_, key, _), v in zip(levels, amounts, strict=True)},
    }
    return rule, [{"key": "level", "label": "层级", "type": "choice", "choices": choices}]


def quote_of(clause: str) -> str:
    """At most ~60 characters of the sentence, carrying its amounts."""
    clause = clause.strip("。；， ")
    if len(clause) <= QUOTE_MAX:
        return clause
    found = amounts_in(clause)
    if not found:
        return clause[:QUOTE_MAX]
    first, last = found[0][2], found[-1][3]
    end = min(len(clause), last + 6)
    start = max(0, end - QUOTE_MAX)
    if start > first:
        start, end = first, first + QUOTE_MAX
    return clause[start:end].strip("。；，、 ")


def _items(measure: DraftMeasure) -> list[DraftItem]:
    items = []
    for clause in _clauses(measure):
        drafted = draft_rule(clause)
        if drafted:
            rule, inputs = drafted
            items.append(
                DraftItem(
                    clause=clause,
                    measure=measure.number,
                    rule=rule,
                    inputs=inputs,
                    amounts=[a[1] for a in amounts_in(clause)],
                )
            )
    return items


# ---------------------------------------------------------------------------------------------
# The draft in the shape of a catalogue file
# ---------------------------------------------------------------------------------------------


def _beneficiary(clause: str) -> str:
    if "团队" in clause:
        return "team"
    if re.search(r"人才|专家|院士|个人|科研人员", clause):
        return "person"
    if re.search(r"平台|实验室|中心|基地|孵化器|众创空间|研发机构|研究院|联盟", clause):
        return "platform"
    return "enterprise"


def _item_name(clause: str, measure: DraftMeasure) -> str:
    match = re.search(r"对([^，,。；]{2,40}?)(?:，|给予|按|的项目|，按)", clause)
    subject = match.group(1) if match else measure.title[:40]
    return f"{subject}（草稿）"[:200]


def _golden(item: Mapping[str, Any], document: Mapping[str, Any], on: datetime.date) -> list:
    """One case computed from the draft rule: the admin checks it against the text before
    publishing (a money item needs one to be loaded)."""
    facts: dict[str, Any] = {}
    for input_ in item["inputs"]:
        if input_["type"] == "money":
            facts[input_["key"]] = 1_000_000
        elif input_["type"] == "int":
            facts[input_["key"]] = 1
        elif input_["type"] == "choice":
            facts[input_["key"]] = next(iter(input_["choices"]))
    document = {**for_loading(document), "status": "in_force"}
    spec = files.item_spec({**item, "golden": []}, document, {})
    try:
        verdict = evaluate_item(spec, facts, on=on)
    except RuleError:
        return []
    expect: dict[str, Any] = {"verdict": verdict.verdict}
    estimate = verdict.estimate
    if estimate is not None and estimate.kind == "exact":
        expect["amount"] = _integral(estimate.amount)
    elif estimate is not None and estimate.kind == "range":
        expect["min"] = _integral(estimate.minimum)
        if estimate.maximum is not None:
            expect["max"] = _integral(estimate.maximum)
    return [
        {
            "name": GOLDEN_NAME,
            "date": on.isoformat(),
            "as_if_in_force": True,
            "facts": facts,
            "expect": expect,
        }
    ]


def draft_key(text: str) -> str:
    return "draft-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def draft_from_parse(parse: Parse, *, key: str, source: str = "", region: str = "") -> dict:
    head = parse.head
    published = head["published_on"]
    document = {
        "key": key,
        "source": source,
        "part": None,
        "title": head["title"] or source or key,
        "doc_number": head["doc_number"],
        "issuer": head["issuer"],
        "region": region,
        "published_on": published.isoformat() if published else None,
        "valid_from": published.isoformat() if published else None,
        "valid_to": None,
        "status": head["status"],
        "validity": "stated" if published else "unknown",
        "is_example": False,
        "summary": "草稿：由文件文本自动起草，待管理员审核后发布。",
    }
    on = published or datetime.date(2000, 1, 1)
    names: list[str] = []
    measures = []
    count = 0
    for measure in parse.measures:
        items = []
        for drafted in measure.items:
            count += 1
            item: dict[str, Any] = {
                "key": f"{key}-{count}",
                "name": _item_name(drafted.clause, measure),
                "summary": DRAFT_SUMMARY + quote_of(drafted.clause),
                "clause": measure.number,
                "quote": quote_of(drafted.clause),
                "beneficiary": _beneficiary(drafted.clause),
                "support_kind": "money",
                "funding_level": "unspecified",
                "pays": "once" if ONCE.search(drafted.clause) else "per_period",
                "delivery": "review",
                "materials": [],
                "inputs": drafted.inputs,
                "conditions": {"all": [], "any": []},
                "checklist": [],
                "rule": drafted.rule,
            }
            item["golden"] = _golden(item, document, on)
            items.append(item)
        if measure.has_children and not items and not any(measure.units.values()):
            continue  # a heading over its measures: nothing of its own
        for names_ in measure.units.values():
            names.extend(n for n in names_ if n not in names)
        measures.append(
            {
                "number": measure.number,
                "title": measure.title,
                "summary": "",
                "lead": list(measure.units["lead"]),
                "responsible": list(measure.units["responsible"]),
                "cooperate": list(measure.units["cooperate"]),
                "items": items,
            }
        )
    annex = [
        {
            "layout": row.layout,
            "number": row.number,
            "title": row.title,
            "measure": row.measure,
            **{role: list(names_) for role, names_ in row.units.items()},
        }
        for row in parse.annex
    ]
    return {
        "document": document,
        "bureaus": [{"name": name, "aliases": []} for name in names],
        "facts": [],
        "measures": measures,
        "limits": [],
        "annex": annex,
    }


def draft_from_text(text: str, *, source: str = "", region: str = "") -> dict:
    """A draft of one document from its text, in the shape of a catalogue file."""
    return draft_from_parse(parse_text(text), key=draft_key(text), source=source, region=region)


def drafts_from_text(text: str, *, source: str = "", region: str = "") -> list[dict]:
    """A draft for each document the text holds (篇一…; a notice issuing several)."""
    drafts: list[dict] = []
    for label, part in split_documents(text):
        data = draft_from_text(part, source=source, region=region)
        document = data["document"]
        document["part"] = label or None
        if drafts and not PART.match(label + "："):
            # Documents issued by one notice share its number, issuer and date.
            first = drafts[0]["document"]
            for key in ("doc_number", "issuer", "published_on", "valid_from", "validity"):
                if not document[key] or key == "validity":
                    document[key] = first[key]
        drafts.append(data)
    return drafts


# ---------------------------------------------------------------------------------------------
# From JSON back to what the checker and loader read
# ---------------------------------------------------------------------------------------------

_DATE_KEYS = {"published_on", "valid_from", "valid_to", "date", "opens", "closes"}


def for_loading(data: Any) -> Any:
    """The draft as the catalogue files give it: ISO dates as dates; the review-only ``annex``
    left out."""
    if isinstance(data, Mapping):
        return {
            key: _date(value) if key in _DATE_KEYS else for_loading(value)
            for key, value in data.items()
            if key != "annex"
        }
    if isinstance(data, list):
        return [for_loading(value) for value in data]
    return data


def _date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def unit_names(data: Mapping[str, Any]) -> list[str]:
    """Every unit name the draft's measures and items assign, in order, each once."""
    names: list[str] = []

    def add(values: Iterable[str] | None) -> None:
        for name in values or []:
            if name not in names:
                names.append(name)

    for measure in data.get("measures") or []:
        for role in ROLES:
            add(measure.get(role))
        for item in measure.get("items") or []:
            for role in ("lead", "responsible"):
                add(item.get(role))
    return names
