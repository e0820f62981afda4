"""How much of the catalogue a draft finds unaided, measured on the seed documents.

For each seed text (``../shared/seeds/*.txt``) the documents it holds are drafted with
``incentives.drafting`` and compared with what the team catalogued from it by hand
(``incentives/catalogue/documents/*.yaml`` and ``annexes/*.csv``). No database.

- A catalogued **money item** (``support_kind: money``) is *found* when one item drafted from
  the same seed text states one of the amounts of the item's quote (the same yuan, rate or
  ratio; where the quote carries none, the rule's amounts) and the sentence it was drafted from
  holds at least half of the quote's character pairs.
- A catalogued **annex row** (a row of ``annexes/*.csv`` naming a lead or responsible unit) is
  *found* when a measure drafted from the same text has a title like the catalogued measure's
  (Dice coefficient of character pairs ≥ 0.5; or the same last number, 1 or （一）, and half the
  title's character pairs in the measure's text, as the catalogue words some titles itself)
  and resolves the same lead units (as a set; where
  the row names no lead, the same first responsible unit). Names are resolved the way the
  database resolves them after ``load_catalogue``: the city's bureaus and aliases of
  ``organisations.yaml`` and of the catalogue files.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from incentives import drafting
from incentives.catalogue import files

# The seed texts sit beside the project: ../shared/seeds/ (see incentives/catalogue/SCHEMA.md).
SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
ORGANISATIONS_FILE = (
    Path(__file__).resolve().parents[1] / "organisations" / "data" / ("organisations.yaml")
)
QUOTE_OVERLAP = 0.5
# The last number of a measure's numbering: 二（一）1 → 1, 三（一） → （一）.
LAST_NUMBER = re.compile(r"(（[^（）]+）|\d+|[一二三四五六七八九十]+)$")
TITLE_LIKE = 0.5


@dataclass
class SeedFigures:
    seed: str
    documents: list[str] = field(default_factory=list)
    money_found: int = 0
    money_catalogued: int = 0
    # Found items whose draft rule is of the catalogued rule's kind (fixed, rate, range…).
    kind_agrees: int = 0
    annex_found: int = 0
    annex_catalogued: int = 0
    items_drafted: int = 0
    # Drafted items that match at least one catalogued money item (the rest: false leads).
    items_matching: int = 0
    annex_rows_drafted: int = 0
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


def _name(text: str) -> str:
    return "".join(drafting.normalise(text).split())


def bureau_names(regions: set[str], catalogue: list[Mapping[str, Any]]) -> dict[str, str]:
    """Every spelling of a unit → its bureau's name, for the given regions."""
    names: dict[str, str] = {}

    def add(name: str, aliases: list[str]) -> None:
        canonical = names.get(_name(name), _name(name))
        for spelling in [name, *aliases]:
            names.setdefault(_name(spelling), canonical)

    data = yaml.safe_load(ORGANISATIONS_FILE.read_text(encoding="utf-8"))
    for province in data["provinces"]:
        for city in province.get("cities") or []:
            if city["name"] in regions:
                for bureau in city.get("bureaus") or []:
                    add(bureau["name"], bureau.get("aliases") or [])
    for document in catalogue:
        if document["document"]["region"] in regions:
            for bureau in document.get("bureaus") or []:
                add(bureau["name"], bureau.get("aliases") or [])
    return names


def _amounts(text: str) -> set[Decimal]:
    return {value for _, value, _, _ in drafting.amounts_in(drafting.normalise(text))}


def _rule_amounts(item: Mapping[str, Any]) -> set[Decimal]:
    values: set[Decimal] = set()
    for rule in files.item_rules(item):
        for key in ("amount", "max", "min", "cap", "unit_amount"):
            if rule.get(key) is not None:
                values.add(Decimal(str(rule[key])))
        for key in ("rate", "ratio"):
            if rule.get(key) is not None:
                values.add(Decimal(str(rule[key])))
        values.update(Decimal(str(v)) for v in (rule.get("amounts") or {}).values())
    return values


