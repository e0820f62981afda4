"""One plan per incentive item: everything the money paths need to know about an item, said once.

Matching one enterprise (Python), matching one item (SQL), the full recompute (PostgreSQL), the
calculator and the application workflow all ask the same questions of an item — whom does it
serve, and if not, why not; which facts does it read; which rule is in effect on a date and which
version of it; what does a verdict look like as a stored ``Match`` row — and they ask its plan.

Plans are built from the catalogue once per catalogue version in each process (the version row
is bumped by a signal on every catalogue change, ``incentives/caching.py``), so a request or a
task pays one query for the version, not the catalogue's queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from django.db import connection
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from incentives import caching, selectors, specs
from incentives import facts as fact_readers
from incentives.engine import ELIGIBLE, ItemSpec, ItemVerdict, evaluate_item, in_force
from incentives.models import (
    Assignment,
    AwardRule,
    Condition,
    CrossItemLimit,
    EnterpriseNotice,
    Fact,
    IncentiveItem,
    Match,
    Measure,
    PolicyDocument,
)
from incentives.rules import format_wan, rule_in_effect
from organisations.models import Bureau, Region

# ---------------------------------------------------------------------------------------------
# Whom an item serves: one declaration, read as a Python predicate and as a SQL filter
# ---------------------------------------------------------------------------------------------

COMPANY, INSTITUTION = "company", "institution"

# The kinds of organisation each kind of beneficiary covers. ``serves`` and ``scope_q`` are both
# built from this table, so the two cannot disagree.
SERVED_KINDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "enterprise": frozenset({COMPANY}),
        "institution": frozenset({INSTITUTION}),
        "platform": frozenset({COMPANY, INSTITUTION}),
        "team": frozenset({COMPANY, INSTITUTION}),
        "person": frozenset(),  # people, not organisations: no enterprise claims these
    }
)
COMPANY_PREFIX = "9"
KIND_Q: Mapping[str, Q] = MappingProxyType(
    {
        COMPANY: Q(credit_code__startswith=COMPANY_PREFIX),
        INSTITUTION: ~Q(credit_code__startswith=COMPANY_PREFIX),
    }
)


def organisation_kind(credit_code: str) -> str:
    """A code registered by the 工商 authority (first character 9) is a company; the others are
    public institutions, social organisations and the like (GB 32100-2015)."""
    return COMPANY if credit_code.startswith(COMPANY_PREFIX) else INSTITUTION


class Organisation(Protocol):
    """What a plan reads of an enterprise: an ``Enterprise`` or a plain row with these."""

    city_id: int
    credit_code: str


# ---------------------------------------------------------------------------------------------
# Which facts an item reads
# ---------------------------------------------------------------------------------------------

RULE_FACT_PARAMS = ("base", "input", "insured")


def _rule_facts(rule: Mapping[str, Any]) -> Iterable[str]:
    for name in RULE_FACT_PARAMS:
        if rule.get(name):
            yield rule[name]
    kind = rule.get("kind")
    # The schedule always reads the year of support; a premium only when its rate or its length
    # depends on the year (``rules.evaluate_rule``).
    if kind == "schedule" or (
        kind == "premium" and (rule.get("rates_by_year") or rule.get("max_years"))
    ):
        yield rule.get("year_input", "support_year")
    for step in rule.get("steps") or []:
        yield from _rule_facts(step.get("rule") or {})


def facts_read(spec: ItemSpec) -> tuple[str, ...]:
    """Every fact or claim input the item's conditions and rules read, conditions first, in a
    stable order."""
    keys = [c["fact"] for group in ("all", "any") for c in spec.conditions.get(group) or []]
    for rule in spec.rules:
        keys.extend(_rule_facts(rule))
    return tuple(dict.fromkeys(keys))


def profile_facts_read(spec: ItemSpec, claim: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The facts of ``facts_read`` that come from an enterprise's profile (those with a reader,
    the claim's own facts left out)."""
    return tuple(k for k in facts_read(spec) if k in fact_readers.READERS and k not in claim)


def claim_keys(item: IncentiveItem) -> frozenset[str]:
    """The facts only a claim gives (the item's inputs: the contract amount, the premium paid)."""
    return frozenset(i["key"] for i in item.inputs or [] if isinstance(i, Mapping) and i.get("key"))


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------

NOTIFYING_SUPPORT = ("money", "status")  # worth telling an enterprise it newly qualifies


