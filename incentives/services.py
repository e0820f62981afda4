"""Services of the catalogue: loading the seed files, an item's spec with the declared facts,
queuing recomputes, evaluating an item for typed-in facts. (The checks that guard edits with
golden cases are ``specs``', which the models' ``clean()`` call.)"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from incentives import caching, drafting, specs
from incentives.catalogue import files
from incentives.engine import ItemSpec, ItemVerdict, evaluate_item
from incentives.models import (
    Assignment,
    AssignmentRole,
    AwardRule,
    Condition,
    CrossItemLimit,
    DocumentDraft,
    EnterpriseNotice,
    Fact,
    GoldenCase,
    IncentiveItem,
    Measure,
    PolicyDocument,
    RecomputeJob,
)
from incentives.tasks import recompute_all_matches, recompute_item_matches
from organisations.models import Bureau, BureauAlias, Region


class CatalogueError(Exception):
    """A catalogue file or edit that cannot be accepted; ``problems`` lists why."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# ---------------------------------------------------------------------------------------------
# The item as the engine sees it (``specs``; the edits' checks are there too, models call them)
# ---------------------------------------------------------------------------------------------


def facts_declared() -> dict[str, dict]:
    return Fact.declared()


def item_declared(*, item: IncentiveItem, facts: Mapping[str, dict] | None = None) -> dict:
    return specs.item_declared(item=item, facts=Fact.declared() if facts is None else facts)


def item_spec(
    *,
    item: IncentiveItem,
    rules: Iterable[AwardRule] | None = None,
    conditions: Iterable[Condition] | None = None,
    facts: Mapping[str, dict] | None = None,
) -> ItemSpec:
    """The engine's view of an item; ``rules`` / ``conditions`` replace the stored ones (to try
    an edit before it is saved)."""
    return specs.item_spec(
        item=item,
        facts=Fact.declared() if facts is None else facts,
        rules=rules,
        conditions=conditions,
    )


def item_rules_changed(*, item: IncentiveItem) -> None:
    """Call after an item's rule, conditions or window changed: every enterprise's match for it
    is recomputed by a worker once the change is committed."""
    recompute_item_matches.delay_on_commit(item.pk)


def recompute_all_start(*, user) -> RecomputeJob:
    """Start a full recompute whose progress the admin can follow."""
    job = RecomputeJob.objects.create(started_by=user)
    recompute_all_matches.delay_on_commit(job.pk)
    return job


