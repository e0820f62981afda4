from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from applications.signals import case_ended


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Ratings")

    def ready(self):
        # Registers the Celery tasks (queued by name) and the receiver of the applications'
        # signal, once the models they use are loaded.
        from ratings import receivers, tasks  # noqa: F401

        case_ended.connect(receivers.case_ended, dispatch_uid="ratings-invitation")
