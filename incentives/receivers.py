"""Receivers of the signals of the apps below (connected in ``IncentivesConfig.ready``)."""

import logging

from kombu.exceptions import OperationalError

from incentives.tasks import recompute_enterprise_matches

logger = logging.getLogger(__name__)


def recompute_after_profile_change(sender, *, enterprise_id: int, **kwargs) -> None:
    """A profile changed (and is committed): a worker recomputes that enterprise's matches.

    The change is saved whatever happens here. If the broker cannot take the task (Redis down),
    the person is not shown an error for it: the nightly recompute of every enterprise
    (``recompute-all-matches`` in the beat schedule) brings the matches up to date."""
    try:
        recompute_enterprise_matches.delay(enterprise_id)
    except (OperationalError, ConnectionError, TimeoutError) as error:
        logger.warning(
            "Could not queue the recompute of enterprise %s (%s); the nightly recompute will "
            "bring its matches up to date",
            enterprise_id,
            error.__class__.__name__,
        )
