"""Numbers read from a query string without a server error: a value that is not a plain ASCII
whole number, or that no database column could hold, is simply not a number here."""

from __future__ import annotations

from typing import Any

# The largest value a PostgreSQL bigint (and SQLite's INTEGER) holds: every id of the portal.
ID_MAX = 2**63 - 1
_ID_DIGITS = len(str(ID_MAX))


def query_int(value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """``value`` as an int within [minimum, maximum], else None. Reads only ASCII digits, and at
    most 19 of them (``int()`` of a 5,000-digit string raises; a 20-digit id overflows)."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > _ID_DIGITS:
        return None
    number = int(text)
    if number > ID_MAX:
        return None
    if minimum is not None and number < minimum:
        return None
    if maximum is not None and number > maximum:
        return None
    return number


def query_id(value: Any) -> int | None:
    """A database id (1 … 2**63 − 1) from a query string, else None."""
    return query_int(value, minimum=1)
