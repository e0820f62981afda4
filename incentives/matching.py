"""Matching every enterprise against the catalogue (政策找企业), stored as ``Match`` rows.

Two ways to the same answer, held equal by a property test:
- one enterprise, every item, in Python (after a profile change, and for the calculator);
- one item, every enterprise, in SQL: each condition becomes a CASE expression that says pass,
  fail or unknown, so a whole city is matched in one query per item.

Then the limits that cross items are applied per enterprise, stored results are upserted (safe
to run twice), and an enterprise that newly qualifies is told once. Whom an item serves, what it
reads, its rule and how a verdict is stored are the item's plan's (``incentives/plans.py``).
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from enterprises.models import Enterprise
from incentives import facts as fact_readers
from incentives import matching_bulk
from incentives import plans as item_plans
from incentives.engine import (
    NUMERIC_TYPES,
    UNKNOWN,
    ItemSpec,
    ItemVerdict,
    condition_reason,
    decide,
    to_date,
)
from incentives.match_limits import GOOD, apply_cross_item_limits
from incentives.models import (
    EnterpriseNotice,
    IncentiveItem,
    Match,
    RecomputeChunk,
    RecomputeJob,
)
from incentives.plans import ItemPlan
from incentives.rules import CENT
from incentives.signals import enterprise_mail_due
from portal import clock

MEMO_LIMIT = 50_000  # distinct rows of inputs remembered per item; past it the memo starts again
MATCH_FIELDS = [
    "status", "estimate_kind", "amount", "minimum", "maximum", "breakdown", "reasons", "missing",
    "failed", "limited_amount", "limited_maximum", "limit_notes", "excluded", "rule",
    "rule_version", "as_of", "inputs_hash",
]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# One item, every enterprise: SQL
# ---------------------------------------------------------------------------------------------


def _typed(value: Any, kind: str | None):
    if kind in NUMERIC_TYPES:
        return Decimal(str(value))
    if kind == "date":
        return to_date(value)
    return value


def condition_q(condition: Mapping[str, Any], *, on: datetime.date, kind: str | None):
    """(passes, unknown, annotations) for a condition over the enterprises queryset."""
    key, op, value = condition["fact"], condition["op"], condition.get("value")
    reader = fact_readers.READERS[key]
    if reader.condition_q is not None:
        passes, unknown, annotations = reader.condition_q(op, value)
        return passes, unknown, {name: make(on) for name, make in annotations.items()}
    name = f"f_{key}"
    if op in ("eq", "ne"):
        passes = Q(**{name: _typed(value, kind)})
        passes = ~passes if op == "ne" else passes
    elif op in ("in", "not_in"):
        passes = Q(**{f"{name}__in": [_typed(v, kind) for v in value]})
        passes = ~passes if op == "not_in" else passes
    elif op in ("gt", "gte", "lt", "lte"):
        passes = Q(**{f"{name}__{op}": _typed(value, kind)})
    elif op == "is_true":
        passes = Q(**{name: True})
    elif op == "is_false":
        passes = Q(**{name: False})
    else:  # within_days
        passes = Q(**{f"{name}__gte": on - datetime.timedelta(days=int(value)), f"{name}__lte": on})
    unknown = Q(**{f"{name}__isnull": True})
    if kind in ("choice", "text"):
        unknown |= Q(**{name: ""})
    return passes, unknown, {name: reader.expression(on)}


def condition_outcome_expression(
    condition: Mapping[str, Any], *, on: datetime.date, declared
) -> tuple[Any, dict]:
    """A CASE expression giving 'pass', 'fail' or 'unknown' per enterprise."""
    if condition["fact"] not in fact_readers.READERS:
        return Value(UNKNOWN), {}
    kind = (declared.get(condition["fact"]) or {}).get("type")
    passes, unknown, annotations = condition_q(condition, on=on, kind=kind)
    return (
        Case(
            When(unknown, then=Value(UNKNOWN)),
            When(passes, then=Value("pass")),
            default=Value("fail"),
        ),
        annotations,
    )


def item_verdicts_sql(
    spec: ItemSpec,
    *,
    on: datetime.date,
    enterprises,
    claim: frozenset[str] = frozenset(),
) -> Iterable[tuple[int, ItemVerdict]]:
    """Every enterprise of the queryset against one item (its spec, and the facts only a claim
    gives), its conditions decided in SQL."""
    groups = {
        group: [c for c in spec.conditions.get(group) or [] if c["fact"] not in claim]
        for group in ("all", "any")
    }
    queryset = enterprises
    annotations: dict[str, Any] = {}
    outcome_names: dict[str, list[str]] = {"all": [], "any": []}
    for group, conditions in groups.items():
        for index, condition in enumerate(conditions):
            expression, needed = condition_outcome_expression(
                condition, on=on, declared=spec.declared
            )
            annotations.update(needed)
            name = f"c_{group}_{index}"
            outcome_names[group].append(name)
            annotations[name] = expression
    keys = item_plans.profile_facts_read(spec, claim)
    combined = {}
    for key in keys:
        reader = fact_readers.READERS[key]
        if reader.parts is not None:
            names = {part: f"p_{key}__{part}" for part in reader.parts(on)}
            annotations.update({names[p]: e for p, e in reader.parts(on).items()})
            combined[key] = (reader.combine, names)
        else:
            annotations.setdefault(f"f_{key}", reader.expression(on))
    # Annotations that others refer to must come first.
    helpers = {k: v for k, v in annotations.items() if not k.startswith("c_")}
    outcomes = {k: v for k, v in annotations.items() if k.startswith("c_")}
    queryset = queryset.annotate(**helpers).annotate(**outcomes)
    value_names = [
        "pk",
        *[f"f_{k}" for k in keys if k not in combined],
        *[name for _, names in combined.values() for name in names.values()],
        *outcomes,
    ]
    # Identical inputs, identical verdict: each distinct row of facts and outcomes is decided
    # once (a city's enterprises share a few thousand distinct rows per item).
    memo: dict[str, ItemVerdict] = {}
    for row in queryset.values(*value_names).iterator(chunk_size=2000):
        inputs = repr(tuple(row[name] for name in value_names[1:]))
        known = memo.get(inputs)
        if known is not None:
            yield row["pk"], known
            continue
        facts = {key: row[f"f_{key}"] for key in keys if key not in combined}
        for key, (combine, names) in combined.items():
            facts[key] = combine({part: row[name] for part, name in names.items()})
        results = {
            group: [
                condition_reason(
                    condition, row[name], facts.get(condition["fact"]), declared=spec.declared
                )
                for condition, name in zip(groups[group], outcome_names[group], strict=True)
            ]
            for group in ("all", "any")
        }
        verdict = decide(spec, results["all"], results["any"], facts, on=on, claim_keys=claim)
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[inputs] = verdict
        yield row["pk"], verdict


# ---------------------------------------------------------------------------------------------
# Storing
# ---------------------------------------------------------------------------------------------


# A row to store: (enterprise id, item id, the verdict's columns in the order of VERDICT_FIELDS).
Entry = tuple[int, int, tuple]


def _notify_newly_eligible(
    entries: list[Entry],
    before: Mapping[tuple[int, int], str],
    *,
    email: bool = True,
    catalogue: Mapping[int, ItemPlan] | None = None,
) -> int:
    # Worth telling: eligible for money or a status (ItemPlan.tells); the rest wait on the page.
    if not entries:
        return 0
    catalogue = catalogue if catalogue is not None else item_plans.plans()
    fresh = [
        _match(catalogue[item_id], enterprise_id, verdict)
        for enterprise_id, item_id, verdict in entries
        if catalogue[item_id].tells(verdict[0], before.get((enterprise_id, item_id)))
    ]
    if not fresh:
        return 0
    notices = [catalogue[m.item_id].newly_eligible(m) for m in fresh]
    created = EnterpriseNotice.objects.bulk_create(notices, ignore_conflicts=True, batch_size=1000)
    if email:
        transaction.on_commit(lambda: _email_pending_notices({m.enterprise_id for m in fresh}))
    return len(created)


def _email_pending_notices(enterprise_ids: set[int] | None) -> None:
    """One e-mail per enterprise for the notices it has not been e-mailed yet (every enterprise
    with such notices when None). Notices of enterprises nobody can be e-mailed at are marked
    in one statement; the others are claimed one enterprise at a time, in the transaction that
    writes the mail's outbox rows — so a broker outage delays the mail, never loses it."""
    pending = EnterpriseNotice.objects.filter(emailed_at__isnull=True)
    if enterprise_ids is not None:
        pending = pending.filter(enterprise_id__in=list(enterprise_ids))
    recipients: dict[int, list[str]] = defaultdict(list)
    for enterprise_id, email in (
        User.objects.filter(
            is_active=True,
            enterprise_id__in=pending.values("enterprise_id"),
        )
        .exclude(email="")
        .order_by("pk")
        .values_list("enterprise_id", "email")
    ):
        recipients[enterprise_id].append(email)
    pending.exclude(enterprise_id__in=list(recipients)).update(emailed_at=timezone.now())
    by_enterprise: dict[int, list[EnterpriseNotice]] = defaultdict(list)
    for notice in (
        pending.filter(enterprise_id__in=list(recipients))
        .select_related("enterprise")
        .order_by("enterprise_id", "created_at")
    ):
        by_enterprise[notice.enterprise_id].append(notice)
    for enterprise_id, notices in by_enterprise.items():
        enterprise = notices[0].enterprise
        with transaction.atomic():
            claimed = EnterpriseNotice.objects.filter(
                pk__in=[n.pk for n in notices], emailed_at__isnull=True
            ).update(emailed_at=timezone.now())
            if claimed:
                enterprise_mail_due.send(
                    sender=EnterpriseNotice,
                    key=f"notices:{enterprise_id}:{max(n.pk for n in notices)}",
                    subject=_("Policies for %(enterprise)s") % {"enterprise": enterprise.name},
                    body="\n".join(n.message for n in notices)
                    + "\n\n"
                    + _("See “My policies” on the portal for amounts and reasons."),
                    addresses=recipients[enterprise_id],
                )


