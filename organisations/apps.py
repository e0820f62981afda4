from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Regions and bureaus")

    def ready(self):
        # Registers the deploy check of placeholder contacts.
        from organisations import checks  # noqa: F401
