"""Access-matrix rows of the ratings pages (see access_parts/__init__.py)."""

ROWS: dict = {}
ADMIN_ALLOWED: set[str] = set()


def build(world: dict) -> dict:
    return {}