# ---------------------------------------------------------------------------------------------
# Recomputing
# ---------------------------------------------------------------------------------------------


def enterprise_recompute(*, enterprise_id: int, on: datetime.date | None = None) -> int:
    """One enterprise against every item whose plan serves it (its city's and its province's,
    for its kind of organisation), in Python. The plans come from the process's catalogue (built
    once per catalogue version); only the rows whose verdict changed are written, in one
    statement, and the rows of items that no longer serve the enterprise are deleted."""
    on = on or clock.today()
    enterprise = (
        Enterprise.objects.select_related("city", "district")
        .prefetch_related("qualifications", "yearly_figures")
        .filter(pk=enterprise_id)
        .first()
    )
    if enterprise is None:  # deleted since the task was queued: nothing to do
        return 0
    catalogue = item_plans.catalogue()
    # Items out of force store no row (their verdict is derived: ``incentives.shown``).
    serving = [plan for plan in catalogue.for_enterprise(enterprise) if not plan.out_of_force(on)]
    facts = fact_readers.profile_facts(fact_readers.Profile.of(enterprise), on)
    rows = [
        (plan, _verdict(plan.match_fields(plan.evaluate(facts, on=on), on=on))) for plan in serving
    ]
    serving_ids = {plan.item_id for plan in serving}
    with transaction.atomic():
        stored = {
            item_id: verdict
            for (_, item_id), verdict in _stored_verdicts(enterprise_id=enterprise.pk).items()
        }
        gone = [item_id for item_id in stored if item_id not in serving_ids]
        if gone:
            Match.objects.filter(enterprise_id=enterprise.pk, item_id__in=gone).delete()
        changed = [
            (enterprise.pk, plan.item_id, verdict)
            for plan, verdict in rows
            if verdict != stored.get(plan.item_id)
        ]
        _upsert(changed, catalogue.by_id)
        if changed or gone or any(plan.limited for plan in serving):
            # The grants also move the caps: applied even when no verdict changed.
            apply_cross_item_limits(enterprise_ids=[enterprise.pk], on=on)
        before = {(enterprise.pk, i): verdict[0] for i, verdict in stored.items()}
        _notify_newly_eligible(changed, before, catalogue=catalogue.by_id)
    return len(rows)


