"""The public catalogue pages are the same for every visitor who cannot apply, and they change
only when the catalogue does (or the day turns: windows open and close). Their content is
rendered once per catalogue version, day, language and query string, and kept in the process's
cache (settings ``CACHES``); the version is one row in the database, bumped by a signal on every
change to a catalogue table, so every gunicorn worker sees an edit at once.

One cheap query (the version) replaces the page's queries and rendering on a hit.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation

from incentives.models import CatalogueVersion

# What the public catalogue pages show: a change to any of these is a new version.
CATALOGUE_MODELS = (
    "incentives.Fact",
    "incentives.PolicyDocument",
    "incentives.Measure",
    "incentives.IncentiveItem",
    "incentives.AwardRule",
    "incentives.Condition",
    "incentives.Assignment",
    "incentives.CrossItemLimit",
    "organisations.Region",
    "organisations.Bureau",
    "organisations.BureauAlias",
)
TIMEOUT = 3600
T = TypeVar("T")

# Per process: name → (catalogue version, what was built from it). Kept as objects, not in the
# cache framework (which would pickle them on every read).
_BUILT: dict[str, tuple[str, object]] = {}


# The version row read without the ORM's query building (a third of a millisecond a request on
# the calculator API, which reads it on every request); the same row ``first()`` would give.
VERSION_SQL = "SELECT number, changed_at FROM {table} ORDER BY id LIMIT 1"


def current_version() -> str:
    """The catalogue's version: its number and the moment of the change (a number alone can
    come back after a rolled-back transaction, with other contents)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(VERSION_SQL.format(table=CatalogueVersion._meta.db_table))
            row = cursor.fetchone()
    else:  # SQLite gives the raw cursor's timestamps as text: the ORM converts them
        row = CatalogueVersion.objects.order_by("pk").values_list("number", "changed_at").first()
    return f"{row[0]}.{row[1].timestamp():.6f}" if row else "0"


def per_version(name: str, build: Callable[[], T], *, version: str | None = None) -> T:
    """What ``build()`` makes of the catalogue, built once per catalogue version in each process
    (the item plans: a request's data change, the catalogue does not). The version is read
    before building, so a change committed meanwhile only makes the next call build again.
    A caller that has just read the version (``current_version()``) passes it, so that one
    request reads it once for everything it takes of the catalogue."""
    if version is None:
        version = current_version()
    built = _BUILT.get(name)
    if built is None or built[0] != version:
        built = (version, build())
        _BUILT[name] = built
        _freeze_once()
    return built[1]  # type: ignore[return-value]


_FROZEN: list[bool] = []


def _freeze_once() -> None:
    """Once per process, when the catalogue is first built: everything alive then (Django, the
    apps' modules, the plans) is moved out of the cyclic garbage collector's passes
    (``gc.freeze``). A full pass over those ~200,000 objects took 100–140 ms on the benchmark
    machine, a pause in whichever request set it off (the calculator API's p95 at 20 clients);
    it then passes over the objects of later versions only. Only once: a frozen object that
    becomes cyclic garbage stays in memory, so at most the first version's plans are kept so
    after a change, never one per change. The youngest generation is then collected every
    5,000 allocations, not 700: a calculator request allocates a few thousand objects that
    reference counting frees, and the collections it set off cost ≈ 0.3 ms of its ≈ 2.4 ms
    (≈ 0.2 ms after)."""
    if not _FROZEN:
        _FROZEN.append(True)
        gc.freeze()
        _threshold, older, oldest = gc.get_threshold()
        gc.set_threshold(YOUNGEST_COLLECTED_EVERY, older, oldest)


YOUNGEST_COLLECTED_EVERY = 5_000


def per_version_built(name: str) -> tuple[str, object] | None:
    """(version, what was built) last kept under ``name`` in this process, or None: what a
    build may reuse of the previous version (``plans.catalogue`` rebuilds only what changed)."""
    return _BUILT.get(name)


def bump(**kwargs) -> None:
    if not CatalogueVersion.objects.update(number=F("number") + 1, changed_at=timezone.now()):
        CatalogueVersion.objects.create(number=1)


def connect() -> None:
    for label in CATALOGUE_MODELS:
        model = apps.get_model(label)
        uid = f"catalogue-version-{label}"
        post_save.connect(bump, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(bump, sender=model, dispatch_uid=uid + "-delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                bump, sender=field.remote_field.through, dispatch_uid=uid + field.name
            )


def content_key(request, *, on, variant: str = "") -> str:
    query = sorted(request.GET.lists())
    digest = hashlib.blake2b(repr((request.path, query)).encode(), digest_size=16).hexdigest()
    language = translation.get_language() or ""
    return f"catalogue-page:{current_version()}:{on.isoformat()}:{language}:{variant}:{digest}"


def cached_content(key: str, render) -> str:
    """The cached content under ``key``, or ``render()``'s, stored for next time."""
    content = cache.get(key)
    if content is None:
        content = render()
        cache.set(key, content, TIMEOUT)
    return content
