"""``check --deploy``: a portal does not go live with placeholder contacts for its bureaus (the
public pages hide them; enterprises would have no one to call)."""

from django.core.checks import Error, register
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
