"""Services of ratings: they write. A rating, a head's rectification and reply, the invitation
when a case ends, and the reminders of rectifications falling due — each in one transaction with
its outbox rows (``applications.notifications.notify_people``)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BureauPosition, Role, User
from applications.casework import calendar
from applications.models import Application
from applications.notifications import notify_people
from portal import clock
from ratings import rules
from ratings.models import (
    DEFAULT_RECTIFICATION_DAYS,
    POOR_LEVELS,
    Level,
    Rating,
    RatingSettings,
    Rectification,
)
from ratings.rules import RatingError

TEXT_MAX_LENGTH = 2000
# Reminders go this many working days before a rectification's due date.
REMIND_DAYS_BEFORE = 2


def rectification_days() -> int:
    """The working days a head has to rectify a poor rating (the admins' setting, else 15)."""
    row = RatingSettings.objects.first()
    return row.rectification_days if row else DEFAULT_RECTIFICATION_DAYS


def due_date(*, rated_on: datetime.date) -> datetime.date:
    return calendar().add_working_days(rated_on, rectification_days())


def lead_heads(application: Application) -> list[User]:
    """The heads of the case's lead bureau(s): they rectify its poor ratings."""
    return list(
        User.objects.filter(
            role=Role.BUREAU,
            bureau__in=application.lead_bureaus.all(),
            bureau_position=BureauPosition.HEAD,
            is_active=True,
        )
    )


def _enterprise_people(application: Application) -> list[User]:
    return list(application.enterprise.users.filter(is_active=True))


def _mails(users: list[User]) -> list[str]:
    return [u.email for u in users if u.email]


def _clean(text: str) -> str:
    """Stripped, with the browser's line breaks (CR LF) stored as LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def rating_give(
    *, application_id: int, user, level: int, comment: str = "", reason: str = ""
) -> Rating:
    """Rate a case: the first time once it has ended, once more after the bureau replied to a
    poor first rating. A poor rating opens a rectification due in the set working days and tells
    the heads of the case's lead bureau(s)."""
    comment, reason = _clean(comment), _clean(reason)
    if level not in Level.values:
        raise RatingError(_("Choose one of the five levels."))
    if level in POOR_LEVELS and not reason:
        raise RatingError(_("Say what went wrong: a poor rating needs a reason."))
    if len(comment) > TEXT_MAX_LENGTH or len(reason) > TEXT_MAX_LENGTH:
        raise RatingError(_("Keep the text under %(n)s characters.") % {"n": TEXT_MAX_LENGTH})
    with transaction.atomic():
        # The case's row is the lock: two colleagues rating at once are taken one after the other.
        application = (
            Application.objects.select_for_update()
            .select_related("item", "enterprise")
            .get(pk=application_id)
        )
        ratings = list(
            Rating.objects.filter(application=application)
            .select_related("rectification")
            .order_by("round")
        )
        refusal = rules.rating_refusal(user, application, ratings)
        if refusal:
            raise RatingError(refusal)
        round_, _reason = rules.next_round(ratings)
        rating = Rating(
            application=application,
            round=round_,
            level=level,
            comment=comment,
            reason=reason if level in POOR_LEVELS else "",
            rated_by=user,
            rated_at=timezone.now(),
        )
        rating.full_clean()
        rating._history_user = user  # the recorded change names who rated
        rating.save()
        if rating.is_poor:
            _rectification_open(rating)
    return rating


def _rectification_open(rating: Rating) -> Rectification:
    application = rating.application
    rectification = Rectification.objects.create(
        rating=rating, due_on=due_date(rated_on=timezone.localdate(rating.rated_at))
    )
    heads = lead_heads(application)
    notify_people(
        key=f"rating-poor:{rating.pk}",
        subject=_("A poor rating of case %(ref)s awaits your rectification by %(date)s")
        % {"ref": application.reference, "date": rectification.due_on},
        body=_(
            "%(level)s — %(item)s. Reason: %(reason)s\n"
            "Record what was rectified and reply to the enterprise by %(date)s."
        )
        % {
            "level": rating.get_level_display(),
            "item": application.item.name,
            "reason": rating.reason,
            "date": rectification.due_on,
        },
        link=reverse("ratings:rectify", args=[rectification.pk]),
        users=heads,
        addresses=_mails(heads),
    )
    return rectification


def rectification_reply(
    *, rectification_id: int, user, rectified: str, reply: str
) -> Rectification:
    """A head of the case's lead bureau records what was rectified and replies; the enterprise
    is told and may rate once more (after a first rating)."""
    rectified, reply = _clean(rectified), _clean(reply)
    if not rectified:
        raise RatingError(_("Say what was rectified."))
    if not reply:
        raise RatingError(_("Write the reply to the enterprise."))
    if len(rectified) > TEXT_MAX_LENGTH or len(reply) > TEXT_MAX_LENGTH:
        raise RatingError(_("Keep the text under %(n)s characters.") % {"n": TEXT_MAX_LENGTH})
    with transaction.atomic():
        rectification = (
            Rectification.objects.select_for_update()
            .select_related("rating__application__item", "rating__application__enterprise")
            .get(pk=rectification_id)
        )
        application = rectification.rating.application
        refusal = reply_refusal(user, rectification)
        if refusal:
            raise RatingError(refusal)
        rectification.rectified, rectification.reply = rectified, reply
        rectification.replied_by, rectification.replied_at = user, timezone.now()
        rectification.full_clean()
        rectification._history_user = user
        rectification.save(update_fields=["rectified", "reply", "replied_by", "replied_at"])
        people = _enterprise_people(application)
        again = rectification.rating.round == 1
        notify_people(
            key=f"rating-reply:{rectification.pk}",
            subject=_("The bureau replied to your rating of case %(ref)s")
            % {"ref": application.reference},
            body=reply + ("\n\n" + _("You may rate the case once more.") if again else ""),
            link=reverse("applications:detail", args=[application.reference]),
            users=people,
            addresses=_mails(people),
        )
    return rectification


def reply_refusal(user, rectification: Rectification) -> str | None:
    """Why this user may not record this rectification (None: they may)."""
    application = rectification.rating.application
    if (
        user is None
        or not user.is_authenticated
        or user.role != Role.BUREAU
        or user.bureau_position != BureauPosition.HEAD
        or not application.lead_bureaus.filter(pk=user.bureau_id).exists()
    ):
        return _("Only a head of the case's lead bureau may rectify its ratings.")
    if rectification.done:
        return _("This rating has been answered already.")
    return None


def invitation_send(*, application_id: int) -> bool:
    """Invite the enterprise's people to rate a case that has ended in a rateable way (once: the
    outbox key is the case's). False when the case is not one to rate."""
    application = Application.objects.select_related("item", "enterprise").get(pk=application_id)
    if not rules.case_rateable(application):
        return False
    people = _enterprise_people(application)
    notify_people(
        key=f"rating-invite:{application.pk}",
        subject=_("Please rate how case %(ref)s was handled") % {"ref": application.reference},
        body=_(
            "Your case %(ref)s (%(item)s) has ended. Tell us how it was handled: choose one of "
            "five levels from 非常满意 to 非常不满意. A poor rating goes to the bureau head, who "
            "replies to you."
        )
        % {"ref": application.reference, "item": application.item.name},
        link=reverse("ratings:rate", args=[application.reference]),
        users=people,
        addresses=_mails(people),
    )
    return True


def rectifications_check(*, on: datetime.date | None = None) -> dict[str, int]:
    """Remind the heads of a rectification falling due (two working days before) and tell them
    once it is overdue — each once."""
    on = on or clock.today()
    cal = calendar()
    reminded = overdue = 0
    open_ones = Rectification.objects.filter(replied_at__isnull=True).select_related(
        "rating__application__item"
    )
    for rectification in open_ones.filter(reminded_at__isnull=True, due_on__gte=on):
        if on < cal.add_working_days(rectification.due_on, -REMIND_DAYS_BEFORE):
            continue
        with transaction.atomic():
            if Rectification.objects.filter(
                pk=rectification.pk, reminded_at__isnull=True, replied_at__isnull=True
            ).update(reminded_at=timezone.now()):
                _tell_heads(rectification, "remind")
                reminded += 1
    for rectification in open_ones.filter(overdue_told_at__isnull=True, due_on__lt=on):
        with transaction.atomic():
            if Rectification.objects.filter(
                pk=rectification.pk, overdue_told_at__isnull=True, replied_at__isnull=True
            ).update(overdue_told_at=timezone.now()):
                _tell_heads(rectification, "overdue")
                overdue += 1
    return {"reminded": reminded, "overdue": overdue}


def _tell_heads(rectification: Rectification, occasion: str) -> None:
    application = rectification.rating.application
    heads = lead_heads(application)
    values = {"ref": application.reference, "date": rectification.due_on}
    if occasion == "remind":
        subject = _("Rectification of a poor rating of case %(ref)s is due on %(date)s") % values
    else:
        subject = _("Rectification of a poor rating of case %(ref)s is overdue (due %(date)s)") % (
            values
        )
    notify_people(
        key=f"rating-{occasion}:{rectification.pk}",
        subject=subject,
        body=_("Reason given by the enterprise: %(reason)s")
        % {"reason": rectification.rating.reason},
        link=reverse("ratings:rectify", args=[rectification.pk]),
        users=heads,
        addresses=_mails(heads),
    )
