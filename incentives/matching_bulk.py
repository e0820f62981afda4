"""The full recompute at city scale: every enterprise against every item it may claim, streamed.

Enterprises are read in chunks by primary key, each with its qualifications and figures in
three plain queries; their facts come from the same Python readers as one enterprise's
recompute (``facts.profile_facts``) and each item is decided by ``engine.evaluate_item`` — so
the result is by construction the Python path's, which the property tests hold equal to the SQL
path's.

What makes it fast:
- an *inputs hash* per row: the item's spec, rule version and language, the values of the facts
  the item reads (on the run's date), and what the date decides for the row — never the date
  itself (see "The date" below). A stored row with the same hash is left alone (a run over
  unchanged data writes nothing, on the same day or the next), and rows of one item with the
  same inputs are decided once (a bounded memo per item: most enterprises of a city share their
  outcome on an item);
- rows are written with COPY into a temporary table and one INSERT … ON CONFLICT per chunk;
- the limits that cross items, the notices and the deletions are done per chunk too, so memory
  stays bounded by the chunk, not the city.

The date. A verdict changes with the date only through
- the item's validity dates (``engine.in_force``) and its rules' dates (``rule_in_effect``, and
  the stored rule and version): the item's *day outcome*, one per item and night (an item out
  of force reads no fact: its rows' hash is its day outcome alone);
- the facts read on the date: a qualification valid on it (a certificate expiring), the latest
  recognition before it, the figures of the year before it. These are already in the hash as
  the values the readers return for that date;
- conditions whose operator reads the date (``within_days``): their pass/fail/unknown for the
  row is hashed, not the date;
- the date itself only where a reason names it: an item in force with no award rule in effect
  ("no award rule is in effect on …").
So a new night rewrites exactly the rows whose date-dependent outcome changed. ``as_of`` is the
date the row was last decided: a row the date cannot change keeps it (its verdict on the new day
is the same, by the above), and ``tests/incentives/test_nightly_*.py`` hold the stored rows equal
to a full evaluation on each date.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from enterprises import schema as profile_schema
from enterprises.models import Enterprise, Qualification, YearlyFigures
from incentives import facts as fact_readers
from incentives import plans as item_plans
from incentives.engine import condition_outcome, in_force
from incentives.match_limits import apply_cross_item_limits
from incentives.models import CrossItemLimit, EnterpriseNotice, Grant
from incentives.plans import ItemPlan
from incentives.rules import rule_in_effect
from organisations.models import Region

CHUNK = 2000
MEMO_LIMIT = 50_000  # decided rows remembered per item; past it the memo starts again
COLUMNS = (
    "enterprise_id", "item_id", "status", "estimate_kind", "amount", "minimum", "maximum",
    "breakdown", "reasons", "missing", "failed", "rule_id", "rule_version", "as_of",
    "inputs_hash",
)  # fmt: skip
UPDATED = [c for c in COLUMNS if c not in ("enterprise_id", "item_id")]
FIELDS = COLUMNS[2:-1]  # the columns of ``ItemPlan.match_fields``, in the order of the COPY
JSON_FIELDS = ("reasons", "missing", "failed")


def _text(value: Any) -> str:
    if value is None:
        return r"\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _json(value: Any) -> str:
    return _text(json.dumps(value, ensure_ascii=False))


@dataclass
class ItemRun:
    """One item's plan as this run uses it: what its rows' inputs hash is made of (the profile
    facts it reads, the conditions whose outcome the date decides, a digest of everything else),
    and the rows of identical inputs decided so far."""

    plan: ItemPlan
    keys: tuple[str, ...]  # the profile facts the item's conditions and rules read
    digest: bytes  # everything else its rows depend on, the item's day outcome included
    # (condition, the type of its fact) of each condition that reads the date ("within N days")
    dated: tuple[tuple[Mapping[str, Any], str | None], ...] = ()
    memo: dict[int, tuple[str, str]] = field(default_factory=dict)
    # Whether its rows are stored: an item out of force on the date stores none (its verdict is
    # the item's, derived when a page is shown: ``incentives.shown``).
    stored: bool = True
    # Plain copies of what the loop over rows asks for (attribute reads, not properties).
    item_id: int = 0
    seen_key: Any = None  # what the per-enterprise cache of hashed values is keyed by

    def __post_init__(self) -> None:
        self.item_id = self.plan.item_id
        self.seen_key = (self.keys, self.item_id) if self.dated else self.keys


def dated_conditions(plan: ItemPlan) -> tuple[tuple[Mapping[str, Any], str | None], ...]:
    """The item's conditions whose outcome depends on the date (``within_days``), with the type
    of the fact each reads; conditions on claim inputs are the application's, not the match's."""
    spec = plan.spec
    return tuple(
        (condition, (spec.declared.get(condition["fact"]) or {}).get("type"))
        for group in ("all", "any")
        for condition in spec.conditions.get(group) or []
        if condition.get("op") == "within_days" and condition["fact"] not in plan.claim_keys
    )


def day_outcome(plan: ItemPlan, on: datetime.date) -> tuple:
    """What the date decides for every row of an item alike: whether and why it is out of force,
    which award rule is in effect (and so stored) — and the date itself only where the row's
    reasons name it (in force, but no award rule in effect on that date)."""
    spec = plan.spec
    not_in_force = in_force(spec, on)
    chosen = rule_in_effect(spec.rules, on)
    index = next((i for i, rule in enumerate(spec.rules) if rule is chosen), None)
    rule = plan.rule_on(on)
    named = on if not_in_force is None and chosen is None else None
    return (not_in_force, index, rule and rule.pk, plan.rule_version(rule), named)


def item_runs(catalogue: item_plans.Catalogue, on: datetime.date) -> dict[int, ItemRun]:
    """Every item's plan prepared for a run on a date (in the active language), by item id."""
    language = translation.get_language() or ""
    limits: dict[int, list] = defaultdict(list)  # item id → the limits that name it
    for limit in CrossItemLimit.objects.prefetch_related("items").order_by("pk"):
        spec = (limit.key, limit.kind, limit.amount, limit.note)
        spec += (sorted(i.pk for i in limit.items.all()),)
        for item in limit.items.all():
            limits[item.pk].append(spec)
    runs = {}
    for plan in catalogue.by_id.values():
        # Claim facts included: for the hash, a superset of what the engine reads is safe.
        keys = tuple(sorted(k for k in plan.facts_read if k in fact_readers.READERS))
        dated = dated_conditions(plan)
        day = day_outcome(plan, on)
        if day[0] is not None:  # not in force on the date: the verdict reads no fact
            keys, dated = (), ()
        basis = repr(
            (
                plan.item_id,
                plan.spec,
                sorted(plan.claim_keys),
                keys,
                day,
                [condition for condition, _ in dated],
                plan.limited,
                limits.get(plan.item_id, []),
                language,
            )
        ).encode()
        runs[plan.item_id] = ItemRun(
            plan=plan,
            keys=keys,
            digest=hashlib.blake2b(basis, digest_size=16).digest(),
            dated=dated,
            stored=day[0] is None,
        )
    return runs


