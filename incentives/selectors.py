"""Selectors of the catalogue: what the public pages, the API and the admin read."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from incentives.models import (
    Assignment,
    AssignmentRole,
    ChangeProposal,
    DocumentStatus,
    EnterpriseNotice,
    IncentiveItem,
    Match,
    Measure,
    PolicyDocument,
    SupportKind,
)
from organisations.models import Bureau, Region


class ItemState:
    """Where an item stands on a date, for visitors: can I apply now?"""

    NOT_IN_FORCE = "not_in_force"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    LABELS = {
        NOT_IN_FORCE: _("Not in force"),
        UPCOMING: _("Window not yet open"),
        OPEN: _("Open"),
        CLOSED: _("Window closed"),
    }
    CHOICES = list(LABELS.items())


def not_in_force_q(on: datetime.date) -> Q:
    doc = "measure__document__"
    return (
        ~Q(**{f"{doc}status__in": [DocumentStatus.IN_FORCE]})
        | Q(**{f"{doc}valid_from__gt": on})
        | Q(**{f"{doc}valid_to__lt": on})
        | Q(valid_from__gt=on)
        | Q(valid_to__lt=on)
    )


def state_q(state: str, on: datetime.date) -> Q:
    out = not_in_force_q(on)
    if state == ItemState.NOT_IN_FORCE:
        return out
    if state == ItemState.UPCOMING:
        return ~out & Q(window_opens__gt=on)
    if state == ItemState.CLOSED:
        return ~out & Q(window_closes__lt=on)
    return (
        ~out
        & (Q(window_opens__isnull=True) | Q(window_opens__lte=on))
        & (Q(window_closes__isnull=True) | Q(window_closes__gte=on))
    )


def item_state(item: IncentiveItem, on: datetime.date) -> str:
    document = item.measure.document
    start = item.valid_from or document.valid_from
    end = item.valid_to or document.valid_to
    if document.status != DocumentStatus.IN_FORCE or (start and on < start) or (end and on > end):
        return ItemState.NOT_IN_FORCE
    if item.window_opens and on < item.window_opens:
        return ItemState.UPCOMING
    if item.window_closes and on > item.window_closes:
        return ItemState.CLOSED
    return ItemState.OPEN


def _assignments_prefetch(prefix: str = "") -> list:
    ordered = Assignment.objects.select_related("bureau__city").order_by("role", "position")
    return [
        Prefetch(
            f"{prefix}assignments",
            queryset=ordered.filter(item__isnull=False),
            to_attr="item_lines",
        ),
        Prefetch(
            f"{prefix}measure__assignments",
            queryset=ordered.filter(item__isnull=True),
            to_attr="measure_lines",
        ),
    ]


def items_public() -> QuerySet[IncentiveItem]:
    """Items with everything a list or page shows, in a fixed number of queries."""
    return IncentiveItem.objects.select_related("measure__document__region").prefetch_related(
        "rules", *_assignments_prefetch()
    )


@dataclass
class CatalogueFilters:
    q: str = ""
    city: Region | None = None
    bureau: Bureau | None = None
    support_kind: str = ""
    beneficiary: str = ""
    state: str = ""
    funding_level: str = ""
    examples: bool = False


# Where a search word is found decides how much it counts: the item's name, then its summary or
# quote, then its measure's title, then the document's title. A word counts its best place only,
# so a long measure title never lifts an item above one named for the word.
SEARCH_WEIGHTS = {"name": 8, "text": 4, "measure": 2, "document": 1}
# PostgreSQL only: a name sharing most of the word's trigrams (技术转让… for 技术转移) counts
# between the summary and the measure.
FUZZY_NAME_WEIGHT = 3
FUZZY_NAME_SIMILARITY = 0.6
SEARCH_WORDS_MAX = 8
# A long Chinese word nothing holds as it is: the share of its character pairs an item must hold.
LOOSE_SHARE = 0.6
# Today's order, spelled out: the model's ordering stops applying once relevance is ordered on.
CATALOGUE_ORDER = (
    "measure__document__region__code",
    "-measure__document__published_on",
    "measure__document__key",
    "measure__position",
    "position",
    "pk",
)


def _word_score(word: str, *, fuzzy: bool) -> Case:
    whens = [
        When(name__icontains=word, then=Value(SEARCH_WEIGHTS["name"])),
        When(
            Q(summary__icontains=word) | Q(quote__icontains=word),
            then=Value(SEARCH_WEIGHTS["text"]),
        ),
    ]
    if fuzzy:
        similar = GreaterThanOrEqual(
            TrigramWordSimilarity(word, "name"), Value(FUZZY_NAME_SIMILARITY)
        )
        whens.append(When(similar, then=Value(FUZZY_NAME_WEIGHT)))
    whens += [
        When(measure__title__icontains=word, then=Value(SEARCH_WEIGHTS["measure"])),
        When(measure__document__title__icontains=word, then=Value(SEARCH_WEIGHTS["document"])),
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def search_is_fuzzy() -> bool:
    """Trigram matching needs PostgreSQL's pg_trgm (migration 0011); SQLite has exact words."""
    return connection.vendor == "postgresql"


