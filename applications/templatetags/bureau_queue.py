"""Template helpers of the bureau's case page: the head's decisions a reviewer sees disabled."""

from __future__ import annotations

from django import template

from applications import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def head_only_decisions(context, application) -> list:
    """The decisions only a head takes on this case now, each with the reason (empty for heads
    and for anyone outside the lead bureau)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return []
    return selectors.head_only_decisions(application=application, user=user)
