from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Leadership dashboard")

    def ready(self):
        # Registers the Celery tasks (queued by name) once the models they use are loaded.
        from dashboard import tasks  # noqa: F401
