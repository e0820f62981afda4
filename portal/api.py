"""Shared pieces of the JSON API."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """limit/offset pages, at most 500 rows a page: a huge ``limit`` is cut down, never passed to
    the database."""

    default_limit = 50
    max_limit = 500
