"""A policy document drafted from its text (起草): the head, the measures, every sentence that
promises an amount as an item with a draft award rule, and the task-division annex (分工).

Pure parsing, no database: ``draft_from_text(text)`` returns a dict in the shape of a catalogue
file (``incentives/catalogue/SCHEMA.md``) with dates as ISO strings (it is kept as JSON on a
``DocumentDraft``); ``for_loading`` turns it back into what the catalogue checker and loader
read. An admin reviews and edits the draft; nothing of it is live until it is published.

The text side (numbering, units, .docx) is ``drafting_text``, the annex ``drafting_annex``; the
names other modules use are all importable from here.

The rules are general ones — Chinese numbering (一、 （一） 1. （1）), amount patterns (万元, %,
1:0.5, 10—50万元, 最高/不超过) and the three layouts of a task-division annex: a tab-separated
table, one cell per line, and 牵头单位/责任单位 written after each task.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from incentives.catalogue import files
from incentives.drafting_annex import (
    annex_rows,
    annex_start,
    attach,
    inline_rows,
    strip_inline_units,
)
from incentives.drafting_rules import (
    AWARD,
    QUOTE_MAX,
    amounts_in,
    draft_rule,
    integral,
    quote_of,
)
from incentives.drafting_text import (
    PART,
    QUOTED,
    ROLES,
    UNIT_END,
    AnnexRow,
    DraftItem,
    DraftMeasure,
    containment,
    docx_text,
    heading,
    normalise,
    read_upload,
    similarity,
    split_documents,
    title_of,
    unit_key,
    units,
)
from incentives.engine import evaluate_item
from incentives.rules import RuleError

__all__ = [
    "DRAFT_SUMMARY",
    "QUOTE_MAX",
    "AnnexRow",
    "DraftItem",
    "DraftMeasure",
    "Parse",
    "amounts_in",
    "containment",
    "docx_text",
    "draft_from_parse",
    "draft_from_text",
    "draft_key",
    "draft_rule",
    "drafts_from_text",
    "for_loading",
    "normalise",
    "parse_text",
    "quote_of",
    "read_upload",
    "similarity",
    "split_documents",
    "unit_key",
    "unit_names",
    "units",
]

DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,10}[〔\[（]\d{4}[〕\]）]\s*\d{1,4}\s*号$")


DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


ONCE = re.compile(r"一次性")


DRAFT_SUMMARY = "草稿（待审核）："


GOLDEN_NAME = "草稿：按草稿规则计算，发布前请核对"


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
    annex_at = annex_start(lines)
    body_lines = lines[:annex_at]
    measures = _measures(body_lines)
    annex = [
        *inline_rows(measures),
        *annex_rows(normalise(text).split("\n")[annex_at:]),
    ]
    attach(annex, measures)
    for measure in measures:
        measure.items = _items(measure)
    return Parse(head=_head(body_lines), measures=measures, annex=annex)


def _measures(lines: list[str]) -> list[DraftMeasure]:
    """Every numbered heading with the text under it; a heading's number is the path of numbers
    to it (二（一）1)."""
    first = next((n for n, line in enumerate(lines) if heading(line)), len(lines))
    stack: list[tuple[int, DraftMeasure]] = []
    measures: list[DraftMeasure] = []
    for line in lines[first:]:
        if not line:
            continue
        numbered = heading(line)
        if numbered is None:
            if stack:
                stack[-1][1].body.append(line)
            continue
        rank, token, rest = numbered
        while stack and stack[-1][0] >= rank:
            stack.pop()
        if stack:
            stack[-1][1].has_children = True
        short = token.rstrip("、：")
        number = "".join(m.last for _, m in stack) + short
        measure = DraftMeasure(number=number, last=short, title=title_of(rest) or short)
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


TITLE_END = re.compile(r"(方案|意见|办法|规划|措施|细则|规定|计划|政策|纲要)(（[^（）]*）)?$")


PUBLISHED = re.compile(r"(?:发布时间|发布日期|成文日期)：\s*(\d{4})-(\d{1,2})-(\d{1,2})")


def _head(lines: list[str]) -> dict:
    first = next((n for n, line in enumerate(lines) if heading(line)), len(lines))
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


def golden_cases_for(
    item: Mapping[str, Any], document: Mapping[str, Any], on: datetime.date
) -> list:
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
        expect["amount"] = integral(estimate.amount)
    elif estimate is not None and estimate.kind == "range":
        expect["min"] = integral(estimate.minimum)
        if estimate.maximum is not None:
            expect["max"] = integral(estimate.maximum)
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
            item["golden"] = golden_cases_for(item, document, on)
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
