"""Reading and checking the catalogue data files (``documents/*.yaml``, ``facts.yaml``) without
a database. The loader, the tests and ``python -m incentives.catalogue.check`` all use this, so a
file that passes the checker loads."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from enterprises import schema as profile_schema
from incentives.engine import ItemSpec, evaluate_item, validate_condition
from incentives.rules import MONEY_KINDS, money_bound_problems, validate_rule

CATALOGUE_DIR = Path(__file__).resolve().parent
DOCUMENTS_DIR = CATALOGUE_DIR / "documents"
ANNEXES_DIR = CATALOGUE_DIR / "annexes"
FACTS_FILE = CATALOGUE_DIR / "facts.yaml"

DOCUMENT_STATUSES = ("draft_for_comment", "in_force", "repealed", "expired")
BENEFICIARIES = ("enterprise", "platform", "team", "person", "institution")
SUPPORT_KINDS = ("money", "status", "tax", "service", "information")
FUNDING_LEVELS = ("national", "provincial", "city", "county", "shared", "unspecified", "none")
PAYS = ("once", "per_period", "per_project", "per_claim")
VALIDITY = ("stated", "unknown")
# The claim input that names the project of a per-project award.
PROJECT_INPUT = "project_name"
DELIVERY_MODES = ("no_application", "fast", "review")
LIMIT_KINDS = ("yearly_cap", "total_cap", "exclusive")
FACT_TYPES = ("bool", "int", "money", "decimal", "percent", "date", "choice", "text")

DOCUMENT_KEYS = {
    "key", "source", "part", "title", "doc_number", "issuer", "region", "published_on",
    "valid_from", "valid_to", "status", "is_example", "summary", "validity",
}  # fmt: skip
MEASURE_KEYS = {"number", "title", "summary", "lead", "responsible", "cooperate", "items"}
ITEM_KEYS = {
    "key", "name", "summary", "clause", "quote", "beneficiary", "support_kind", "funding_level",
    "delivery", "processing_days", "window", "yearly_budget", "valid_from", "valid_to", "lead",
    "responsible", "cosign", "publicity_days", "materials", "inputs", "conditions", "checklist",
    "rule", "rules", "golden", "pays", "budget_basis", "second_review_above",
}  # fmt: skip


class CatalogueFileError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def base_facts() -> dict[str, dict[str, Any]]:
    """The fact vocabulary: facts.yaml, and every fact the enterprise profile declares
    (enterprises.schema) that facts.yaml does not word itself."""
    worded = {fact["key"]: fact for fact in load_yaml(FACTS_FILE)["facts"]}
    return {**profile_schema.fact_declarations(), **worded}


def document_files() -> list[Path]:
    return sorted(DOCUMENTS_DIR.glob("*.yaml"))


def item_rules(item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if item.get("rules"):
        return list(item["rules"])
    return [item["rule"]] if item.get("rule") else []


def item_declared(item: Mapping[str, Any], facts: Mapping[str, Mapping[str, Any]]) -> dict:
    return {**facts, **{i["key"]: i for i in item.get("inputs") or [] if isinstance(i, Mapping)}}


def item_spec(item: Mapping[str, Any], document: Mapping[str, Any], facts: Mapping) -> ItemSpec:
    return ItemSpec(
        key=item["key"],
        name=item["name"],
        in_force_from=item.get("valid_from") or document.get("valid_from"),
        in_force_to=item.get("valid_to") or document.get("valid_to"),
        document_status=document["status"],
        validity_unknown=document.get("validity") == "unknown",
        conditions=item.get("conditions") or {},
        checklist=list(item.get("checklist") or []),
        rules=item_rules(item),
        declared=item_declared(item, facts),
    )


@dataclass
class GoldenOutcome:
    item: str
    name: str
    ok: bool
    detail: str


@dataclass
class FileReport:
    path: Path
    document_key: str = ""
    measures: int = 0
    items: int = 0
    money_items: int = 0
    golden: list[GoldenOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def run_golden_case(spec: ItemSpec, case: Mapping[str, Any]) -> GoldenOutcome:
    """Evaluate one golden case and compare verdict and amount with what it expects."""
    on = case.get("date")
    if not isinstance(on, datetime.date):
        return GoldenOutcome(spec.key, str(case.get("name")), False, "golden case needs a `date`")
    if case.get("as_if_in_force"):
        # Drafts and expired items still carry arithmetic worth guarding.
        spec = dataclasses.replace(
            spec, document_status="in_force", in_force_from=None, in_force_to=None
        )
    result = evaluate_item(spec, case.get("facts") or {}, on=on)
    expect = case.get("expect") or {}
    seen = {"verdict": result.verdict}
    estimate = result.estimate
    if estimate is not None and estimate.kind == "exact":
        seen["amount"] = estimate.amount
    elif estimate is not None and estimate.kind == "range":
        seen["min"], seen["max"] = estimate.minimum, estimate.maximum
    wrong = []
    if expect.get("verdict") != result.verdict:
        wrong.append(f"verdict {result.verdict} (expected {expect.get('verdict')})")
    for key in ("amount", "min", "max"):
        if key in expect:
            want = None if expect[key] is None else Decimal(str(expect[key]))
            got = seen.get(key)
            if want != got:
                wrong.append(f"{key} {got} (expected {want})")
    detail = "; ".join(wrong) if wrong else (estimate.breakdown if estimate else result.verdict)
    if wrong:
        detail += " — " + " | ".join(result.reasons + (estimate.lines if estimate else []))
    return GoldenOutcome(spec.key, str(case.get("name")), not wrong, detail)


def check_document(data: Any, *, facts: Mapping, path: Path, seen_keys: set[str]) -> FileReport:
    """Every problem of one document file, and its golden cases run."""
    report = FileReport(path=path)
    problems = report.problems
    if not isinstance(data, Mapping) or "document" not in data:
        problems.append("the file must have a `document:` section")
        return report
    document = data["document"]
    report.document_key = str(document.get("key"))
    for missing in sorted(DOCUMENT_KEYS - {"part", "summary", "validity"} - set(document)):
        problems.append(f"document: `{missing}` is missing")
    for extra in sorted(set(document) - DOCUMENT_KEYS):
        problems.append(f"document: unknown key `{extra}`")
    if document.get("status") not in DOCUMENT_STATUSES:
        problems.append(f"document: status must be one of {DOCUMENT_STATUSES}")
    if document.get("validity", "stated") not in VALIDITY:
        problems.append(f"document: validity must be one of {VALIDITY}")
    if document.get("key") in seen_keys:
        problems.append(f"document key {document.get('key')} is used twice")
    seen_keys.add(document.get("key"))

    facts = {**facts}
    for fact in data.get("facts") or []:
        if fact.get("type") not in FACT_TYPES:
            problems.append(f"fact {fact.get('key')}: type must be one of {FACT_TYPES}")
        facts[fact["key"]] = fact

    names: set[str] = set()
    for bureau in data.get("bureaus") or []:
        names.add(bureau["name"])
        names.update(bureau.get("aliases") or [])

    def check_bureaus(where: str, values: Any) -> None:
        if values is None:
            return
        if not isinstance(values, list):
            problems.append(f"{where}: bureaus must be a list")
            return
        for name in values:
            if name not in names:
                problems.append(f"{where}: bureau “{name}” is not declared under `bureaus:`")

    numbers: set[str] = set()
    item_keys: set[str] = set()
    for measure in data.get("measures") or []:
        number = str(measure.get("number"))
        where = f"measure {number}"
        report.measures += 1
        if number in numbers:
            problems.append(f"{where}: number used twice")
        numbers.add(number)
        for extra in sorted(set(measure) - MEASURE_KEYS):
            problems.append(f"{where}: unknown key `{extra}`")
        if not measure.get("title"):
            problems.append(f"{where}: `title` is missing")
        for role in ("lead", "responsible", "cooperate"):
            check_bureaus(f"{where} {role}", measure.get(role) or [])
        for item in measure.get("items") or []:
            report.items += 1
            before = len(problems)
            key = item.get("key")
            where = f"item {key}"
            if not key or key in seen_keys or key in item_keys:
                problems.append(f"{where}: the key is missing or used twice")
            item_keys.add(key)
            for missing in (
                "name",
                "summary",
                "clause",
                "beneficiary",
                "support_kind",
                "funding_level",
                "delivery",
            ):
                if not item.get(missing):
                    problems.append(f"{where}: `{missing}` is missing")
            for extra in sorted(set(item) - ITEM_KEYS):
                problems.append(f"{where}: unknown key `{extra}`")
            for field_name, allowed in (
                ("beneficiary", BENEFICIARIES),
                ("support_kind", SUPPORT_KINDS),
                ("funding_level", FUNDING_LEVELS),
                ("delivery", DELIVERY_MODES),
            ):
                if item.get(field_name) not in allowed:
                    problems.append(f"{where}: {field_name} must be one of {allowed}")
            for role in ("lead", "responsible"):
                check_bureaus(f"{where} {role}", item.get(role))
            window = item.get("window")
            if window and not (
                isinstance(window, Mapping)
                and all(isinstance(window.get(k), datetime.date) for k in ("opens", "closes"))
                and window["opens"] <= window["closes"]
            ):
                problems.append(f"{where}: window needs dates opens ≤ closes")
            for input_ in item.get("inputs") or []:
                if input_.get("type") not in FACT_TYPES or not input_.get("label"):
                    problems.append(
                        f"{where}: input {input_.get('key')} needs a label and a valid type"
                    )
            declared = item_declared(item, facts)
            conditions = item.get("conditions") or {}
            for group in ("all", "any"):
                for condition in conditions.get(group) or []:
                    problems.extend(
                        f"{where}: {p}" for p in validate_condition(condition, declared=declared)
                    )
            rules = item_rules(item)
            if not rules:
                problems.append(f"{where}: `rule` is missing")
            for number_, rule in enumerate(rules, start=1):
                problems.extend(
                    validate_rule(rule, declared=declared, path=f"{where} rule {number_}")
                )
            is_money = item.get("support_kind") == "money"
            if item.get("pays") is not None and item["pays"] not in PAYS:
                problems.append(f"{where}: `pays` must be one of {PAYS}")
            if item.get("support_kind") in ("money", "status"):
                if item.get("pays") not in PAYS:
                    problems.append(f"{where}: `pays` (how often it pays) must be one of {PAYS}")
                elif item["pays"] == "per_project" and PROJECT_INPUT not in {
                    i.get("key") for i in item.get("inputs") or []
                }:
                    problems.append(
                        f"{where}: a per-project award needs the input `{PROJECT_INPUT}`"
                    )
            if item.get("yearly_budget") is not None and not item.get("budget_basis"):
                problems.append(f"{where}: a yearly budget needs its `budget_basis`")
            if is_money:
                problems.extend(
                    f"{where}: {p}"
                    for p in money_bound_problems(rules, yearly_budget=item.get("yearly_budget"))
                )
            gives_money = any(
                isinstance(r, Mapping) and r.get("kind") in MONEY_KINDS for r in rules
            )
            if is_money:
                report.money_items += 1
                if not gives_money:
                    problems.append(f"{where}: a money item needs a rule that gives money")
                if not item.get("golden"):
                    problems.append(f"{where}: a money item needs at least one golden case")
            elif gives_money:
                problems.append(
                    f"{where}: the rule gives money but support_kind is {item.get('support_kind')}"
                )
            if len(problems) > before:
                continue
            spec = item_spec(item, document, facts)
            for case in item.get("golden") or []:
                report.golden.append(run_golden_case(spec, case))
    seen_keys.update(item_keys)
    for limit in data.get("limits") or []:
        if limit.get("kind") not in LIMIT_KINDS:
            problems.append(f"limit {limit.get('key')}: kind must be one of {LIMIT_KINDS}")
        if limit.get("kind") in ("yearly_cap", "total_cap") and not limit.get("amount"):
            problems.append(f"limit {limit.get('key')}: needs an amount")
        for key in limit.get("items") or []:
            if key not in item_keys:
                problems.append(f"limit {limit.get('key')}: item {key} is not in this file")
    return report


def check_files(paths: list[Path]) -> list[FileReport]:
    facts = base_facts()
    seen: set[str] = set()
    return [
        check_document(load_yaml(path), facts=facts, path=path, seen_keys=seen) for path in paths
    ]
