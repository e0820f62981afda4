from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from enterprises.signals import profile_changed


def recompute_after_profile_change(sender, *, enterprise_id: int, **kwargs) -> None:
    """A profile changed (and is committed): a worker recomputes that enterprise's matches."""
    # The tasks module imports the models, which the app registry loads after this module.
    from incentives.tasks import recompute_enterprise_matches

    recompute_enterprise_matches.delay(enterprise_id)


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("Policy catalogue")

    def ready(self):
        # caching imports the models, which the app registry loads after this module.
        from incentives import caching

        caching.connect()
        profile_changed.connect(recompute_after_profile_change, dispatch_uid="incentives-profile")