def amount_words(fields: Mapping[str, Any]) -> str:
    """A match's money in a notice: 预计20万元, 最高50万元, 10万元～50万元; "" when the amount
    depends on the claim or there is none."""
    kind = fields.get("estimate_kind")
    amount, low, high = fields.get("amount"), fields.get("minimum"), fields.get("maximum")
    if kind == "exact" and amount:
        return _("about %(amount)s") % {"amount": format_wan(amount)}
    if kind == "range" and high:
        if not low:
            return _("up to %(amount)s") % {"amount": format_wan(high)}
        return f"{format_wan(low)}～{format_wan(high)}"
    return ""


@dataclass(frozen=True, slots=True, eq=False)
class ItemPlan:
    """One item as every money path sees it (immutable; shared by the requests of a process)."""

    item: IncentiveItem
    region: Region
    city_ids: frozenset[int]  # a province's item serves all the province's cities
    served_kinds: frozenset[str]  # COMPANY, INSTITUTION: from ``SERVED_KINDS``
    spec: ItemSpec
    claim_keys: frozenset[str]
    facts_read: tuple[str, ...]  # ``facts_read(spec)``: conditions' and rules' facts and inputs
    award_rules: tuple[AwardRule, ...]  # in the order of ``spec.rules``
    rule_versions: Mapping[int, int]  # award rule id → its latest history id
    limited: bool  # named by a limit that crosses items (``CrossItemLimit``)

    # What the item is --------------------------------------------------------------------------

    @property
    def item_id(self) -> int:
        return self.item.pk

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def name(self) -> str:
        return self.item.name

    @property
    def support_kind(self) -> str:
        return self.item.support_kind

    @property
    def funding_level(self) -> str:
        return self.item.funding_level

    @property
    def beneficiary(self) -> str:
        return self.item.beneficiary

    # Whom it serves ----------------------------------------------------------------------------

    def serves(self, enterprise: Organisation) -> bool:
        """Whether the enterprise is inside the item's region and beneficiary kind."""
        return (
            enterprise.city_id in self.city_ids
            and organisation_kind(enterprise.credit_code) in self.served_kinds
        )

    def serves_kind(self, kind: str) -> bool:
        return kind in self.served_kinds

    @property
    def scope_q(self) -> Q:
        """The enterprises the item serves, as a filter over ``portal.Enterprise``."""
        if not self.served_kinds or not self.city_ids:
            return Q(pk__in=[])
        kinds = Q()
        if self.served_kinds != frozenset(KIND_Q):
            (kind,) = self.served_kinds
            kinds = KIND_Q[kind]
        return Q(city_id__in=sorted(self.city_ids)) & kinds

    def scope_refusal(self, enterprise: Organisation) -> str | None:
        """None when the item serves the enterprise, else why not, in words."""
        if not self.served_kinds:
            return _("This item is for individual people; an organisation cannot claim it.")
        if enterprise.city_id not in self.city_ids:
            return _("This item only serves enterprises in %(region)s.") % {
                "region": self.region.name
            }
        kind = organisation_kind(enterprise.credit_code)
        if kind in self.served_kinds:
            return None
        if kind == INSTITUTION:
            return _(
                "This item is for companies; the applicant is registered as an institution "
                "(its credit code does not start with 9)."
            )
        return _(
            "This item is for public institutions, social organisations and the like, "
            "not for companies."
        )

    # Its rule ----------------------------------------------------------------------------------

    def rule_on(self, on: datetime.date) -> AwardRule | None:
        """The award rule in effect on a date (of the item's dated versions), or None."""
        chosen = rule_in_effect(self.spec.rules, on)
        if chosen is None:
            return None
        for rule, as_rule in zip(self.award_rules, self.spec.rules, strict=False):
            if as_rule is chosen:
                return rule
        return next((rule for rule in self.award_rules if rule.as_rule() == chosen), None)

    def rule_version(self, rule: AwardRule | None) -> int | None:
        """The version a stored match names: the rule's latest history row."""
        return self.rule_versions.get(rule.pk) if rule is not None else None

    def out_of_force(self, on: datetime.date) -> str | None:
        """Why the item is not in force on a date (its validity dates), or None. An item out of
        force stores no match: every enterprise's verdict on it is this one reason, derived from
        the item when a page is shown (``incentives.shown``)."""
        return in_force(self.spec, on)

    @property
    def profile_facts(self) -> tuple[str, ...]:
        """The facts read from an enterprise's profile (claim inputs left out)."""
        return tuple(
            k for k in self.facts_read if k in fact_readers.READERS and k not in self.claim_keys
        )  # ``profile_facts_read(self.spec, self.claim_keys)``, without walking the rules again

    # Verdicts and stored rows ------------------------------------------------------------------

    def evaluate(self, facts: Mapping[str, Any], *, on: datetime.date) -> ItemVerdict:
        """The verdict for a profile's (or a visitor's) facts: claim facts are left to the claim."""
        return evaluate_item(self.spec, facts, on=on, claim_keys=self.claim_keys)

    def match_fields(self, verdict: ItemVerdict, *, on: datetime.date) -> dict[str, Any]:
        """A verdict as the columns of a stored ``Match`` (the limits' columns are not its
        business: they start empty and the limits that cross items fill them)."""
        estimate = verdict.estimate
        rule = self.rule_on(on)
        return {
            "status": verdict.verdict,
            "estimate_kind": estimate.kind if estimate else "",
            "amount": estimate.amount if estimate else None,
            "minimum": estimate.minimum if estimate else None,
            "maximum": estimate.maximum if estimate else None,
            "breakdown": estimate.breakdown if estimate else "",
            "reasons": verdict.reasons,
            "missing": verdict.missing,
            "failed": verdict.failed,
            "rule_id": rule.pk if rule else None,
            "rule_version": self.rule_version(rule),
            "as_of": on,
        }

    def match_row(self, enterprise_id: int, verdict: ItemVerdict, on: datetime.date):
        """The ``Match`` row a verdict is stored as (not saved)."""
        return Match(
            enterprise_id=enterprise_id,
            item=self.item,
            limited_amount=None,
            limited_maximum=None,
            limit_notes=[],
            excluded=False,
            **self.match_fields(verdict, on=on),
        )

    # Telling the enterprise --------------------------------------------------------------------

    @property
    def notifies(self) -> bool:
        """Money or a status to apply for: an enterprise that newly qualifies is told."""
        return self.item.support_kind in NOTIFYING_SUPPORT

    def tells(self, status: str, before: str | None) -> bool:
        """Whether a match tells its enterprise "you now qualify": money or a status, eligible
        (not only "likely": a reviewer still judges those), and not eligible before."""
        return self.notifies and status == ELIGIBLE and before != ELIGIBLE

    def newly_eligible_notice(self, fields: Mapping[str, Any] | None = None) -> tuple[str, str]:
        """(the notice's key, its message in the active language) for "you now qualify", with
        the amount the match estimates."""
        money = amount_words(fields or {})
        if money:
            message = _("You now qualify for “%(item)s”: %(amount)s.") % {
                "item": self.item.name,
                "amount": money,
            }
        else:
            message = _("You now qualify for “%(item)s”.") % {"item": self.item.name}
        return f"eligible:{self.item.key}", message

    def newly_eligible(self, match) -> EnterpriseNotice:
        enterprise_id = match.enterprise_id
        key, message = self.newly_eligible_notice(
            {
                "estimate_kind": match.estimate_kind,
                "amount": match.amount,
                "minimum": match.minimum,
                "maximum": match.maximum,
            }
        )
        return EnterpriseNotice(
            enterprise_id=enterprise_id,
            item=self.item,
            kind=EnterpriseNotice.Kind.NEWLY_ELIGIBLE,
            key=key,
            message=message,
        )


