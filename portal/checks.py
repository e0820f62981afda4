"""``check --deploy``: every page's footer names who runs the portal and how to reach them."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def site_contact_check(app_configs=None, **kwargs) -> list[Warning]:
    missing = [name for name in ("PORTAL_HOST", "PORTAL_HELPLINE") if not getattr(settings, name)]
    if not missing:
        return []
    return [
        Warning(
            f"{', '.join(missing)} not set: the footer cannot say who runs the portal (主办单位) "
            "or where enterprises call for help.",
            hint="Set them in the environment, e.g. PORTAL_HOST=唐山市科学技术局 "
            "PORTAL_HELPLINE=0315-1234567.",
            id="portal.W001",
        )
    ]
