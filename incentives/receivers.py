"""Receivers of the signals of the apps below (connected in ``IncentivesConfig.ready``)."""

from incentives.tasks import recompute_enterprise_matches


def recompute_after_profile_change(sender, *, enterprise_id: int, **kwargs) -> None:
    """A profile changed (and is committed): a worker recomputes that enterprise's matches."""
    recompute_enterprise_matches.delay(enterprise_id)