# ---------------------------------------------------------------------------------------------
# Building and finding plans
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every item's plan, and which of them serve whom: one catalogue version in one process."""

    by_id: Mapping[int, ItemPlan]  # in the catalogue's order (document id, measure, position)
    by_scope: Mapping[tuple[int, str], tuple[ItemPlan, ...]]  # (city id, kind) → plans
    # What the plans were built from (``_fingerprints``): item id → its rows' digest, and the
    # digest of the tables every plan reads. Empty when not known (then the next version
    # rebuilds every plan).
    fingerprints: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))
    shared: str = ""

    def serving(self, *, city_id: int, kind: str) -> tuple[ItemPlan, ...]:
        """The plans that serve an organisation of this kind (``COMPANY``, ``INSTITUTION``) in
        this city, in the catalogue's order."""
        return self.by_scope.get((city_id, kind), ())

    def for_enterprise(self, enterprise: Organisation) -> tuple[ItemPlan, ...]:
        """The plans whose scope serves the enterprise (``ItemPlan.serves`` is true of each)."""
        return self.serving(
            city_id=enterprise.city_id, kind=organisation_kind(enterprise.credit_code)
        )


def _items(ids: Iterable[int] | None = None) -> list[IncentiveItem]:
    items = (
        selectors.items_public()
        .prefetch_related("conditions")
        .order_by("measure__document_id", "measure__position", "position", "pk")
    )
    if ids is not None:
        items = items.filter(pk__in=list(ids))
    return list(items)