def notices_mark_read(*, enterprise) -> int:
    return EnterpriseNotice.objects.filter(enterprise=enterprise, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def item_evaluate(
    *, item: IncentiveItem, facts: Mapping[str, Any], on: datetime.date
) -> ItemVerdict:
    """The verdict and estimate an item gives for typed-in facts (the admin's preview)."""
    return evaluate_item(item_spec(item=item), facts, on=on)


# ---------------------------------------------------------------------------------------------
# Loading the seed catalogue
# ---------------------------------------------------------------------------------------------


def _bureaus_by_name(city: Region) -> dict[str, Bureau]:
    names = {bureau.name: bureau for bureau in Bureau.objects.filter(city=city)}
    for alias in BureauAlias.objects.filter(city=city).select_related("bureau"):
        names.setdefault(alias.name, alias.bureau)
    return names


def _load_bureaus(city: Region, bureaus: list[Mapping[str, Any]]) -> None:
    for data in bureaus:
        bureau, created = Bureau.objects.get_or_create(
            city=city,
            name=data["name"],
            defaults={"verifies_enterprises": bool(data.get("verifies_enterprises"))},
        )
        if data.get("verifies_enterprises") and not created and not bureau.verifies_enterprises:
            # A duty the documents' data give; never taken away by a reload (admins may).
            bureau.verifies_enterprises = True
            bureau.save(update_fields=["verifies_enterprises"])
        for alias in data.get("aliases") or []:
            if alias == bureau.name or Bureau.objects.filter(city=city, name=alias).exists():
                continue
            BureauAlias.objects.get_or_create(city=city, name=alias, defaults={"bureau": bureau})


def _sync_assignments(
    measure: Measure, item: IncentiveItem | None, data: Mapping, names: dict
) -> None:
    wanted = []
    for role in AssignmentRole.values:
        for position, name in enumerate(data.get(role) or []):
            wanted.append((names[name].pk, role, position))
    current = list(
        Assignment.objects.filter(measure=measure, item=item).values_list(
            "bureau_id", "role", "position"
        )
    )
    if sorted(current) != sorted(wanted):
        Assignment.objects.filter(measure=measure, item=item).delete()
        Assignment.objects.bulk_create(
            Assignment(measure=measure, item=item, bureau_id=b, role=r, position=p)
            for b, r, p in wanted
        )
        caching.bump()  # bulk_create sends no signal


def _load_item(
    measure: Measure, position: int, data: Mapping[str, Any], names: dict
) -> IncentiveItem:
    window = data.get("window") or {}
    budget = data.get("yearly_budget")
    item, _ = IncentiveItem.objects.update_or_create(
        key=data["key"],
        defaults={
            "measure": measure,
            "position": position,
            "name": data["name"],
            "summary": data["summary"],
            "clause": data["clause"],
            "quote": data.get("quote") or "",
            "beneficiary": data["beneficiary"],
            "support_kind": data["support_kind"],
            "funding_level": data["funding_level"],
            "delivery": data["delivery"],
            "processing_days": data.get("processing_days"),
            "window_opens": window.get("opens"),
            "window_closes": window.get("closes"),
            "yearly_budget": None if budget is None else Decimal(str(budget)),
            "budget_basis": data.get("budget_basis") or "",
            "pays": data.get("pays") or "per_period",
            "second_review_above": (
                None
                if data.get("second_review_above") is None
                else Decimal(str(data["second_review_above"]))
            ),
            "valid_from": data.get("valid_from"),
            "valid_to": data.get("valid_to"),
            "cosign": bool(data.get("cosign")),
            "publicity_days": data.get("publicity_days"),
            "materials": list(data.get("materials") or []),
            "inputs": list(data.get("inputs") or []),
            "checklist": list(data.get("checklist") or []),
        },
    )
    item.rules.all().delete()
    for rule in files.item_rules(data):
        params = {k: v for k, v in rule.items() if k not in ("effective_from", "effective_to")}
        AwardRule.objects.create(
            item=item,
            kind=params["kind"],
            params=_jsonable(params),
            effective_from=rule.get("effective_from"),
            effective_to=rule.get("effective_to"),
            clause=str(rule.get("clause") or data["clause"]),
        )
    item.conditions.all().delete()
    conditions = data.get("conditions") or {}
    Condition.objects.bulk_create(
        Condition(
            item=item,
            group=group,
            fact=c["fact"],
            op=c["op"],
            value=_jsonable(c.get("value")),
            position=n,
        )
        for group in ("all", "any")
        for n, c in enumerate(conditions.get(group) or [])
    )
    caching.bump()  # bulk_create sends no signal
    item.golden_cases.all().delete()
    for case in data.get("golden") or []:
        expect = case.get("expect") or {}
        GoldenCase.objects.create(
            item=item,
            name=str(case.get("name")),
            on_date=case["date"],
            facts=_jsonable(case.get("facts") or {}),
            as_if_in_force=bool(case.get("as_if_in_force")),
            expected_verdict=expect["verdict"],
            expected_amount=expect.get("amount"),
            expected_min=expect.get("min"),
            expected_max=expect.get("max"),
        )
    if data.get("lead") is not None or data.get("responsible") is not None:
        _sync_assignments(measure, item, data, names)
    return item


def _jsonable(value: Any) -> Any:
    """YAML gives dates and numbers; JSON fields keep strings for dates and exact decimals."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(Decimal(str(value)))
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


@transaction.atomic
def catalogue_load(*, paths: list[Path] | None = None, update: bool = False) -> dict[str, int]:
    """Load the catalogue files, all or nothing. A document already in the database is left as
    the admins have edited it unless ``update`` is given."""
    paths = paths or files.document_files()
    reports = files.check_files(paths)
    problems = [f"{r.path.name}: {p}" for r in reports for p in r.problems]
    problems += [
        f"{r.path.name}: golden case {g.item} «{g.name}»: {g.detail}"
        for r in reports
        for g in r.golden
        if not g.ok
    ]
    if problems:
        raise CatalogueError(problems)

    base = files.base_facts()
    counts = {"documents": 0, "skipped": 0, "measures": 0, "items": 0}
    loaded_facts: dict[str, Mapping] = dict(base)
    for path in paths:
        for fact in files.load_yaml(path).get("facts") or []:
            loaded_facts[fact["key"]] = fact
    for key, fact in loaded_facts.items():
        Fact.objects.update_or_create(
            key=key,
            defaults={
                "label": fact["label"],
                "type": fact["type"],
                "unit": fact.get("unit") or "",
                "choices": fact.get("choices") or {},
            },
        )

    for path in paths:
        data = files.load_yaml(path)
        doc = data["document"]
        try:
            region = Region.objects.get(name=doc["region"], level__in=["city", "province"])
        except Region.DoesNotExist as exc:
            raise CatalogueError(
                [f"{path.name}: region {doc['region']} is not in organisations.yaml"]
            ) from exc
        loaded = document_load(data=data, region=region, update=update)
        if loaded is None:
            counts["skipped"] += 1
            continue
        counts["documents"] += 1
        counts["measures"] += loaded["measures"]
        counts["items"] += loaded["items"]
    return counts


def document_load(
    *, data: Mapping[str, Any], region: Region, update: bool
) -> dict[str, Any] | None:
    """Load one document's data (the shape of a catalogue file, already checked) for a region:
    its bureaus, measures, items, rules, annex and limits. A document already in the database is
    left as the admins have edited it (None) unless ``update`` is given."""
    doc = data["document"]
    # Bureaus a file names are added even to a kept document (nothing is changed or
    # removed): targets and annexes loaded later may name them.
    _load_bureaus(region, data.get("bureaus") or [])
    if PolicyDocument.objects.filter(key=doc["key"]).exists() and not update:
        return None
    names = _bureaus_by_name(region)
    document, _ = PolicyDocument.objects.update_or_create(
        key=doc["key"],
        defaults={
            "title": doc["title"],
            "doc_number": doc.get("doc_number") or "",
            "issuer": doc.get("issuer") or "",
            "region": region,
            "source_file": doc.get("source") or "",
            "part": doc.get("part") or "",
            "published_on": doc.get("published_on"),
            "valid_from": doc.get("valid_from"),
            "valid_to": doc.get("valid_to"),
            "status": doc["status"],
            "is_example": bool(doc.get("is_example")),
            "validity": doc.get("validity") or "stated",
            "summary": doc.get("summary") or "",
        },
    )
    counts: dict[str, Any] = {"document": document, "measures": 0, "items": 0}
    keep_items = []
    numbers = []
    for position, measure_data in enumerate(data.get("measures") or []):
        measure, _ = Measure.objects.update_or_create(
            document=document,
            number=str(measure_data["number"]),
            defaults={
                "title": measure_data["title"],
                "summary": measure_data.get("summary") or "",
                "position": position,
            },
        )
        numbers.append(measure.number)
        counts["measures"] += 1
        _sync_assignments(measure, None, measure_data, names)
        for item_position, item_data in enumerate(measure_data.get("items") or []):
            keep_items.append(_load_item(measure, item_position, item_data, names).pk)
            counts["items"] += 1
    IncentiveItem.objects.filter(measure__document=document).exclude(pk__in=keep_items).delete()
    document.measures.exclude(number__in=numbers).delete()
    # A limit the file no longer declares (a reading corrected) goes with the update.
    CrossItemLimit.objects.filter(document=document).exclude(
        key__in=[limit["key"] for limit in data.get("limits") or []]
    ).delete()
    for limit_data in data.get("limits") or []:
        limit, _ = CrossItemLimit.objects.update_or_create(
            key=limit_data["key"],
            defaults={
                "document": document,
                "kind": limit_data["kind"],
                "amount": limit_data.get("amount"),
                "clause": limit_data.get("clause") or "",
                "note": limit_data.get("note") or "",
            },
        )
        limit.items.set(IncentiveItem.objects.filter(key__in=limit_data.get("items") or []))
    return counts


# ---------------------------------------------------------------------------------------------
# A document drafted from its text (起草稿): created, reviewed, published
# ---------------------------------------------------------------------------------------------


def draft_bureaus_resolve(
    *, data: Mapping[str, Any], region: Region
) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """The units a draft names, resolved among the city's bureaus and aliases (brackets and
    spaces aside; 财政局 written after 市科技局 as 市财政局): the data with its ``bureaus`` list
    rewritten (each bureau under its own name, the draft's spellings as aliases), the names
    left unresolved, and each spelling's bureau."""
    names = _bureaus_by_name(region)
    by_key = {drafting.unit_key(name): bureau for name, bureau in names.items()}
    spellings: dict[str, list[str]] = {}
    unresolved: list[str] = []
    resolved: dict[str, str] = {}
    for name in drafting.unit_names(data):
        bureau = (
            names.get(name)
            or by_key.get(drafting.unit_key(name))
            or by_key.get(drafting.unit_key("市" + name))
        )
        if bureau is None:
            unresolved.append(name)
            continue
        resolved[name] = bureau.name
        spellings.setdefault(bureau.name, [])
        if name != bureau.name:
            spellings[bureau.name].append(name)
    bureaus = [{"name": name, "aliases": aliases} for name, aliases in spellings.items()]
    bureaus += [{"name": name, "aliases": []} for name in unresolved]
    return {**data, "bureaus": bureaus}, unresolved, resolved


def draft_create(*, region: Region, text: str, file_name: str = "", by=None) -> list[DocumentDraft]:
    """Draft each document a text holds (one, or the parts 篇一… of a compilation) for a city.
    Nothing is live: a draft is seen only in the admin until it is published."""
    drafts = []
    for data in drafting.drafts_from_text(text, source=file_name, region=region.name):
        data, unresolved, _resolved = draft_bureaus_resolve(data=data, region=region)
        drafts.append(
            DocumentDraft.objects.create(
                region=region,
                source_text=text,
                file_name=file_name,
                data=data,
                unresolved_bureaus=unresolved,
                created_by=by,
            )
        )
    return drafts


def draft_save(*, draft: DocumentDraft, data: Mapping[str, Any]) -> DocumentDraft:
    """Keep an admin's edit of a draft; its units are resolved again."""
    if draft.published_at:
        raise CatalogueError([gettext("This draft is already published; edit the document.")])
    data = dict(data)
    data.setdefault("document", {})["region"] = draft.region.name
    draft.data, draft.unresolved_bureaus, _resolved = draft_bureaus_resolve(
        data=data, region=draft.region
    )
    draft.save(update_fields=["data", "unresolved_bureaus"])
    return draft


def draft_problems(*, draft: DocumentDraft) -> list[str]:
    """Why a draft cannot be published yet; [] when it can."""
    if draft.published_at:
        return [gettext("This draft is already published.")]
    problems = []
    if draft.unresolved_bureaus:
        problems.append(
            gettext(
                "Units not found among the bureaus of %(city)s: %(names)s. Add them as bureaus "
                "or aliases, or correct the names in the draft."
            )
            % {"city": draft.region.name, "names": "、".join(draft.unresolved_bureaus)}
        )
    data = drafting.for_loading(draft.data)
    report = files.check_document(
        data,
        facts={**files.base_facts(), **Fact.declared()},
        path=Path(draft.file_name or "draft"),
        seen_keys=set(),
    )
    problems += report.problems
    problems += [
        gettext("golden case %(item)s «%(name)s»: %(detail)s")
        % {"item": g.item, "name": g.name, "detail": g.detail}
        for g in report.golden
        if not g.ok
    ]
    document = data.get("document") or {}
    if PolicyDocument.objects.filter(key=document.get("key")).exists():
        problems.append(
            gettext("A document with the key %(key)s is already in the catalogue.")
            % {"key": document.get("key")}
        )
    item_keys = [
        item.get("key")
        for measure in data.get("measures") or []
        for item in measure.get("items") or []
    ]
    taken = list(IncentiveItem.objects.filter(key__in=item_keys).values_list("key", flat=True))
    if taken:
        problems.append(
            gettext("Item keys already in the catalogue: %(keys)s") % {"keys": ", ".join(taken)}
        )
    return problems


@transaction.atomic
def draft_publish(*, draft: DocumentDraft, by=None) -> PolicyDocument:
    """Publish a reviewed draft: checked like a catalogue file, refused while a unit is
    unresolved, then loaded as a document (its items matched after the commit)."""
    draft = DocumentDraft.objects.select_for_update().get(pk=draft.pk)
    data, draft.unresolved_bureaus, _resolved = draft_bureaus_resolve(
        data=draft.data, region=draft.region
    )
    draft.data = {**data, "document": {**data["document"], "region": draft.region.name}}
    problems = draft_problems(draft=draft)
    if problems:
        raise CatalogueError(problems)
    loaded = document_load(data=drafting.for_loading(draft.data), region=draft.region, update=False)
    if loaded is None:  # checked above; a race with another publish
        raise CatalogueError([gettext("A document with this key is already in the catalogue.")])
    document = loaded["document"]
    draft.published_at = timezone.now()
    draft.published_document = document
    draft.save(update_fields=["data", "unresolved_bureaus", "published_at", "published_document"])
    for item in IncentiveItem.objects.filter(measure__document=document):
        item_rules_changed(item=item)
    return document
