"""Template helpers of applications: the case an item's 申报 button leads to, and yuan in 万元."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from applications import sending
from applications.models import EDITABLE_STATES
from incentives.rules import format_wan
from portal import clock

register = template.Library()


@register.simple_tag(takes_context=True)
def apply_button(context, item) -> dict | None:
    """Where 申报 on this item leads for the signed-in enterprise when it has a case already:
    继续申报 (a draft, a 补正, an offer to confirm) or 查看申报 (sent or decided), with the
    case's link. None when there is no case: the button starts one."""
    user = context.get("user")
    if user is None or not user.is_authenticated or not getattr(user, "enterprise_id", None):
        return None
    case = sending.case_in_the_way(enterprise_id=user.enterprise_id, item=item, on=clock.today())
    if case is None:
        return None
    editable = case.state in EDITABLE_STATES
    return {
        "case": case,
        "label": _("Continue the application") if editable else _("View the application"),
        "url": reverse(
            "applications:edit" if editable else "applications:detail", args=[case.reference]
        ),
    }


@register.filter
def wan(yuan) -> str:
    """200000 → 20万元; "" for no amount."""
    if yuan in (None, ""):
        return ""
    try:
        return format_wan(Decimal(str(yuan)))
    except (InvalidOperation, ValueError):
        return ""