def inputs_hash(
    run: ItemRun, facts: Mapping[str, Any], seen: dict | None = None, *, on: datetime.date
) -> int:
    """The row's inputs as a signed 64-bit number; ``seen`` caches the facts' part per set of
    keys for one enterprise (items often read the same facts). For a condition that reads the
    date, its outcome on ``on`` is hashed, not the date."""
    key = run.seen_key
    values = seen.get(key) if seen is not None else None
    if values is None:
        values = _values(run, facts, on)
        if seen is not None:
            seen[key] = values
    return int.from_bytes(_blake2b(run.digest + values, digest_size=8).digest(), "big", signed=True)


def _values(run: ItemRun, facts: Mapping[str, Any], on: datetime.date) -> bytes:
    parts: tuple = tuple(facts.get(k) for k in run.keys)
    if run.dated:
        parts += tuple(
            condition_outcome(condition, facts.get(condition["fact"]), on=on, kind=kind)
            for condition, kind in run.dated
        )
    return repr(parts).encode()


_blake2b = hashlib.blake2b


def _row_text(run: ItemRun, facts: Mapping[str, Any], on: datetime.date, fingerprint: int):
    """(status, the COPY text of the row after its enterprise id, the row's fields)."""
    plan = run.plan
    verdict = plan.evaluate(facts, on=on)
    fields = plan.match_fields(verdict, on=on)
    values = [
        _text(plan.item_id),
        *(_json(fields[c]) if c in JSON_FIELDS else _text(fields[c]) for c in FIELDS),
        str(fingerprint),
    ]
    return verdict.verdict, "\t".join(values), fields


# ---------------------------------------------------------------------------------------------
# Reading profiles in chunks
# ---------------------------------------------------------------------------------------------

