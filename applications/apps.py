from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from incentives.signals import enterprise_mail_due


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications")

    def ready(self):
        # The receivers of the signals of the apps below use the models, which the registry
        # loads after this module.
        from applications import receivers

        enterprise_mail_due.connect(receivers.enterprise_mail, dispatch_uid="applications-mail")