# The columns a verdict writes (``ItemPlan.match_fields``): a row whose columns are all equal is
# not written again (its limits' columns stay, and the limits are applied after).
VERDICT_FIELDS = (
    "status", "estimate_kind", "amount", "minimum", "maximum", "breakdown", "reasons", "missing",
    "failed", "rule_id", "rule_version", "as_of",
)  # fmt: skip


def _same(value: Any) -> Any:
    """A column's value as stored: money to the cent, JSON lists as lists."""
    if isinstance(value, Decimal) and value.is_finite():
        return value.quantize(CENT)
    if isinstance(value, tuple):
        return list(value)
    return value


def _verdict(fields: Mapping[str, Any]) -> tuple:
    return tuple(_same(fields[name]) for name in VERDICT_FIELDS)


STORED_SQL = """
SELECT enterprise_id, item_id, status, estimate_kind, amount, minimum, maximum, breakdown,
    reasons::text, missing::text, failed::text, rule_id, rule_version, as_of
FROM incentives_match WHERE {where}
"""
JSON_AT = (6, 7, 8)  # reasons, missing, failed in VERDICT_FIELDS


def _stored_verdicts(*, enterprise_id: int | None = None, item_id: int | None = None):
    """(enterprise id, item id) → the stored verdict's columns, of one enterprise or one item,
    in one query. On PostgreSQL the JSON columns come as text and each distinct text is parsed
    once (an item's 35,000 rows share a few hundred texts)."""
    matches = Match.objects.all()
    if enterprise_id is not None:
        matches = matches.filter(enterprise_id=enterprise_id)
    if item_id is not None:
        matches = matches.filter(item_id=item_id)
    if connection.vendor != "postgresql":  # the embedded SQLite setup
        return {
            (row[0], row[1]): tuple(_same(value) for value in row[2:])
            for row in matches.values_list("enterprise_id", "item_id", *VERDICT_FIELDS)
        }
    if enterprise_id is None and item_id is not None:
        return _stored_verdicts_of_item(item_id)
    where = "enterprise_id = %s" if enterprise_id is not None else "item_id = %s"
    where += " AND item_id = %s" if enterprise_id is not None and item_id is not None else ""
    params = [p for p in (enterprise_id, item_id) if p is not None]
    parsed: dict[str, Any] = {}
    stored = {}
    with connection.cursor() as cursor:
        cursor.execute(STORED_SQL.format(where=where), params)
        # numeric(16, 2) comes back to the cent already: only the JSON needs reading.
        r, m, f = JSON_AT
        for row in cursor.fetchall():
            values = list(row[2:])
            for at in (r, m, f):
                text = values[at]
                known = parsed.get(text)
                if known is None:
                    known = parsed[text] = json.loads(text) if text is not None else None
                values[at] = known
            stored[(row[0], row[1])] = tuple(values)
    return stored