def items_search(*, filters: CatalogueFilters, on: datetime.date) -> QuerySet[IncentiveItem]:
    """The catalogue's items for its filters, the most relevant first: for a search, by where
    each word is found (``SEARCH_WEIGHTS``); among equals, and without a search, real documents
    before examples, money before other support, items open for application before the rest,
    then the documents' own order. Example documents only when ``filters.examples``.

    Chinese is typed without spaces: where no item holds a long word as it is
    (唐山高新技术企业奖励), the word is looked for by its pairs of characters, and items holding
    most of them are found instead (marked ``search_loose``)."""
    items = items_public().annotate(
        is_example=_flag(Q(measure__document__is_example=True)),
        is_money=_flag(Q(support_kind=SupportKind.MONEY)),
        is_open=_flag(state_q(ItemState.OPEN, on)),
    )
    if not filters.examples:
        items = items.filter(measure__document__is_example=False)
    if filters.city:
        items = items.filter(
            Q(measure__document__region=filters.city)
            | Q(measure__document__region_id=filters.city.parent_id)
        )
    if filters.bureau:
        # Subqueries, not joins: no duplicate rows, so no DISTINCT to fight the ordering.
        leads = Assignment.objects.filter(bureau=filters.bureau, role=AssignmentRole.LEAD)
        items = items.filter(
            Q(pk__in=leads.filter(item__isnull=False).values("item_id"))
            | Q(measure__in=leads.filter(item__isnull=True).values("measure_id"))
        )
    for name in ("support_kind", "beneficiary", "funding_level"):
        if getattr(filters, name):
            items = items.filter(**{name: getattr(filters, name)})
    if filters.state:
        items = items.filter(state_q(filters.state, on))
    order = ["is_example", "-is_money", "-is_open", *CATALOGUE_ORDER]
    words = list(dict.fromkeys(filters.q.split()))[:SEARCH_WORDS_MAX]
    if not words:
        return items.order_by(*order)
    found = _items_with_words(items, words, loose=False)
    if any(_pairs(word) for word in words) and not found.exists():
        found = _items_with_words(items, words, loose=True)
    return found.order_by("-relevance", *order)


def _pairs(word: str) -> list[str]:
    """A Chinese word's overlapping pairs of characters (科技创新 → 科技, 技创, 创新); none for a
    short word or one without Chinese characters."""
    if len(word) < 3 or not any("\u4e00" <= char <= "\u9fff" for char in word):
        return []
    return list(dict.fromkeys(word[i : i + 2] for i in range(len(word) - 1)))


def _items_with_words(items, words: list[str], *, loose: bool) -> QuerySet[IncentiveItem]:
    """Items holding every word, each scored by its best place; ``loose``: a long Chinese word
    counts as held where most of its pairs of characters are."""
    fuzzy = search_is_fuzzy() and not loose
    scores, needs = {}, {}
    for n, word in enumerate(words):
        parts = (_pairs(word) if loose else []) or [word]
        for m, part in enumerate(parts):
            scores[f"word_{n}_{m}"] = _word_score(part, fuzzy=fuzzy)
        needs[n] = math.ceil(LOOSE_SHARE * len(parts))
    items = items.annotate(**scores)
    hits = {
        f"hits_{n}": sum(
            (_flag(Q(**{f"{name}__gt": 0})) for name in scores if name.startswith(f"word_{n}_")),
            Value(0),
        )
        for n in needs
    }
    items = items.annotate(**hits).filter(**{f"hits_{n}__gte": need for n, need in needs.items()})
    return items.annotate(
        relevance=sum((F(name) for name in scores), Value(0)),
        search_loose=Value(loose),
    )


def catalogue_cities(*, examples: bool = False) -> QuerySet[Region]:
    """The cities the catalogue filter offers: those with documents, 示例市 only with examples."""
    cities = cities_with_documents()
    if not examples:
        cities = cities.filter(documents__is_example=False)
    return cities


def catalogue_bureaus(*, city: Region | None = None, examples: bool = False) -> QuerySet[Bureau]:
    """The lead bureaus the catalogue filter offers: once a city is chosen, only its own; 示例市's
    only with examples."""
    bureaus = bureaus_with_lead()
    if city is not None:
        return bureaus.filter(city=city)
    return bureaus.filter(city__in=catalogue_cities(examples=examples).values("pk"))


