"""官方名单: province and city lists that verify qualifications."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficialListsConfig(AppConfig):
    name = "official_lists"
    verbose_name = _("Official lists")

    def ready(self):
        # Registers the Celery task (queued by name) once the models it uses are loaded.
        from official_lists import tasks  # noqa: F401
