"""The item page's 常见问题 and its "ask the bureau" link (outside the item's cached content,
so a question published a moment ago shows at once)."""

from __future__ import annotations

from django import template

from consultations import selectors

register = template.Library()


@register.inclusion_tag("consultations/_item_questions.html")
def item_questions(item_key: str) -> dict:
    return {
        "item_key": item_key,
        "questions": list(selectors.item_published_questions(item_key=item_key or "")),
    }
