from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficialListsConfig(AppConfig):
    name = "official_lists"
    verbose_name = _("Official lists")