# The declared facts' columns come from enterprises.schema, the tables from the models.
E_FIELDS = tuple(profile_schema.names(profile_schema.BASIC))
F_FIELDS = tuple(profile_schema.names(profile_schema.YEARLY))
ENTERPRISE_SQL = f"""
SELECT e.id, e.credit_code, e.city_id, c.name, e.district_id, d.name,
       {", ".join(f"e.{name}" for name in E_FIELDS)}
FROM {Enterprise._meta.db_table} e JOIN {Region._meta.db_table} c ON c.id = e.city_id
LEFT JOIN {Region._meta.db_table} d ON d.id = e.district_id
WHERE e.id > %s {{only}} ORDER BY e.id LIMIT %s
"""  # noqa: S608 - names from the models and the schema, never from input
QUALIFICATION_SQL = f"""
SELECT enterprise_id, kind, level, recognition, recognized_on, expires_on,
       moved_in_from_other_province
FROM {Qualification._meta.db_table} WHERE enterprise_id = ANY(%s)
"""  # noqa: S608 - names from the models and the schema, never from input
FIGURES_SQL = f"""
SELECT enterprise_id, year, {", ".join(F_FIELDS)}
FROM {YearlyFigures._meta.db_table} WHERE enterprise_id = ANY(%s)
"""  # noqa: S608 - names from the models and the schema, never from input
# A row's key is one number, (enterprise id << 32) + item id: cheaper than a pair per row.
STORED_SQL = """
SELECT (enterprise_id::bigint << 32) + item_id, inputs_hash, status,
       limited_amount IS NULL AND limited_maximum IS NULL AND limit_notes = '[]'::jsonb
       AND NOT excluded
FROM incentives_match WHERE enterprise_id = ANY(%s)
"""
# Per enterprise: its rows, those with a hash, the sum of the hashes, and whether every row is
# clean of limits or in an item a limit names. When the count and the sum equal those of the
# hashes the run computes, every stored row has its computed hash (64-bit hashes of different
# inputs summing alike by chance is as likely as a collision of the hash itself), and the
# enterprise's rows are left alone without reading them one by one.
SUMS_SQL = """
SELECT enterprise_id, count(*), count(inputs_hash), sum(inputs_hash),
       bool_and(item_id = ANY(%s) OR (limited_amount IS NULL AND limited_maximum IS NULL
                AND limit_notes = '[]'::jsonb AND NOT excluded))
FROM incentives_match WHERE enterprise_id = ANY(%s) GROUP BY enterprise_id
"""
GRANTED_SQL = f"""
SELECT DISTINCT enterprise_id FROM {Grant._meta.db_table} WHERE enterprise_id = ANY(%s)
"""  # noqa: S608 - names from the models, never from input
Q_FIELDS = ("kind", "level", "recognition", "recognized_on", "expires_on")
Q_FIELDS += ("moved_in_from_other_province",)


def _profiles(cursor, after: int, size: int, only: list[int] | None, upto: int | None = None):
    """The next chunk of enterprises after a primary key (and up to ``upto``), as
    ``facts.Profile`` objects over plain rows (the readers only read attributes)."""
    where = "AND e.id = ANY(%s)" if only is not None else ""
    where += " AND e.id <= %s" if upto is not None else ""
    params = [after, *([only] if only is not None else []), *([upto] if upto else []), size]
    cursor.execute(ENTERPRISE_SQL.format(only=where), params)
    rows = cursor.fetchall()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    qualifications: dict[int, list] = defaultdict(list)
    cursor.execute(QUALIFICATION_SQL, [ids])
    for row in cursor.fetchall():
        qualifications[row[0]].append(SimpleNamespace(**dict(zip(Q_FIELDS, row[1:], strict=True))))
    figures: dict[int, dict] = defaultdict(dict)
    cursor.execute(FIGURES_SQL, [ids])
    for row in cursor.fetchall():
        figures[row[0]][row[1]] = SimpleNamespace(**dict(zip(F_FIELDS, row[2:], strict=True)))
    profiles = []
    for pk, code, city_id, city, district_id, district, *rest in rows:
        enterprise = SimpleNamespace(
            pk=pk,
            credit_code=code,
            city_id=city_id,
            city=SimpleNamespace(name=city),
            district_id=district_id,
            district=SimpleNamespace(name=district) if district_id else None,
            **dict(zip(E_FIELDS, rest, strict=True)),
        )
        profiles.append(fact_readers.Profile(enterprise, qualifications[pk], figures[pk]))
    return profiles


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    enterprises: int = 0
    rows: int = 0  # rows in scope (the matches the run stands behind)
    written: int = 0  # rows inserted or changed
    deleted: int = 0
    evaluated: int = 0  # rows decided by the engine (the rest came from the memo)
    notices: int = 0


