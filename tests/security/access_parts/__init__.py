"""Rows of the access matrix kept by the part of the portal they belong to. Each module has
``ROWS`` (url name → method, URL kwargs from the world, outcome per identity, as in
``test_access_matrix.MATRIX``), ``build(world) -> dict`` adding the objects its rows need to the
world (the world holds "users" by identity, "case", "bureau_x" …), and ``ADMIN_ALLOWED``: the
admin models a catalogue administrator may open."""

from tests.security.access_parts import consultations, official_lists, ratings, verification

PARTS = [verification, official_lists, ratings, consultations]
