"""Counters that limit how often someone may make the portal send mail to others (invitations,
password resets). They live in the ``throttle`` cache — Redis in production, so every web
process counts together (``THROTTLE_CACHE_URL``) — in fixed windows (an hour, a day)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence

from django.core.cache import caches

THROTTLE_CACHE = "throttle"
HOUR = 60 * 60
DAY = 24 * HOUR


def _key(scope: str, who: str, window: int, now: float) -> str:
    # Hashed: addresses and e-mails never appear in the cache, and any text makes a valid key.
    digest = hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"throttle:{scope}:{window}:{int(now // window)}:{digest}"


def throttle_take(*, scope: str, who: str, limits: Sequence[tuple[int, int]]) -> bool:
    """Take one from ``who``'s allowance in every (window seconds, limit) pair. False, and
    nothing taken, when any window is already used up; True otherwise."""
    cache = caches[THROTTLE_CACHE]
    now = time.time()
    keys = {_key(scope, who, window, now): (window, limit) for window, limit in limits}
    counts = cache.get_many(list(keys))
    if any(counts.get(key, 0) >= limit for key, (_window, limit) in keys.items()):
        return False
    for key, (window, _limit) in keys.items():
        if not cache.add(key, 1, timeout=window + 60):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr: a new window
                cache.set(key, 1, timeout=window + 60)
    return True


def throttles_clear() -> None:
    """Forget every count (tests; an operator after a false alarm)."""
    caches[THROTTLE_CACHE].clear()
