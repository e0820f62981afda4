from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from enterprises.signals import profile_changed


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Policy catalogue")

    def ready(self):
        # caching and the receivers import the models, which the app registry loads after this
        # module.
        from incentives import caching, receivers

        caching.connect()
        profile_changed.connect(
            receivers.recompute_after_profile_change, dispatch_uid="incentives-profile"
        )
