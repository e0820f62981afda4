"""好差评: the enterprise rates a finished case on the five levels of the national scheme; a poor
rating (不满意, 非常不满意) goes to the heads of the case's lead bureau, who record what they
rectified and reply within the working days the admins set; the enterprise may then rate once
more. Both ratings stay; the latest counts."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from applications.models import Application


class Level(models.IntegerChoices):
    """The five levels of 政务服务好差评."""

    VERY_SATISFIED = 5, _("Very satisfied (非常满意)")
    SATISFIED = 4, _("Satisfied (满意)")
    FAIRLY_SATISFIED = 3, _("Fairly satisfied (基本满意)")
    DISSATISFIED = 2, _("Dissatisfied (不满意)")
    VERY_DISSATISFIED = 1, _("Very dissatisfied (非常不满意)")


# A poor rating needs a reason and goes to the bureau head; 满意率 is the share of these.
POOR_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)
SATISFIED_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED)
FIRST, SECOND = 1, 2
DEFAULT_RECTIFICATION_DAYS = 15


class RatingSettings(models.Model):
    """The one row of settings the catalogue admins change in the admin site."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    rectification_days = models.PositiveSmallIntegerField(
        _("working days to rectify a poor rating"),
        default=DEFAULT_RECTIFICATION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "A poor rating (不满意 or 非常不满意) must be rectified and answered by the bureau "
            "head within this many working days (holidays and 调休 follow the holiday table). "
            "The national scheme asks for 15. A change applies to ratings given afterwards."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating settings")
        verbose_name_plural = _("rating settings")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=1), name="rating_settings_one_row"),
        ]

    def __str__(self) -> str:
        return str(_("Rating settings"))


class Rating(models.Model):
    """One rating of a case by its enterprise: the first, and at most one more after the bureau
    replied to a poor first rating."""

    application = models.ForeignKey(
        Application, verbose_name=_("case"), on_delete=models.PROTECT, related_name="ratings"
    )
    round = models.PositiveSmallIntegerField(
        _("round"), choices=[(FIRST, _("First rating")), (SECOND, _("Second rating"))]
    )
    level = models.PositiveSmallIntegerField(_("rating"), choices=Level.choices)
    comment = models.TextField(_("comment"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["application", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "round"], name="rating_one_per_case_and_round"
            ),
            models.CheckConstraint(
                condition=Q(round__in=[FIRST, SECOND]), name="rating_two_rounds"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5), name="rating_level_one_to_five"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=3) | ~Q(reason=""), name="rating_poor_has_a_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} {self.get_level_display()}"

    @property
    def is_poor(self) -> bool:
        return self.level in POOR_LEVELS


class Rectification(models.Model):
    """整改: what the bureau head rectified after a poor rating and the reply to the enterprise,
    due within the set working days of the rating."""

    rating = models.OneToOneField(
        Rating, verbose_name=_("rating"), on_delete=models.PROTECT, related_name="rectification"
    )
    due_on = models.DateField(_("due on"))
    rectified = models.TextField(_("what was rectified"), blank=True)
    reply = models.TextField(_("reply to the enterprise"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_told_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(replied_at__isnull=True)
                | (Q(replied_by__isnull=False) & ~Q(rectified="") & ~Q(reply="")),
                name="rectification_reply_complete",
            ),
        ]
        indexes = [models.Index(fields=["replied_at", "due_on"])]

    def __str__(self) -> str:
        return f"{self.rating} → {self.due_on}"

    @property
    def done(self) -> bool:
        return self.replied_at is not None

    @property
    def on_time(self) -> bool:
        return self.done and timezone.localdate(self.replied_at) <= self.due_on
