"""Shared pieces of the JSON API."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """limit/offset pages, at most 500 rows a page: a huge ``limit`` is cut down, never passed to
    the database."""

    default_limit = 50
    max_limit = 500


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body nested past ``max_depth`` — or so deep that Python's own
    decoder runs out of stack — is a 400 that says so, never a 500. No request of the API needs
    more than a few levels."""

    max_depth = 32

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(self.too_deep()) from None
        if _deeper_than(data, self.max_depth):
            raise ParseError(self.too_deep())
        return data

    def too_deep(self) -> str:
        return _("The JSON body is nested more than %(depth)d levels deep.") % {
            "depth": self.max_depth
        }


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False