def _annex_rows(keys: set[str]) -> list[dict[str, str]]:
    rows = []
    for path in sorted(files.ANNEXES_DIR.glob("*.csv")):
        with path.open(encoding="utf-8-sig") as handle:
            rows.extend(
                row
                for row in csv.DictReader(handle)
                if row["文件"] in keys and (row["牵头单位"].strip() or row["责任单位"].strip())
            )
    return rows


def measure_seed(path: Path, catalogue: list[Mapping[str, Any]]) -> SeedFigures:
    figures = SeedFigures(seed=path.name)
    mine = [d for d in catalogue if d["document"].get("source") == path.name]
    figures.documents = [d["document"]["key"] for d in mine]
    parses = [drafting.parse_text(part) for _, part in drafting.split_documents(path.read_text())]
    items = [item for parse in parses for item in parse.items]
    measures = [m for parse in parses for m in parse.measures]
    figures.items_drafted = len(items)
    figures.annex_rows_drafted = sum(len(parse.annex) for parse in parses)
    names = bureau_names({d["document"]["region"] for d in mine}, catalogue)

    def resolve(values: list[str]) -> list[str]:
        return [names.get(_name(v), _name(v)) for v in values]

    used: set[int] = set()
    for document in mine:
        for measure in document.get("measures") or []:
            for item in measure.get("items") or []:
                if item.get("support_kind") != "money":
                    continue
                figures.money_catalogued += 1
                quote = item.get("quote") or ""
                wanted = _amounts(quote) or _rule_amounts(item)
                hits = [
                    n
                    for n, drafted in enumerate(items)
                    if wanted & set(drafted.amounts)
                    and drafting.containment(drafting.normalise(quote), drafted.clause)
                    >= QUOTE_OVERLAP
                ]
                used.update(hits)
                if hits:
                    figures.money_found += 1
                    kinds = {r.get("kind") for r in files.item_rules(item)}
                    if any(items[n].rule["kind"] in kinds for n in hits):
                        figures.kind_agrees += 1
                else:
                    figures.missed.append(f"money {item['key']}: {quote}")

    figures.items_matching = len(used)
    figures.extra.extend(
        f"drafted {items[n].measure}: {drafting.quote_of(items[n].clause)}"
        for n in range(len(items))
        if n not in used
    )
    titles = {
        (d["document"]["key"], str(m["number"])): m["title"]
        for d in mine
        for m in d.get("measures") or []
    }
    for row in _annex_rows(set(figures.documents)):
        figures.annex_catalogued += 1
        title = titles.get((row["文件"], row["措施"]), "")
        lead = set(resolve(drafting.units(row["牵头单位"])))
        first = resolve(drafting.units(row["责任单位"]))[:1]
        found = False
        last = LAST_NUMBER.search(drafting.normalise(row["措施"]))
        for measure in measures:
            same = drafting.similarity(title, measure.title) >= TITLE_LIKE or (
                last is not None
                and last.group(1) == measure.last
                and drafting.containment(title, measure.title + "".join(measure.body)) >= TITLE_LIKE
            )
            if not same:
                continue
            drafted_lead = set(resolve(measure.units["lead"]))
            if lead:
                found = drafted_lead == lead
            else:
                found = resolve(measure.units["responsible"] or measure.units["lead"])[:1] == first
            if found:
                break
        if found:
            figures.annex_found += 1
        else:
            figures.missed.append(f"annex {row['文件']} {row['措施']} {title}: {row['牵头单位']}")
    return figures


def measure_seeds(seeds_dir: Path = SEEDS_DIR) -> list[SeedFigures]:
    catalogue = [files.load_yaml(path) for path in files.document_files()]
    return [measure_seed(path, catalogue) for path in sorted(seeds_dir.glob("*.txt"))]


def totals(figures: list[SeedFigures]) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for seed in figures:
        for key in (
            "money_found",
            "money_catalogued",
            "kind_agrees",
            "annex_found",
            "annex_catalogued",
            "items_drafted",
            "items_matching",
            "annex_rows_drafted",
        ):
            sums[key] += getattr(seed, key)
    return dict(sums)