def _scopes(plans: Iterable[ItemPlan]) -> Mapping[tuple[int, str], tuple[ItemPlan, ...]]:
    by_scope: dict[tuple[int, str], list[ItemPlan]] = defaultdict(list)
    for plan in plans:
        for city_id in sorted(plan.city_ids):
            for kind in sorted(plan.served_kinds):
                by_scope[(city_id, kind)].append(plan)
    return MappingProxyType({k: tuple(v) for k, v in by_scope.items()})


def _build(items: list[IncentiveItem]) -> Catalogue:
    declared = Fact.declared()
    cities: dict[int, list[int]] = defaultdict(list)
    for pk, parent in Region.objects.filter(level=Region.Level.CITY).values_list("pk", "parent_id"):
        cities[parent].append(pk)
    limited = set(
        CrossItemLimit.items.through.objects.filter(
            incentiveitem_id__in=[i.pk for i in items]
        ).values_list("incentiveitem_id", flat=True)
    )
    versions = dict(
        AwardRule.history.filter(item_id__in=[i.pk for i in items])
        .values("id")
        .annotate(latest=Max("history_id"))
        .values_list("id", "latest")
    )
    by_id: dict[int, ItemPlan] = {}
    for item in items:
        region = item.measure.document.region
        if region.level == Region.Level.PROVINCE:
            city_ids = frozenset(cities.get(region.pk, ()))
        else:
            city_ids = frozenset({region.pk})
        rules = tuple(item.rules.all())
        spec = specs.item_spec(item=item, facts=declared, rules=rules)
        plan = ItemPlan(
            item=item,
            region=region,
            city_ids=city_ids,
            served_kinds=SERVED_KINDS.get(item.beneficiary, frozenset()),
            spec=spec,
            claim_keys=claim_keys(item),
            facts_read=facts_read(spec),
            award_rules=rules,
            rule_versions=MappingProxyType(
                {r.pk: versions[r.pk] for r in rules if r.pk in versions}
            ),
            limited=item.pk in limited,
        )
        by_id[item.pk] = plan
    return Catalogue(by_id=MappingProxyType(by_id), by_scope=_scopes(by_id.values()))


# What a plan is built from, as digests computed by PostgreSQL (``row::text`` is every column of
# a row, whatever columns the models gain). Per item: the item, its measure and document, its
# conditions, its award rules with their latest history row (the rule version a match names),
# whether a limit that crosses items names it, and the annex lines of the item and of its
# measure (its bureaus). Shared by every plan: the facts' declarations, the regions (a
# province's cities, an item's region, a bureau's city) and the bureaus.
ITEM_FINGERPRINTS_SQL = """
SELECT i.id, md5(concat_ws('|', i::text, m::text, d::text,
    EXISTS (SELECT 1 FROM {limit_items} l WHERE l.incentiveitem_id = i.id),
    (SELECT string_agg(c::text, ',' ORDER BY c.id) FROM {condition} c WHERE c.item_id = i.id),
    (SELECT string_agg(r::text || '@' || coalesce(
        (SELECT max(h.history_id) FROM {rule_history} h WHERE h.id = r.id), 0), ','
        ORDER BY r.id) FROM {rule} r WHERE r.item_id = i.id),
    (SELECT string_agg(a::text, ',' ORDER BY a.id) FROM {assignment} a
        WHERE a.item_id = i.id OR (a.item_id IS NULL AND a.measure_id = i.measure_id))
))
FROM {item} i JOIN {measure} m ON m.id = i.measure_id JOIN {document} d ON d.id = m.document_id
ORDER BY m.document_id, m.position, i.position, i.id
"""
SHARED_FINGERPRINT_SQL = """
SELECT md5(concat_ws('|',
    (SELECT string_agg(f::text, ',' ORDER BY f.id) FROM {fact} f),
    (SELECT string_agg(r::text, ',' ORDER BY r.id) FROM {region} r),
    (SELECT string_agg(b::text, ',' ORDER BY b.id) FROM {bureau} b)
))
"""