# One item's stored rows, one row per distinct verdict with its enterprises: an item's 35,000
# rows share a few hundred verdicts (often one), so PostgreSQL sends each verdict's columns once
# and each verdict is one tuple here, shared by its rows (compared once: ``_item_recompute``).
STORED_OF_ITEM_SQL = """
SELECT status, estimate_kind, amount, minimum, maximum, breakdown, reasons::text,
    missing::text, failed::text, rule_id, rule_version, as_of, array_agg(enterprise_id)
FROM incentives_match WHERE item_id = %s
GROUP BY status, estimate_kind, amount, minimum, maximum, breakdown, reasons, missing, failed,
    rule_id, rule_version, as_of
"""


def _stored_verdicts_of_item(item_id: int) -> dict[tuple[int, int], tuple]:
    """``_stored_verdicts(item_id=…)`` on PostgreSQL: the same mapping, read grouped."""
    stored = {}
    with connection.cursor() as cursor:
        cursor.execute(STORED_OF_ITEM_SQL, [item_id])
        for row in cursor.fetchall():
            values = list(row[:12])
            for at in JSON_AT:
                values[at] = json.loads(values[at]) if values[at] is not None else None
            verdict = tuple(values)
            stored.update(dict.fromkeys([(e, item_id) for e in row[12]], verdict))
    return stored


