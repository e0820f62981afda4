"""The task-division annex (分工, 责任分解) of a drafted document, in the three layouts the seed
documents use: a tab-separated table; one cell a line (a table copied from a PDF or web page);
牵头单位/责任单位 written after each task, in brackets or on lines of their own. Each row is
attached to the drafted measure it names; its units join that measure's. No database."""

from __future__ import annotations

import re

from incentives.drafting_text import (
    INLINE_ROLE,
    ROLES,
    UNIT_END,
    AnnexRow,
    DraftMeasure,
    heading,
    similarity,
    title_of,
    units,
)

ROW_NUMBER = re.compile(r"（\d{1,3}）|\d{1,3}")


def annex_start(lines: list[str]) -> int:
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


def inline_rows(measures: list[DraftMeasure]) -> list[AnnexRow]:
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


def annex_rows(raw: list[str]) -> list[AnnexRow]:
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
    numbered = heading(text)
    if numbered:
        number, text = numbered[1].rstrip("、："), numbered[2]
    found = {role: units(cell(role)) for role in ROLES}
    if not any(found.values()):
        return None
    if not text:
        if above is None:
            return None
        return AnnexRow(layout, number, above.title, found)
    return AnnexRow(layout, number, title_of(text), found)


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


def attach(rows: list[AnnexRow], measures: list[DraftMeasure]) -> None:
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
