"""The text side of drafting a document (``incentives/drafting.py``): punctuation read the same
at either width, Chinese numbering, unit names, likeness of two texts, a .docx read with the
standard library, and a compilation split into its documents. No database."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

from incentives.annex import split_units

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


NOTICE_TITLE = re.compile(r"关于印发(.+?)的通知")


QUOTED = re.compile(r"《([^《》]+)》")


ROLES = {"lead": "牵头单位", "responsible": "责任单位", "cooperate": "配合单位"}


INLINE_ROLE = re.compile(r"(牵头单位|责任单位|配合单位)：")


# The end of a unit name: 局, 委, 部, 办… A lone cell ending so reads as a unit (one cell a line).
UNIT_END = re.compile(r"(局|委|部|办|室|会|院|厅|府|组|行|所|中心|公司|政府|单位|管委)$")


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


def heading(line: str) -> tuple[int, str, str] | None:
    if PART.match(line):
        return None
    for rank, pattern in HEADINGS:
        match = pattern.match(line)
        if match and len(line) > match.end():
            token = match.group(1)
            return rank, token, line[match.end() :]
    return None


def title_of(rest: str) -> str:
    title = re.split(r"[。]", rest, maxsplit=1)[0]
    title = re.sub(r"\[[^\]]*\]|（(牵头|责任|配合)单位.*$", "", title)
    if len(title) > 30:
        title = title.split("，")[0][:40]
    return title.strip("。；， ")


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