def _match(plan: ItemPlan, enterprise_id: int, verdict: tuple) -> Match:
    """The ``Match`` row of a verdict's columns (not saved); the limits' columns start empty."""
    return Match(
        enterprise_id=enterprise_id,
        item=plan.item,
        limited_amount=None,
        limited_maximum=None,
        limit_notes=[],
        excluded=False,
        **dict(zip(VERDICT_FIELDS, verdict, strict=True)),
    )


# The rows as (enterprise, item, which verdict) and each distinct verdict once: an item's rule
# change gives 35,000 rows but a few hundred verdicts.
UPSERT_SQL = """
INSERT INTO incentives_match (enterprise_id, item_id, status, estimate_kind, amount, minimum,
    maximum, breakdown, reasons, missing, failed, rule_id, rule_version, as_of, inputs_hash,
    limited_amount, limited_maximum, limit_notes, excluded, computed_at)
SELECT t.e, t.i, v.s, v.k, v.a, v.lo, v.hi, v.b, v.r, v.m, v.f, v.ru, v.rv, v.d, NULL,
    NULL, NULL, '[]'::jsonb, false, now()
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS t(e, i, n)
JOIN (
    SELECT n, s, k, a, lo, hi, b, r::jsonb AS r, m::jsonb AS m, f::jsonb AS f, ru, rv, d
    FROM unnest(%s::text[], %s::text[], %s::numeric[], %s::numeric[], %s::numeric[], %s::text[],
        %s::text[], %s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::date[])
        WITH ORDINALITY AS x(s, k, a, lo, hi, b, r, m, f, ru, rv, d, n)
) AS v ON v.n = t.n
ON CONFLICT (enterprise_id, item_id) DO UPDATE SET
    status = EXCLUDED.status, estimate_kind = EXCLUDED.estimate_kind,
    amount = EXCLUDED.amount, minimum = EXCLUDED.minimum, maximum = EXCLUDED.maximum,
    breakdown = EXCLUDED.breakdown, reasons = EXCLUDED.reasons, missing = EXCLUDED.missing,
    failed = EXCLUDED.failed, rule_id = EXCLUDED.rule_id, rule_version = EXCLUDED.rule_version,
    as_of = EXCLUDED.as_of, inputs_hash = NULL, limited_amount = NULL, limited_maximum = NULL,
    limit_notes = '[]'::jsonb, excluded = false, computed_at = now()
"""
JSON_COLUMNS = frozenset({"reasons", "missing", "failed"})


def _upsert(entries: list[Entry], catalogue: Mapping[int, ItemPlan]) -> None:
    """Insert or replace the rows, in one statement on PostgreSQL. The limits' columns start
    empty (the limits are applied after); the inputs hash is the full recompute's: None here, so
    the nightly run decides the row again."""
    if not entries:
        return
    if connection.vendor != "postgresql":  # the embedded SQLite setup
        Match.objects.bulk_create(
            [_match(catalogue[i], e, verdict) for e, i, verdict in entries],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["enterprise", "item"],
            update_fields=MATCH_FIELDS,
        )
        return
    distinct: dict[int, int] = {}  # id(verdict) → its number (1-based, as ORDINALITY counts)
    verdicts: list[tuple] = []
    numbers = []
    for entry in entries:
        verdict = entry[2]
        number = distinct.get(id(verdict))
        if number is None:
            verdicts.append(verdict)
            number = distinct[id(verdict)] = len(verdicts)
        numbers.append(number)
    columns = [
        [json.dumps(v[at], ensure_ascii=False) if name in JSON_COLUMNS else v[at] for v in verdicts]
        for at, name in enumerate(VERDICT_FIELDS)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            UPSERT_SQL,
            [[entry[0] for entry in entries], [entry[1] for entry in entries], numbers, *columns],
        )