def item_bureaus(item: IncentiveItem, role: str) -> list[Bureau]:
    """The bureaus of an item in a role: the item's own annex lines where it has any for that
    role, else its measure's. Works on items from ``items_public`` without further queries."""
    own = getattr(item, "item_lines", None)
    if own is None:
        own = list(item.assignments.select_related("bureau__city").order_by("position"))
    lines = [a for a in own if a.role == role]
    if not lines:
        measure_lines = getattr(item.measure, "measure_lines", None)
        if measure_lines is None:
            measure_lines = list(
                item.measure.assignments.filter(item__isnull=True)
                .select_related("bureau__city")
                .order_by("position")
            )
        lines = [a for a in measure_lines if a.role == role]
    return [a.bureau for a in sorted(lines, key=lambda a: a.position)]


def document_detail(*, key: str) -> PolicyDocument:
    return PolicyDocument.objects.select_related("region").get(key=key)


def document_measures(*, document: PolicyDocument) -> QuerySet[Measure]:
    lines = Assignment.objects.select_related("bureau").order_by("role", "position")
    return document.measures.prefetch_related(
        Prefetch("assignments", queryset=lines.filter(item__isnull=True), to_attr="measure_lines"),
        Prefetch(
            "items",
            queryset=IncentiveItem.objects.prefetch_related("rules").order_by("position"),
        ),
    ).order_by("position")


def bureau_led_items(*, bureau: Bureau) -> QuerySet[IncentiveItem]:
    return (
        items_public()
        .filter(
            Q(assignments__bureau=bureau, assignments__role=AssignmentRole.LEAD)
            | Q(
                measure__assignments__bureau=bureau,
                measure__assignments__item__isnull=True,
                measure__assignments__role=AssignmentRole.LEAD,
            )
        )
        .distinct()
    )


def documents_public(*, examples: bool = False) -> QuerySet[PolicyDocument]:
    """The documents on the public list: real ones; the 示例 templates only when asked for."""
    documents = PolicyDocument.objects.select_related("region")
    if not examples:
        documents = documents.filter(is_example=False)
    return documents.order_by("region__code", "-published_on")


def cities_with_documents() -> QuerySet[Region]:
    return (
        Region.objects.filter(level=Region.Level.CITY, documents__isnull=False)
        .distinct()
        .order_by("code", "name")
    )


def bureaus_with_lead() -> QuerySet[Bureau]:
    return (
        Bureau.objects.filter(assignments__role=AssignmentRole.LEAD)
        .select_related("city")
        .distinct()
        .order_by("city__code", "name")
    )


STATUS_ORDER = [
    "eligible",
    "likely_eligible",
    "missing_information",
    "not_eligible",
    "not_in_force",
]


def enterprise_matches(*, enterprise) -> list:
    """An enterprise's stored matches with what the page shows, in one query."""
    return list(
        Match.objects.filter(enterprise=enterprise)
        .select_related("item__measure__document__region")
        .order_by(
            "item__measure__document__region__code", "item__measure__document_id", "item__position"
        )
    )


def enterprise_unread_notices(*, enterprise):
    return EnterpriseNotice.objects.filter(
        enterprise=enterprise, read_at__isnull=True
    ).select_related("item")


def proposals_overview(*, user) -> dict[str, list[ChangeProposal]]:
    """A catalogue admin's proposals to act on: changes by others awaiting approval, their own
    awaiting someone else, and the approved ones waiting for their date."""
    open_ = ChangeProposal.objects.select_related("item", "proposed_by").order_by("proposed_at")
    pending = open_.filter(status=ChangeProposal.Status.PENDING)
    return {
        "proposals_to_approve": list(pending.exclude(proposed_by=user)),
        "proposals_mine": list(pending.filter(proposed_by=user)),
        "proposals_scheduled": list(
            open_.filter(status=ChangeProposal.Status.APPROVED).order_by("effective_on")
        ),
    }


def recompute_job_summary(*, job) -> dict:
    """What the progress page says of a full recompute's chunks: how many finished, which
    workers ran them (and how many each), how many had to run again (a worker lost), the
    enterprises and rows so far."""
    chunks = job.chunks.all()
    finished = chunks.filter(finished_at__isnull=False)
    totals = finished.aggregate(
        enterprises=Sum("enterprises"), rows=Sum("rows"), written=Sum("written")
    )
    workers = list(
        finished.exclude(worker="")
        .values("worker")
        .annotate(chunks=Count("pk"))
        .order_by("-chunks", "worker")
    )
    return {
        "chunks": chunks.count(),
        "finished": finished.count(),
        "running": chunks.filter(finished_at__isnull=True, started_at__isnull=False).count(),
        "again": chunks.filter(attempts__gt=1).count(),
        "workers": workers,
        "enterprises": totals["enterprises"] or 0,
        "rows": totals["rows"] or 0,
        "written": totals["written"] or 0,
    }
