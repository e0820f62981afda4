from django import template

from incentives.rules import format_wan

register = template.Library()


@register.filter
def wan(value):
    """Yuan as 万元, the way the documents write amounts (exact yuan are in the Excel export)."""
    if value is None or value == "":
        return "—"
    return format_wan(value)
