"""Receivers of the signals of the apps below (connected in ``RatingsConfig.ready``)."""

from django.db import transaction

from ratings import services


def case_ended(sender, *, application_id: int, **kwargs) -> None:
    """A case ended (``applications.signals.case_ended``): invite its enterprise to rate it, in
    the transaction of the step that ended it; a case not to be rated is left alone."""
    with transaction.atomic():  # a savepoint: a failure here rolls back only the invitation
        services.invitation_send(application_id=application_id)
