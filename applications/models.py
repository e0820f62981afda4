"""Applications (cases): an enterprise's claim under an item, its materials, every step of its
review, the bureaus asked to co-review, the notification outbox, budgets and the holiday table.

Nothing here is ever hard-deleted: a case ends withdrawn, returned, rejected, recommended upward
or paid, and its events stay.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from incentives.models import IncentiveItem
from organisations.models import Bureau


class State(models.TextChoices):
    OFFERED = "offered", _("Offered without application (待确认)")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted (受理)")
    RETURNED = "returned", _("Returned (退回)")
    SUPPLEMENT = "supplement", _("Supplement requested (补正)")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    COSIGN = "cosign", _("In co-review (会签)")
    SIGNOFF = "signoff", _("Awaiting a second head's sign-off (双人复核)")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not supported")
    PUBLICIZED = "publicized", _("In publicity (公示)")
    DISBURSED = "disbursed", _("Paid (已兑现)")
    RECOMMENDED = "recommended", _("Recommended to the province (推荐上报)")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The lists of states the code asks about, in one place.
# Still open: one per enterprise, item and period.
OPEN_STATES = [
    State.OFFERED,
    State.DRAFT,
    State.SUBMITTED,
    State.ACCEPTED,
    State.SUPPLEMENT,
    State.RESUBMITTED,
    State.COSIGN,
    State.SIGNOFF,
    State.APPROVED,
    State.PUBLICIZED,
]
# The enterprise may change the claim and its materials.
EDITABLE_STATES = [State.OFFERED, State.DRAFT, State.SUPPLEMENT]
# The bureau's clock runs (accepted, not yet paid or closed): reminders and escalation.
RUNNING_STATES = [
    State.ACCEPTED,
    State.SUPPLEMENT,
    State.RESUBMITTED,
    State.COSIGN,
    State.SIGNOFF,
    State.APPROVED,
    State.PUBLICIZED,
]
# A grant in the ledger stands for the case (reversed only when an objection is upheld).
GRANTED_STATES = [State.APPROVED, State.PUBLICIZED, State.DISBURSED, State.RECOMMENDED]


class Application(models.Model):
    """A case: one enterprise's claim under one item for one period (usually a year)."""

    reference = models.CharField(_("case number"), max_length=32, unique=True, editable=False)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    item = models.ForeignKey(
        IncentiveItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="applications"
    )
    period = models.CharField(
        _("period"), max_length=16, help_text=_("Usually the year of the claim.")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    lead_bureaus = models.ManyToManyField(
        Bureau, verbose_name=_("lead bureaus"), related_name="led_applications", blank=True
    )
    form_data = models.JSONField(_("what the claim states"), default=dict, blank=True)
    bank_account = models.CharField(_("bank account for payment"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    deadline = models.DateField(_("deadline for payment"), null=True, blank=True)
    approved_amount = models.DecimalField(
        _("approved amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    publicity_ends = models.DateField(_("publicity ends"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    # What the enterprise asks for where the rule leaves the amount open (a range, "up to"); the
    # rule's own figure where it gives one. Yuan; shown in 万元.
    requested_amount = models.DecimalField(
        _("amount requested"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # 承诺书: who declared the material true and complete, when, and the words they agreed to.
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declared by"),
    )
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    declaration_text = models.TextField(_("declaration agreed to"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "item", "period"],
                condition=Q(state__in=OPEN_STATES),
                name="application_one_open_per_period",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="application_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__isnull=True) | Q(requested_amount__gt=0),
                name="application_requested_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(declared_at__isnull=True) | Q(declared_by__isnull=False),
                name="application_declaration_has_its_author",
            ),
        ]
        indexes = [models.Index(fields=["state", "deadline"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.item}"

    def save(self, *args, **kwargs):
        # Cases started by the services get a readable number (``services.case_number_next``);
        # rows made any other way (imports, fixtures) still get a unique one.
        if not self.reference:
            self.reference = f"SQ{uuid.uuid4().hex[:12].upper()}"
        super().save(*args, **kwargs)


# 承诺书: what the enterprise declares when it sends a case (shown beside the checkbox, stored
# with the case as it was agreed to).
DECLARATION_TEXT = _(
    "We declare that the application and every material attached are true, accurate and "
    "complete. We accept that the bureaus may check them, and that money paid on false or "
    "incomplete material is recovered and the enterprise's credit record noted."
)


class CaseNumberCounter(models.Model):
    """The last sequence number given to the cases of one city in one year (案件编号
    唐山-2026-000123). A new case locks its row: two cases started at once never share a number."""

    prefix = models.CharField(_("prefix"), max_length=16)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="case_number_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class EnterpriseFile(models.Model):
    """A file an enterprise uploaded once (营业执照, 高企证书…); it can serve several cases."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="files"
    )
    label = models.CharField(_("what it is"), max_length=100)
    file = models.FileField(_("file"), max_length=300)
    original_name = models.CharField(_("file name"), max_length=120)
    kind = models.CharField(_("type"), max_length=8)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise file")
        verbose_name_plural = _("enterprise files")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.label}：{self.original_name}"


class ApplicationMaterial(models.Model):
    """A required material of a case, answered by one of the enterprise's files."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="materials")
    label = models.CharField(_("material"), max_length=100)
    file = models.ForeignKey(EnterpriseFile, on_delete=models.PROTECT, related_name="uses")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["application", "label", "-added_at"]

    def __str__(self) -> str:
        return self.label


# What each action of a case's timeline is called: the workflow's steps (its buttons,
# ``workflow.Transition.label``) and the events that are not steps of their own.
ACTION_LABELS = {
    "submit": _("Submit"),
    "confirm": _("Confirm and claim"),
    "resubmit": _("Resubmit"),
    "withdraw": _("Withdraw"),
    "accept": _("Accept (受理)"),
    "return": _("Return (退回)"),
    "request_supplement": _("Ask for a supplement (补正)"),
    "request_cosign": _("Ask for co-review (会签)"),
    "approve": _("Approve"),
    "sign_off": _("Sign off the amount (双人复核)"),
    "decline_sign_off": _("Send the amount back for review"),
    "reject": _("Do not support"),
    "publicize": _("Publicise (公示)"),
    "uphold_objection": _("Uphold the objection (review again)"),
    "dismiss_objection": _("Dismiss the objection"),
    "disburse": _("Record payment (兑现)"),
    # Events that are not steps.
    "create": _("Application started"),
    "offer": _("Offered without application"),
    "offer_withdraw": _("Offer withdrawn by the bureau"),
    "cosign_answer": _("Co-review answered"),
    "objection": _("Objection received"),
}


class CaseEvent(models.Model):
    """One step of a case: who took which action, when, from which state to which, and why."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=24)
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["application", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.application} {self.action} {self.from_state}→{self.to_state}"

    @property
    def from_label(self) -> str:
        return State(self.from_state).label if self.from_state in State.values else ""

    @property
    def to_label(self) -> str:
        return State(self.to_state).label if self.to_state in State.values else self.to_state

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


class CosignRequest(models.Model):
    """会签: a responsible unit asked for its opinion on a case."""

    class Opinion(models.TextChoices):
        AGREE = "agree", _("Agree")
        DISAGREE = "disagree", _("Disagree")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="cosigns")
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="cosign_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    opinion = models.CharField(_("opinion"), max_length=10, choices=Opinion.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("co-review request")
        verbose_name_plural = _("co-review requests")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "bureau"],
                condition=Q(answered_at__isnull=True),
                name="cosign_one_open_per_bureau",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.bureau}"


class Objection(models.Model):
    """An objection received during 公示. It changes nothing by itself: the lead bureau upholds
    it (the case reopens and its grant is reversed) or dismisses it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the bureau's decision")
        UPHELD = "upheld", _("Upheld: the case is reviewed again")
        DISMISSED = "dismissed", _("Dismissed")

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="objections"
    )
    text = models.TextField(_("objection"))
    contact = models.CharField(_("contact"), max_length=100)
    # A keyed hash of the sender's address: enough to limit objections per address, not to
    # identify the sender.
    address_hash = models.CharField(max_length=64, blank=True, db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending")
                | (Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="objection_decided_with_reason",
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]


class ItemBudget(models.Model):
    """An item's budget for a year and what approvals have used of it; approvals lock this row."""

    item = models.ForeignKey(IncentiveItem, on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("year"))
    total = models.DecimalField(_("budget"), max_digits=16, decimal_places=2)
    used = models.DecimalField(_("used"), max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("item budget")
        verbose_name_plural = _("item budgets")
        constraints = [
            models.UniqueConstraint(fields=["item", "year"], name="budget_one_per_item_year"),
            models.CheckConstraint(
                condition=Q(used__gte=0) & Q(used__lte=models.F("total")),
                name="budget_never_overspent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.year}"

    @property
    def remaining(self):
        return self.total - self.used


class Notification(models.Model):
    """The outbox: written in the same transaction as the event that causes it, delivered by a
    worker (in-app inbox or e-mail), retried until sent, never sent twice."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("In-app inbox")
        EMAIL = "email", _("E-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed for good")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    email = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=200, blank=True)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    event = models.ForeignKey(
        CaseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["user", "channel", "read_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(channel="inbox") & Q(user__isnull=False))
                | (Q(channel="email") & ~Q(email="")),
                name="notification_has_a_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class Holiday(models.Model):
    """A day that differs from the usual week: a weekday off, or a weekend day worked (调休)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=40)
    is_working_day = models.BooleanField(_("working day"), default=False)

    class Meta:
        verbose_name = _("holiday or adjusted working day")
        verbose_name_plural = _("holiday table")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