# The process's item runs, for one key at a time, with the catalogue they were made from.
_RUNS: dict[tuple, tuple[item_plans.Catalogue, dict[int, ItemRun]]] = {}


def cached_item_runs(catalogue: item_plans.Catalogue, on: datetime.date) -> dict[int, ItemRun]:
    """``item_runs`` kept in the process for the catalogue version, the date and the language:
    a worker running one chunk task after another prepares the runs once, and their memos of
    decided rows carry over from chunk to chunk. The limits that cross items are read each time
    (one query) and are part of the key."""
    limits = tuple(
        CrossItemLimit.objects.order_by("pk").values_list("pk", "key", "kind", "amount", "note")
    )
    key = (on, translation.get_language(), limits)
    kept = _RUNS.get(key)
    if kept is None or kept[0] is not catalogue:  # a new catalogue version, date or language
        _RUNS.clear()
        kept = _RUNS[key] = (catalogue, item_runs(catalogue, on))
    return kept[1]


def full_recompute(
    *,
    on: datetime.date,
    only: list[int] | None = None,
    after: int = 0,
    upto: int | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Every enterprise (or those of ``only``, or of ids in ``(after, upto]``) against every
    item it may claim; committed every ``chunk`` enterprises."""
    catalogue = item_plans.catalogue()  # one catalogue version for the whole run
    runs = cached_item_runs(catalogue, on)
    outcome = Outcome()
    total = None
    if progress:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM portal_enterprise WHERE id > %s"  # noqa: S608
                + (" AND id = ANY(%s)" if only is not None else "")
                + (" AND id <= %s" if upto is not None else ""),
                [after, *([only] if only is not None else []), *([upto] if upto else [])],
            )
            total = cursor.fetchone()[0]
    done = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            profiles = _profiles(cursor, after, chunk, only, upto)
            if not profiles:
                break
            after = profiles[-1].enterprise.pk
            touched = _chunk(cursor, profiles, catalogue, runs, on, outcome)
            # The limits that cross items read an enterprise's rows of the items they name (a
            # limit's change changes those rows' hashes, see ``item_runs``) and its grants (the
            # year's and all): enterprises with a row written or removed, or with grants.
            cursor.execute(GRANTED_SQL, [[p.enterprise.pk for p in profiles]])
            touched.update(row[0] for row in cursor.fetchall())
            if touched:
                apply_cross_item_limits(enterprise_ids=sorted(touched), on=on)
        done += len(profiles)
        outcome.enterprises = done
        if progress:
            progress(done, total)
    return outcome


def _chunk(cursor, profiles, catalogue, runs, on, outcome: Outcome) -> set[int]:
    """Write one chunk's changed rows; returns the enterprises with rows written or removed."""
    ids = [p.enterprise.pk for p in profiles]
    limited = [run.item_id for run in runs.values() if run.plan.limited]
    cursor.execute(SUMS_SQL, [limited, ids])
    sums = {e: (n, hashed, total, clean) for e, n, hashed, total, clean in cursor.fetchall()}
    by_serving: dict[int, tuple[tuple[ItemRun, ...], tuple[str, ...]]] = {}
    blake2b, from_bytes, readers = _blake2b, int.from_bytes, fact_readers.READERS
    # The enterprises whose stored rows differ from what the run computes, with their facts and
    # each row's (run, hash).
    differ: list[tuple[int, dict, list[tuple[ItemRun, int]]]] = []
    for profile in profiles:
        enterprise = profile.enterprise
        pk = enterprise.pk
        serving = catalogue.for_enterprise(enterprise)
        scope = by_serving.get(id(serving))
        if scope is None:
            # Items out of force store no row: their stored rows (of a day they were in
            # force, or of the code before) are deleted below as out of scope.
            serving_runs = tuple(runs[p.item_id] for p in serving if runs[p.item_id].stored)
            # Only the facts these items read (the hash's keys, a superset of the engine's).
            needed = tuple(sorted({k for run in serving_runs for k in run.keys}))
            scope = by_serving[id(serving)] = (serving_runs, needed)
        serving_runs, needed = scope
        facts = {k: readers[k].read(profile, on) for k in needed}
        seen: dict = {}
        hashes = []
        for run in serving_runs:
            # ``inputs_hash``, inlined: this loop runs once per row of the city.
            values = seen.get(run.seen_key)
            if values is None:
                values = seen[run.seen_key] = _values(run, facts, on)
            digest = blake2b(run.digest + values, digest_size=8).digest()
            hashes.append((run, from_bytes(digest, "big", signed=True)))
        outcome.rows += len(hashes)
        n = len(hashes)
        if sums.get(pk) == (n, n, sum(h for _, h in hashes), True) or (n == 0 and pk not in sums):
            continue
        differ.append((pk, facts, hashes))
    touched = {pk for pk, _, _ in differ}
    if not differ:
        return touched
    cursor.execute(STORED_SQL, [[pk for pk, _, _ in differ]])
    stored = {key: (h, s, clean) for key, h, s, clean in cursor.fetchall()}
    pop = stored.pop
    lines = io.StringIO()
    # The rows of enterprises with none stored (a first run, a new enterprise) go straight into
    # the table with one COPY, their limits' columns empty: no staging table, no conflict check.
    fresh = io.StringIO()
    fresh_end = f"\t\\N\t\\N\t[]\tf\t{timezone.now().isoformat()}\n"
    newly: list[tuple[int, int, str, str]] = []  # enterprise, item, notice key, message
    for pk, facts, hashes in differ:
        base = pk << 32
        prefix = f"{pk}\t"
        out, end = (lines, "\n") if pk in sums else (fresh, fresh_end)
        for run, fingerprint in hashes:
            before = pop(base + run.item_id, None)
            plan = run.plan
            # A row in a cross-item limit keeps the limits' columns: they are the limits' business.
            if before is not None and before[0] == fingerprint and (plan.limited or before[2]):
                continue
            row = run.memo.get(fingerprint)
            if row is None:
                outcome.evaluated += 1
                row = _row_text(run, facts, on, fingerprint)
                if len(run.memo) >= MEMO_LIMIT:
                    run.memo.clear()
                run.memo[fingerprint] = row
            status, text, fields = row
            out.write(prefix)
            out.write(text)
            out.write(end)
            outcome.written += 1
            if plan.tells(status, before[1] if before is not None else None):
                newly.append((pk, run.item_id, *plan.newly_eligible_notice(fields)))
    if stored:  # out of scope or out of force now (the enterprise moved, an item ended)
        gone = [(key >> 32, key & 0xFFFFFFFF) for key in stored]
        cursor.execute(
            "DELETE FROM incentives_match m USING unnest(%s::bigint[], %s::bigint[]) AS g(e, i)"
            " WHERE m.enterprise_id = g.e AND m.item_id = g.i",
            [[e for e, _ in gone], [i for _, i in gone]],
        )
        outcome.deleted += cursor.rowcount
    if fresh.tell():
        try:
            # A savepoint: a twin of this chunk's task (a message delivered twice) may have
            # stored some of these rows since they were read; then they take the path below.
            with transaction.atomic(), connection.wrap_database_errors:
                fresh.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY incentives_match ({', '.join(COLUMNS)}, limited_amount,"
                    " limited_maximum, limit_notes, excluded, computed_at)"
                    " FROM STDIN WITH (FORMAT text)",
                    fresh,
                )
        except IntegrityError:
            for line in fresh.getvalue().splitlines(keepends=True):
                lines.write(line[: -len(fresh_end)] + "\n")
    if lines.tell():
        lines.seek(0)
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS match_in AS"  # noqa: S608
            f" SELECT {', '.join(COLUMNS)} FROM incentives_match WITH NO DATA"
        )
        cursor.cursor.copy_expert(
            f"COPY match_in ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT text)", lines
        )
        # A row whose inputs changed starts without limits; the limits are applied after.
        cursor.execute(
            f"INSERT INTO incentives_match ({', '.join(COLUMNS)}, limited_amount,"  # noqa: S608
            " limited_maximum, limit_notes, excluded, computed_at)"
            f" SELECT {', '.join(COLUMNS)}, NULL, NULL, '[]'::jsonb, false, now() FROM match_in"
            " ON CONFLICT (enterprise_id, item_id) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in UPDATED)
            + ", limited_amount = NULL, limited_maximum = NULL, limit_notes = '[]'::jsonb,"
            " excluded = false, computed_at = now()"
        )
        cursor.execute("TRUNCATE match_in")
    if newly:
        keys = [key for _, _, key, _ in newly]
        messages = [message for _, _, _, message in newly]
        cursor.execute(
            "INSERT INTO incentives_enterprisenotice"
            " (enterprise_id, item_id, kind, key, message, created_at)"
            " SELECT e, i, %s, k, m, now()"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) AS n(e, i, k, m)"
            " ON CONFLICT (enterprise_id, key) DO NOTHING",
            [
                EnterpriseNotice.Kind.NEWLY_ELIGIBLE,
                [e for e, *_ in newly],
                [i for _, i, *_ in newly],
                keys,
                messages,
            ],
        )
        outcome.notices += cursor.rowcount
    return touched
