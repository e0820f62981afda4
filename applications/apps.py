from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from enterprises.signals import people_to_tell
from incentives.signals import enterprise_mail_due


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        # Registers the Celery tasks (queued by name) and the receivers of the signals of the apps
        # below, once the models they use are loaded.
        from applications import receivers, tasks  # noqa: F401

        enterprise_mail_due.connect(receivers.enterprise_mail, dispatch_uid="applications-mail")
        people_to_tell.connect(receivers.people_notice, dispatch_uid="applications-people")
