"""The amounts a drafted sentence states and the award rule it reads as
(``incentives/drafting.py``): 万元 and 亿元, ranges (10—50万元), rates (2%), ratios (1:0.5),
最高/不超过, 每…家, 分别 by level — each sentence to a rule of the matching kind, checked with
``validate_rule``. No database."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from incentives.rules import validate_rule

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
    rf"[^，。；]{{0,16}}?(?:奖励|补助|给予|资助|补贴)[^，。；\d]{{0,8}}?{_NUM}\s*万元"
)


LEVEL_WORDS = (
    ("national", "国家", "国家级"),
    ("provincial", "省", "省级"),
    ("city", "市", "市级"),
    ("county", "县", "县级"),
)


QUOTE_MAX = 60
PHRASE_END = re.compile(r"[，；]")
NOT_A_RATE_BEFORE = re.compile(r"(前|不低于|不少于|达到|增长|(?<!不)超过|提高)\s*$")


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


def integral(value: Decimal) -> int | str:
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
    rates = [a for a in found if a[0] == "rate" and not _share_not_rate(clause, a)]
    ratios = [a for a in found if a[0] == "ratio"]
    ranges = [a for a in found if a[0] in ("low", "high")]
    rule: dict[str, Any]
    inputs: list[dict] = []
    if ratios:
        inputs = [{"key": "superior_grant", "label": "上级支持资金", "type": "money", "unit": "元"}]
        rule = {"kind": "matching", "base": "superior_grant", "ratio": _rate(ratios[0][1])}
        if top:
            rule["cap"] = integral(top[1])
    elif rates and (money or ranges or _award_near(clause, rates[0])):
        inputs = [{"key": "base_amount", "label": "计算基数", "type": "money", "unit": "元"}]
        rule = {"kind": "rate", "base": "base_amount", "rate": _rate(rates[0][1])}
        if top:
            rule["cap"] = integral(top[1])
        if _at_most(clause, rates[0][2]):
            rule["up_to"] = True
    elif ranges:
        rule = {"kind": "range", "min": integral(ranges[0][1]), "max": integral(ranges[1][1])}
    elif (
        money and (per_unit := PER_UNIT.search(clause)) and not _at_most(clause, per_unit.start(1))
    ):
        inputs = [{"key": "unit_count", "label": "数量", "type": "int"}]
        unit = Decimal(per_unit.group(1)) * 10_000
        rule = {"kind": "per_unit", "input": "unit_count", "unit_amount": integral(unit)}
        others = [a for a in caps if a[1] != unit]
        if others:
            rule["cap"] = integral(others[-1][1])
    elif len({a[1] for a in money}) >= 2 and not caps:
        rule, inputs = _by_level(clause, money)
    elif money:
        first = money[0]
        if _at_most(clause, first[2]):
            rule = {"kind": "cap_only", "max": integral(first[1])}
        else:
            rule = {"kind": "fixed", "amount": integral(first[1])}
    else:
        return None
    declared = {i["key"]: i for i in inputs}
    if validate_rule(rule, declared=declared):
        if not money:
            return None
        rule, inputs = {"kind": "cap_only", "max": integral(max(a[1] for a in money))}, []
    return rule, inputs


def _share_not_rate(clause: str, amount: tuple) -> bool:
    """前30%, 不低于50%, 增长15%以上: a rank or a share the text requires, not a rate paid."""
    before, after = clause[max(0, amount[2] - 4) : amount[2]], clause[amount[3] : amount[3] + 2]
    return bool(NOT_A_RATE_BEFORE.search(before) or after in ("以上", "以下", "以内"))


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
        "amounts": {key: integral(v) for (_, key, _), v in zip(levels, amounts, strict=True)},
    }
    return rule, [{"key": "level", "label": "层级", "type": "choice", "choices": choices}]


def quote_of(clause: str) -> str:
    """At most ~60 characters of the sentence, carrying its amounts: the phrases (between commas)
    that state them, from the phrase naming who gets it (对…) where that fits."""
    clause = clause.strip("。；， ")
    if len(clause) <= QUOTE_MAX:
        return clause
    found = amounts_in(clause)
    if not found:
        return clause[:QUOTE_MAX]
    first, last = found[0][2], found[-1][3]
    starts = [0] + [m.end() for m in PHRASE_END.finditer(clause)]
    ends = [m.start() for m in PHRASE_END.finditer(clause)] + [len(clause)]
    start = max(b for b in starts if b <= first)
    end = min(e for e in ends if e >= last)
    for earlier in sorted((b for b in starts if b < start), reverse=True):
        if end - earlier > QUOTE_MAX:
            break
        if clause[earlier:].startswith("对"):
            start = earlier
            break
    if end - start > QUOTE_MAX:
        end = min(end, max(last, start + QUOTE_MAX))
    if end - start > QUOTE_MAX:
        start = max(start, end - QUOTE_MAX)
    return clause[start:end].strip("。；，、 ")
