"""The vocabulary of the access matrix: who visits, and what each may get."""

from pathlib import Path

OK, LOGIN, DENY, HIDDEN = "OK", "LOGIN", "DENY", "HIDDEN"
IDENTITIES = [
    "anonymous",
    "ent_a",
    "ent_b",
    "reviewer_x",
    "head_x",
    "reviewer_y",
    "catalogue_admin",
    "leadership",
]
ENTERPRISES = {"ent_a", "ent_b"}
BUREAU_X = {"reviewer_x", "head_x"}
BUREAU_STAFF = BUREAU_X | {"reviewer_y"}
LOGGED_IN = set(IDENTITIES) - {"anonymous"}
FIGURES = Path(__file__).resolve().parents[2] / "var" / "reliability"


def only(allowed: set[str], *, others=DENY, hidden: set[str] = frozenset()) -> dict[str, str]:
    """Allowed identities get OK, anonymous LOGIN, the ``hidden`` ones 404, the rest ``others``."""
    table = {}
    for who in IDENTITIES:
        if who in allowed:
            table[who] = OK
        elif who == "anonymous":
            table[who] = LOGIN
        elif who in hidden:
            table[who] = HIDDEN
        else:
            table[who] = others
    return table


EVERYONE = dict.fromkeys(IDENTITIES, OK)
CASE_VIEWERS = {"ent_a"} | BUREAU_X
NOT_CASE_VIEWERS = {"ent_b", "reviewer_y", "catalogue_admin", "leadership"}
VIEWERS = {"catalogue_admin", "leadership"}  # the leadership dashboard
FIGURE_ENTRY = BUREAU_STAFF | {"catalogue_admin"}  # all three bureaus are 唐山's
