"""政策咨询: a question about one incentive item, asked by an enterprise user or by a visitor who
leaves a phone or an e-mail, answered by the item's lead bureau within a number of working days;
the bureau may publish it, rewritten without the asker's identity, as a 常见问题 of the item."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enterprises.models import Enterprise
from incentives.models import IncentiveItem
from organisations.models import Bureau
from portal.validators import validate_mobile, validate_plain_text

QUESTION_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 5000


class Question(models.Model):
    """One question to the lead bureau of an item, its answer and its published form."""

    class State(models.TextChoices):
        OPEN = "open", _("Awaiting an answer")
        ANSWERED = "answered", _("Answered")
        SPAM = "spam", _("Closed as spam")

    item = models.ForeignKey(
        IncentiveItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="questions"
    )
    bureau = models.ForeignKey(
        Bureau,
        verbose_name=_("answering bureau"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    # The asker: an enterprise user (their enterprise), or a visitor with a name and a phone or
    # an e-mail.
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=40, blank=True, validators=[validate_plain_text])
    phone = models.CharField(
        _("mobile phone"), max_length=11, blank=True, validators=[validate_mobile]
    )
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    text = models.TextField(
        _("question"), max_length=QUESTION_MAX_LENGTH, validators=[validate_plain_text]
    )
    # The private link of the asker: unguessable, the only way a visitor reaches the answer.
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    due_on = models.DateField(_("answer due by"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    answer = models.TextField(
        _("answer"), max_length=ANSWER_MAX_LENGTH, blank=True, validators=[validate_plain_text]
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by_phone = models.BooleanField(_("also answered by phone"), default=False)
    closed_reason = models.CharField(
        _("reason for closing"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    # The 常见问题 as published: the bureau's own wording, without the asker's identity.
    published_question = models.TextField(
        _("published question"),
        max_length=QUESTION_MAX_LENGTH,
        blank=True,
        validators=[validate_plain_text],
    )
    published_answer = models.TextField(
        _("published answer"),
        max_length=ANSWER_MAX_LENGTH,
        blank=True,
        validators=[validate_plain_text],
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["bureau", "state", "due_on"], name="question_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False, asked_by__isnull=False)
                | (
                    Q(enterprise__isnull=True, asked_by__isnull=True)
                    & ~Q(name="")
                    & (~Q(phone="") | ~Q(email=""))
                ),
                name="question_asker_reachable",
            ),
            models.CheckConstraint(
                condition=Q(state="open")
                | Q(state="answered", answered_at__isnull=False, answered_by__isnull=False)
                & ~Q(answer="")
                | Q(state="spam") & ~Q(closed_reason=""),
                name="question_state_complete",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True)
                | Q(state="answered", published_by__isnull=False)
                & ~Q(published_question="")
                & ~Q(published_answer=""),
                name="question_published_when_answered",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def reaches_online(self) -> bool:
        """Whether the answer reaches the asker without a call: an account or an e-mail."""
        return bool(self.asked_by_id or self.email)