def item_recompute(
    *, item_id: int, on: datetime.date | None = None, limits: bool = True, email: bool = True
) -> int:
    """One item against every enterprise its plan serves, in SQL."""
    on = on or clock.today()
    plan = item_plans.plans().get(item_id)
    if plan is None:  # deleted since the task was queued (its matches went with it)
        return 0
    if plan.out_of_force(on):
        return _item_rows_drop(plan, on=on, limits=limits)
    return _item_recompute(plan, on=on, limits=limits, email=email)


def _item_recompute(plan: ItemPlan, *, on: datetime.date, limits: bool, email: bool) -> int:
    """The item's candidates decided in one SQL pass (identical inputs decided once), the rows
    whose verdict changed written in one statement, the rows out of scope deleted."""
    # In id order, not by name (the model's order): no sort of the names, and the rows are
    # written in the order of the unique index the upsert probes.
    scope = Enterprise.objects.filter(plan.scope_q).order_by("pk")
    verdicts = item_verdicts_sql(plan.spec, on=on, enterprises=scope, claim=plan.claim_keys)
    columns_of: dict[int, tuple] = {}  # id(verdict) → its columns, once per distinct verdict
    kept: list[ItemVerdict] = []  # the memo's verdicts stay alive, so their ids stay theirs
    rows: list[tuple[int, tuple]] = []
    for enterprise_id, verdict in verdicts:
        columns = columns_of.get(id(verdict))
        if columns is None:
            columns = columns_of[id(verdict)] = _verdict(plan.match_fields(verdict, on=on))
            kept.append(verdict)
        rows.append((enterprise_id, columns))
    with transaction.atomic():
        item_id = plan.item_id
        stored = _stored_verdicts(item_id=item_id)
        # The stored rows of enterprises the pass did not see: out of scope now, unless one came
        # into scope since the pass (checked: only those rows are deleted).
        decided = {enterprise_id for enterprise_id, _columns in rows}
        gone = [e for e, _item in stored if e not in decided]
        if gone:
            came = set(scope.filter(pk__in=gone).values_list("pk", flat=True))
            gone = [e for e in gone if e not in came]
        if gone:
            Match.objects.filter(item_id=item_id, enterprise_id__in=gone).delete()
            for enterprise_id in gone:
                del stored[(enterprise_id, item_id)]
        same: dict[tuple[int, int], bool] = {}  # (id(stored), id(columns)) → equal: shared tuples
        changed = []
        for enterprise_id, columns in rows:
            old = stored.get((enterprise_id, item_id))
            if old is not None:
                pair = (id(old), id(columns))
                equal = same.get(pair)
                if equal is None:
                    equal = same[pair] = old == columns
                if equal:
                    continue
            changed.append((enterprise_id, item_id, columns))
        catalogue = {plan.item_id: plan}
        _upsert(changed, catalogue)
        if limits and plan.limited and (changed or gone):
            apply_cross_item_limits(
                enterprise_ids={entry[0] for entry in changed} | set(gone), on=on
            )
        before = {key: verdict[0] for key, verdict in stored.items()}
        _notify_newly_eligible(changed, before, email=email, catalogue=catalogue)
    return len(rows)


# ---------------------------------------------------------------------------------------------
# Everything: a job of chunks (ranges of enterprises), one Celery task each
# ---------------------------------------------------------------------------------------------


def all_recompute(*, job_id: int | None = None, on: datetime.date | None = None) -> int:
    """Every enterprise against every item it may claim, in this process: the job's chunks one
    after another, then its last step — the same three functions the workers run as tasks
    (``incentives.tasks.recompute_all_matches``). Returns the rows in scope."""
    job, chunks = all_recompute_plan(job_id=job_id, on=on)
    if job is None:
        return 0
    for chunk in chunks:
        chunk_recompute(chunk_id=chunk.pk)
    all_recompute_finish(job_id=job.pk)
    job.refresh_from_db()
    if job.status == RecomputeJob.Status.FAILED:
        raise RuntimeError(job.error)
    return job.matches_written


