"""Access-matrix rows of the official lists pages (see access_parts/__init__.py)."""

ROWS: dict = {}
ADMIN_ALLOWED: set[str] = set()


def build(world: dict) -> dict:
    return {}
