from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Site")

    def ready(self):
        # Registers the deploy check of the footer's contacts.
        from portal import checks  # noqa: F401