def chunk_size(total: int) -> int:
    """Enterprises per chunk: ``matching_bulk.CHUNK`` for a city (one task a few seconds long,
    one transaction), fewer for small runs so that progress shows in about fifty steps."""
    return max(1, min(matching_bulk.CHUNK, total // 50))


def all_recompute_plan(
    *, job_id: int | None = None, on: datetime.date | None = None, size: int | None = None
) -> tuple[RecomputeJob | None, list[RecomputeChunk]]:
    """Split a full recompute into chunks of enterprises by primary key and mark the job running
    (a job of its own when none is given: the nightly run shows on /manage/recompute/ too).
    Planning a job twice (a redelivered task) plans nothing more and hands back its unfinished
    chunks. Older runs still going are superseded: their remaining chunks are not run."""
    with transaction.atomic():
        if job_id is None:
            job = RecomputeJob.objects.create(on=on or clock.today())
        else:
            job = RecomputeJob.objects.select_for_update().filter(pk=job_id).first()
            if job is None:  # deleted since the task was queued
                return None, []
        if job.status != RecomputeJob.Status.QUEUED:
            return job, list(job.chunks.filter(finished_at__isnull=True).order_by("number"))
        on = on or job.on or clock.today()
        if connection.vendor == "postgresql":
            total = Enterprise.objects.count()
            size = size or chunk_size(total)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n"
                    " FROM portal_enterprise) AS t WHERE n %% %s = 0 AND n < %s ORDER BY id",
                    [size, total],
                )
                bounds = [row[0] for row in cursor.fetchall()]
        else:  # the embedded SQLite setup: one step, item by item
            bounds = []
        edges = [0, *bounds, None]
        chunks = RecomputeChunk.objects.bulk_create(
            RecomputeChunk(job=job, number=n, after=edges[n - 1], upto=edges[n])
            for n in range(1, len(edges))
        )
        RecomputeJob.objects.filter(
            status__in=[RecomputeJob.Status.QUEUED, RecomputeJob.Status.RUNNING],
            item__isnull=True,
            created_at__lt=job.created_at,
        ).update(
            status=RecomputeJob.Status.FAILED,
            error=_("Superseded by run #%(job)s.") % {"job": job.pk},
            finished_at=timezone.now(),
        )
        job.status, job.on, job.total = RecomputeJob.Status.RUNNING, on, len(chunks) + 1
        job.done, job.error, job.started_at = 0, "", timezone.now()
        job.save(update_fields=["status", "on", "total", "done", "error", "started_at"])
    return job, chunks


def chunk_recompute(*, chunk_id: int, worker: str = "") -> bool:
    """One chunk of a job: its enterprises matched and stored (``matching_bulk``, committed
    every ``CHUNK`` enterprises), then the chunk marked finished — once, however often the task
    runs: a worker killed in the middle leaves the chunk unfinished and its transaction rolled
    back, and the chunk run again stores the same rows. Returns whether it was the job's last
    chunk to finish (its last step is then due)."""
    chunk = RecomputeChunk.objects.select_related("job").filter(pk=chunk_id).first()
    if chunk is None or chunk.finished_at or chunk.job.status != RecomputeJob.Status.RUNNING:
        return False
    job = chunk.job
    RecomputeChunk.objects.filter(pk=chunk.pk).update(
        attempts=F("attempts") + 1, started_at=timezone.now(), worker=worker[:200]
    )
    on = job.on or clock.today()
    try:
        if connection.vendor == "postgresql":
            outcome = matching_bulk.full_recompute(on=on, after=chunk.after, upto=chunk.upto)
            enterprises, rows, written = outcome.enterprises, outcome.rows, outcome.written
        else:
            rows = written = _all_recompute_by_item(on=on)
            enterprises = Enterprise.objects.count()
    except Exception as error:
        RecomputeJob.objects.filter(pk=job.pk).update(
            status=RecomputeJob.Status.FAILED,
            error=f"#{chunk.number}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        # The job's row is the lock that orders the chunks finishing at the same time, so that
        # exactly one of them sees that none is left.
        job = RecomputeJob.objects.select_for_update().get(pk=job.pk)
        marked = RecomputeChunk.objects.filter(pk=chunk.pk, finished_at__isnull=True).update(
            finished_at=timezone.now(), enterprises=enterprises, rows=rows, written=written
        )
        if not marked:
            return False
        job.done += 1
        job.matches_written += rows
        job.save(update_fields=["done", "matches_written"])
        return (
            job.status == RecomputeJob.Status.RUNNING
            and not job.chunks.filter(finished_at__isnull=True).exists()
        )


def all_recompute_finish(*, job_id: int) -> bool:
    """The job's last step, once every chunk has finished: the job closed, and one e-mail per
    enterprise for everything the run found (not one per chunk or item). Every limit that
    crosses items is one enterprise's, applied in its chunk: none crosses chunks."""
    with transaction.atomic():
        job = RecomputeJob.objects.select_for_update().filter(pk=job_id).first()
        if (
            job is None
            or job.status != RecomputeJob.Status.RUNNING
            or job.chunks.filter(finished_at__isnull=True).exists()
        ):
            return False
        job.status, job.done, job.finished_at = RecomputeJob.Status.DONE, job.total, timezone.now()
        job.save(update_fields=["status", "done", "finished_at"])
    _email_pending_notices(None)
    return True


def _item_rows_drop(plan: ItemPlan, *, on: datetime.date, limits: bool = True) -> int:
    """An item out of force on the date stores no row: its rows are deleted (and the limits of
    their enterprises applied again when it is under one). Returns 0, the rows it stores."""
    with transaction.atomic():
        rows = Match.objects.filter(item_id=plan.item_id)
        enterprise_ids = list(rows.values_list("enterprise_id", flat=True))
        if enterprise_ids:
            rows.delete()
            if limits and plan.limited:
                apply_cross_item_limits(enterprise_ids=enterprise_ids, on=on)
    return 0


def _all_recompute_by_item(*, on: datetime.date) -> int:
    """Every item against every enterprise of its region, one SQL query per item (the embedded
    SQLite setup: COPY and arrays are PostgreSQL's). The demo's few hundred enterprises take
    seconds."""
    catalogue = sorted(item_plans.plans().values(), key=lambda plan: plan.item_id)
    written = 0
    for plan in catalogue:
        if plan.out_of_force(on):
            written += _item_rows_drop(plan, on=on, limits=False)
        else:
            written += _item_recompute(plan, on=on, limits=False, email=False)
    apply_cross_item_limits(enterprise_ids=None, on=on)
    return written


def windows_notify(*, on: datetime.date | None = None) -> int:
    """Tell each enterprise once when the window of an item it qualifies for is open."""
    on = on or clock.today()
    open_items = IncentiveItem.objects.filter(window_opens__lte=on).filter(
        Q(window_closes__isnull=True) | Q(window_closes__gte=on)
    )
    matches = Match.objects.filter(
        item__in=open_items, status__in=GOOD, item__support_kind__in=["money", "status"]
    ).select_related("item")
    notices = [
        EnterpriseNotice(
            enterprise_id=m.enterprise_id,
            item=m.item,
            kind=EnterpriseNotice.Kind.WINDOW_OPEN,
            key=f"window:{m.item.key}:{m.item.window_opens.isoformat()}",
            message=_("Applications for “%(item)s” are open until %(closes)s.")
            % {"item": m.item.name, "closes": m.item.window_closes or "—"},
        )
        for m in matches
    ]
    before = EnterpriseNotice.objects.count()
    EnterpriseNotice.objects.bulk_create(notices, ignore_conflicts=True, batch_size=1000)
    created = EnterpriseNotice.objects.count() - before
    if created:
        enterprise_ids = {n.enterprise_id for n in notices}
        transaction.on_commit(lambda: _email_pending_notices(enterprise_ids))
    return created