def _fingerprints() -> tuple[dict[int, str], str] | None:
    """(item id → digest, in the catalogue's order; the shared digest), or None where the
    database cannot say (the embedded SQLite setup: every version rebuilds every plan)."""
    if connection.vendor != "postgresql":
        return None

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    tables = {
        "item": table(IncentiveItem),
        "measure": table(Measure),
        "document": table(PolicyDocument),
        "condition": table(Condition),
        "rule": table(AwardRule),
        "rule_history": table(AwardRule.history.model),
        "assignment": table(Assignment),
        "limit_items": table(CrossItemLimit.items.through),
        "fact": table(Fact),
        "region": table(Region),
        "bureau": table(Bureau),
    }
    with connection.cursor() as cursor:
        cursor.execute(ITEM_FINGERPRINTS_SQL.format(**tables))
        items = dict(cursor.fetchall())
        cursor.execute(SHARED_FINGERPRINT_SQL.format(**tables))
        (shared,) = cursor.fetchone()
    return items, shared or ""


def _rebuild(previous: Catalogue | None) -> Catalogue:
    """The plans of the catalogue as it is now. The digests are read first (a change committed
    while the plans are built then only makes the next version build again). Where a previous
    version's plans are known and the shared tables did not change, the plan of an item whose
    rows did not change is reused and only the others are built (an admin's edit of one rule
    rebuilds one plan, not 309); otherwise every plan is built."""
    known = _fingerprints()
    if known is None:
        return _build(_items())
    fingerprints, shared = known
    if previous is None or not previous.fingerprints or previous.shared != shared:
        built = _build(_items())
    else:
        changed = [
            pk for pk, digest in fingerprints.items() if previous.fingerprints.get(pk) != digest
        ]
        fresh = _build(_items(changed)).by_id if changed else {}
        by_id = {}
        for pk in fingerprints:  # the catalogue's order, as ``_items`` gives it
            plan = fresh.get(pk) or (None if pk in changed else previous.by_id.get(pk))
            if plan is not None:
                by_id[pk] = plan
        built = Catalogue(by_id=MappingProxyType(by_id), by_scope=_scopes(by_id.values()))
    return Catalogue(
        by_id=built.by_id,
        by_scope=built.by_scope,
        fingerprints=MappingProxyType(fingerprints),
        shared=shared,
    )


CATALOGUE_NAME = "item-plans"


def catalogue() -> Catalogue:
    """The catalogue's plans, built once per catalogue version in each process: one query (the
    version) when nothing changed. After a change only the plans of the items whose rows
    changed are built again (``_rebuild``). Take it once for a loop over many enterprises."""
    built = caching.per_version_built(CATALOGUE_NAME)
    previous = built[1] if built is not None else None
    return caching.per_version(CATALOGUE_NAME, lambda: _rebuild(previous))


def plans() -> Mapping[int, ItemPlan]:
    """Every item's plan by item id, in the catalogue's order."""
    return catalogue().by_id


def plan_for(item_or_id: IncentiveItem | int) -> ItemPlan:
    """The plan of one item (``IncentiveItem.DoesNotExist`` if there is no such item)."""
    pk = item_or_id if isinstance(item_or_id, int) else item_or_id.pk
    plan = plans().get(pk)
    if plan is None:  # not in this process's catalogue yet (created in an open transaction)
        built = _build(_items([pk])).by_id
        if pk not in built:
            raise IncentiveItem.DoesNotExist(f"no incentive item {pk}")
        plan = built[pk]
    return plan


def plans_for_enterprise(enterprise: Organisation) -> list[ItemPlan]:
    """The plans whose scope serves the enterprise, in the catalogue's order."""
    return list(catalogue().for_enterprise(enterprise))


def item_fact_keys(*, item: IncentiveItem) -> list[str]:
    """Facts and inputs the item's conditions and rules read (its plan's ``facts_read``), then
    its other claim inputs, in a stable order: what the admin's preview asks for."""
    inputs = [i.get("key") for i in item.inputs or [] if isinstance(i, dict) and i.get("key")]
    return list(dict.fromkeys([*plan_for(item).facts_read, *inputs]))
