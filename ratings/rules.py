"""Which cases may be rated, by whom, and why not: one place, asked by the services (before they
write), the pages (to show or hide 去评价) and the invitation's receiver."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Role
from applications.models import Application, CaseEvent, State
from ratings.models import FIRST, SECOND, Rating

# A case that ended with a decision or a payment; a withdrawn one only if it had been accepted.
RATEABLE_STATES = (State.DISBURSED, State.RECOMMENDED, State.REJECTED)


class RatingError(Exception):
    """A rating or a reply that cannot be given; the message says why, for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def case_rateable(application: Application, *, accepted: bool | None = None) -> bool:
    """The case has ended in a way its enterprise rates (已兑现, 推荐上报, 不予支持, or withdrawn
    after 受理). ``accepted`` may give whether the case has an "accept" event, read in bulk."""
    if application.state in RATEABLE_STATES:
        return True
    if application.state != State.WITHDRAWN:
        return False
    if accepted is None:
        accepted = CaseEvent.objects.filter(application=application, action="accept").exists()
    return accepted


def may_rate(user, application: Application) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.role == Role.ENTERPRISE
        and user.enterprise_id == application.enterprise_id
    )


def next_round(ratings: list[Rating]) -> tuple[int | None, str]:
    """The round a new rating of a case would be, given its ratings so far (oldest first), or
    None with the reason it may not be rated again."""
    if not ratings:
        return FIRST, ""
    latest = ratings[-1]
    if len(ratings) >= SECOND:
        return None, _("This case has been rated twice; the second rating is final.")
    if not latest.is_poor:
        return None, _("You have rated this case already.")
    rectification = getattr(latest, "rectification", None)
    if rectification is None or not rectification.done:
        return None, _(
            "The bureau has not replied to your rating yet; you may rate again once it has."
        )
    return SECOND, ""


def rating_refusal(
    user, application: Application, ratings: list[Rating], *, accepted: bool | None = None
) -> str | None:
    """Why this user may not rate this case now (None: they may)."""
    if not may_rate(user, application):
        return _("Only the enterprise of this case may rate it.")
    if not case_rateable(application, accepted=accepted):
        return _(
            "A case can be rated once it has ended: paid, recommended to the province, not "
            "supported, or withdrawn after acceptance."
        )
    return next_round(ratings)[1] or None
