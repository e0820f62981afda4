"""``check --deploy``: a portal does not go live with placeholder contacts for its bureaus (the
public pages hide them; enterprises would have no one to call)."""

from django.core.checks import Error, Warning, register
from django.db import DatabaseError

from organisations.models import Bureau


@register(deploy=True)
def placeholder_contacts_check(app_configs=None, **kwargs) -> list[Error]:
    try:
        bureaus = list(
            Bureau.objects.select_related("city").exclude(phone="", email="", address="")
        )
    except DatabaseError:  # no database yet (a build step): nothing to check
        return []
    placeholders = [
        f"{b}（{'、'.join(b.placeholder_contacts())}）" for b in bureaus if b.placeholder_contacts()
    ]
    if not placeholders:
        return []
    shown = "; ".join(placeholders[:10])
    return [
        Error(
            f"{len(placeholders)} bureaus have placeholder contacts: {shown}",
            hint="Enter the real phone, mailbox and address in the admin site (部门), "
            "or clear them.",
            id="organisations.E001",
        )
    ]


@register(deploy=True)
def enterprise_verifiers_check(app_configs=None, **kwargs) -> list[Warning]:
    """A city whose bureaus work on the portal needs one that verifies its enterprises' accounts:
    without it, no newly registered enterprise of the city could ever submit."""
    try:
        cities = sorted(
            {b.city.name for b in Bureau.objects.select_related("city")}
            - {
                b.city.name
                for b in Bureau.objects.filter(verifies_enterprises=True).select_related("city")
            }
        )
    except DatabaseError:
        return []
    if not cities:
        return []
    return [
        Warning(
            f"No bureau verifies enterprise accounts in: {'、'.join(cities)}",
            hint="Tick 'verifies enterprise accounts' on the city's science and technology "
            "bureau in the admin site (部门).",
            id="organisations.W001",
        )
    ]
