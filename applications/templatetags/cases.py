"""Template helpers of applications: the case an item's 申报 button leads to, and yuan in 万元."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from applications import casework, sending
from applications.models import EDITABLE_STATES, OPEN_STATES, Application
from incentives.models import PaysOnce
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
    return None if case is None else case_button(case)


def case_button(case) -> dict:
    """继续申报 to a case the enterprise may still change, 查看申报 to any other."""
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


@register.simple_tag(takes_context=True)
def open_case_button(context, item) -> dict | None:
    """For a list of items (我的政策): the enterprise's open case of this item, as
    ``apply_button`` gives it, from one query for the whole page (the enterprise's open cases,
    read once per render). A case that closed with a grant is found when 申报 is pressed."""
    user = context.get("user")
    if user is None or not user.is_authenticated or not getattr(user, "enterprise_id", None):
        return None
    cache = context.render_context
    if "open_cases_by_item" not in cache:
        period = casework.period_for(on=clock.today())
        by_item: dict[int, list] = {}
        for case in Application.objects.filter(
            enterprise_id=user.enterprise_id, state__in=OPEN_STATES
        ).order_by("-created_at"):
            by_item.setdefault(case.item_id, []).append(case)
        cache["open_cases_by_item"] = (by_item, period)
    by_item, period = cache["open_cases_by_item"]
    cases = by_item.get(item.pk, [])
    if item.pays != PaysOnce.ONCE:
        cases = [case for case in cases if case.period == period]
    return case_button(cases[0]) if cases else None
