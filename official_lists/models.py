"""官方名单: a list a bureau uploads (the province's 高企 list, the city's 科技型中小企业 list …),
its rows as read and judged in the dry run, and — once confirmed — the effects each row had, so
that a list imported by mistake can be withdrawn with exactly those effects."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from applications.models import Application
from enterprises.models import Enterprise, Qualification, QualificationKind, QualificationLevel
from organisations.models import Bureau, Region


class ListState(models.TextChoices):
    DRY_RUN = "dry_run", _("Dry run (nothing applied)")
    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EffectsState(models.TextChoices):
    """The work done after a confirmation or withdrawal commits: matches and 免申即享 offers."""

    NONE = "", _("Nothing to do")
    PENDING = "pending", _("Recomputing matches and offers")
    DONE = "done", _("Matches and offers up to date")
    FAILED = "failed", _("Recompute failed; the nightly run brings matches and offers up to date")


class Outcome(models.TextChoices):
    MATCHED = "matched", _("Matched")
    NEW_ENTERPRISE = "new_enterprise", _("New enterprise")
    NAME_MISMATCH = "name_mismatch", _("Name differs")
    CONFLICT = "conflict", _("Conflicts with declared data")
    OTHER_CITY = "other_city", _("Another city")
    INVALID = "invalid", _("Invalid")


# Rows that confirming applies (a name mismatch only when the bureau ticks it).
APPLICABLE = [Outcome.MATCHED, Outcome.NEW_ENTERPRISE, Outcome.CONFLICT, Outcome.NAME_MISMATCH]


class OfficialList(models.Model):
    """One uploaded list (名单) of one bureau, with its 批次/文号."""

    title = models.CharField(_("title"), max_length=200)
    batch = models.CharField(_("batch or document number (批次/文号)"), max_length=200)
    file = models.FileField(_("file as uploaded"), upload_to="official_lists/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    bureau = models.ForeignKey(
        Bureau, verbose_name=_("bureau"), on_delete=models.PROTECT, related_name="official_lists"
    )
    city = models.ForeignKey(
        Region, verbose_name=_("city"), on_delete=models.PROTECT, related_name="official_lists"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ListState.choices, default=ListState.DRY_RUN
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for the withdrawal"), blank=True)
    # The counts per outcome of the dry run (``Outcome`` value → rows), and what confirming did.
    counts = models.JSONField(_("rows per outcome"), default=dict, blank=True)
    applied = models.JSONField(_("effects"), default=dict, blank=True)
    effects = models.CharField(
        _("matches and offers"), max_length=16, choices=EffectsState.choices, blank=True
    )
    # What the withdrawal could not undo and left for the bureau (case numbers, enterprises).
    left_over = models.JSONField(_("left for the bureau"), default=dict, blank=True)
    # Who uploaded, confirmed and withdrew it, each state with its user (the audit trail).
    history = HistoricalRecords(excluded_fields=["counts", "applied", "effects", "left_over"])

    class Meta:
        verbose_name = _("official list")
        verbose_name_plural = _("official lists")
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="confirmed")
                | Q(confirmed_by__isnull=False, confirmed_at__isnull=False),
                name="official_list_confirmed_says_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(state="withdrawn")
                | (
                    Q(withdrawn_by__isnull=False, withdrawn_at__isnull=False)
                    & ~Q(withdrawal_reason="")
                ),
                name="official_list_withdrawn_says_who_when_why",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["dry_run", "confirmed", "withdrawn"]),
                name="official_list_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.batch}）"

    @property
    def source(self) -> str:
        """What a verified qualification and a proven company name as their source."""
        return str(self)[:200]


class ListRow(models.Model):
    """One row of a list: the cells as read, what the dry run made of them, and — after
    confirming — what it changed, so that withdrawing undoes exactly that."""

    official_list = models.ForeignKey(
        OfficialList, on_delete=models.CASCADE, related_name="rows", verbose_name=_("list")
    )
    number = models.PositiveIntegerField(_("row"))
    cells = models.JSONField(_("cells as read"), default=list)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(
        _("qualification"), max_length=32, choices=QualificationKind.choices, blank=True
    )
    level = models.CharField(
        _("level"), max_length=16, choices=QualificationLevel.choices, blank=True
    )
    recognized_on = models.DateField(_("recognised on"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=64, blank=True)
    batch = models.CharField(_("batch or document number"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    apply_anyway = models.BooleanField(_("apply although the name differs"), default=False)
    # Effects, set when the list is confirmed.
    applied = models.BooleanField(_("applied"), default=False)
    qualification = models.ForeignKey(
        Qualification,
        verbose_name=_("qualification"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    qualification_created = models.BooleanField(default=False)
    # The qualification's fields before the list changed them (a row it marked verified).
    previous = models.JSONField(default=dict, blank=True)
    enterprise_created = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("list row")
        verbose_name_plural = _("list rows")
        ordering = ["official_list", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["official_list", "number"], name="list_row_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=[o.value for o in Outcome]), name="list_row_outcome_known"
            ),
            # Invalid rows and rows of another city never change anything.
            models.CheckConstraint(
                condition=Q(applied=False) | Q(outcome__in=[o.value for o in APPLICABLE]),
                name="list_row_only_applicable_rows_applied",
            ),
            # A name mismatch is applied only when the bureau ticked it.
            models.CheckConstraint(
                condition=~Q(outcome="name_mismatch", applied=True) | Q(apply_anyway=True),
                name="list_row_mismatch_applied_only_when_ticked",
            ),
            models.CheckConstraint(
                condition=Q(applied=True)
                | Q(qualification_created=False, enterprise_created=False),
                name="list_row_effects_only_when_applied",
            ),
        ]
        indexes = [models.Index(fields=["official_list", "outcome", "number"])]

    def __str__(self) -> str:
        return f"{self.official_list_id}#{self.number}"


class ListOffer(models.Model):
    """A 免申即享 offer opened for an enterprise because of a list (withdrawn with the list while
    the enterprise has not confirmed it)."""

    official_list = models.ForeignKey(OfficialList, on_delete=models.CASCADE, related_name="offers")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="+", verbose_name=_("case")
    )

    class Meta:
        verbose_name = _("offer opened by a list")
        verbose_name_plural = _("offers opened by lists")
        constraints = [
            models.UniqueConstraint(
                fields=["official_list", "application"], name="list_offer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.official_list_id} → {self.application_id}"
