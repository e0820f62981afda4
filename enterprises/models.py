"""The 一企一档: an enterprise, its qualifications and its yearly figures, each change kept in
its history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organisations.models import Region
from portal.validators import validate_credit_code, validate_plain_text


class FactSource(models.TextChoices):
    """Where a fact about an enterprise came from; 免申即享 acts only on verified facts."""

    DECLARED = "declared", _("Declared by the enterprise")
    VERIFIED = "verified", _("Verified by a bureau")
    IMPORTED = "imported", _("Imported")


class AccountStatus(models.TextChoices):
    """Whom the portal trusts to act for an enterprise. Only a verified enterprise submits,
    confirms a 免申即享 offer or is paid."""

    UNCLAIMED = "unclaimed", _("No account yet")
    AWAITING = "awaiting", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")


class Ownership(models.TextChoices):
    STATE = "state", _("State-owned")
    PRIVATE = "private", _("Private")
    FOREIGN = "foreign", _("Foreign-invested")
    MIXED = "mixed", _("Mixed ownership")


class Scale(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class Enterprise(models.Model):
    """A company or organisation that may claim incentives, known by its 统一社会信用代码."""

    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    name = models.CharField(_("name"), max_length=200, validators=[validate_plain_text])
    city = models.ForeignKey(
        Region,
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"level": Region.Level.CITY},
    )
    district = models.ForeignKey(
        Region,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="district_enterprises",
        null=True,
        blank=True,
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    # Basic data of the profile (一企一档); empty means "not declared yet", never "no".
    industry = models.CharField(
        _("industry"), max_length=100, blank=True, validators=[validate_plain_text]
    )
    ownership = models.CharField(
        _("ownership"), max_length=16, choices=Ownership.choices, blank=True
    )
    scale = models.CharField(_("scale"), max_length=16, choices=Scale.choices, blank=True)
    is_above_scale = models.BooleanField(_("above designated size (规上)"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    source = models.CharField(
        _("source of the basic data"),
        max_length=16,
        choices=FactSource.choices,
        default=FactSource.DECLARED,
    )
    # Who acts for it: a bureau verified the person behind its administrator account (营业执照 and
    # 授权委托书), or it awaits that, or nobody has claimed it yet (imported from a list).
    account_status = models.CharField(
        _("account"),
        max_length=16,
        choices=AccountStatus.choices,
        default=AccountStatus.AWAITING,
        db_default=AccountStatus.AWAITING,
    )
    verified_at = models.DateTimeField(_("account verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # An official list naming the code and the company proves the company (not the person).
    proven_by = models.CharField(
        _("company proven by"), max_length=200, blank=True, default="", db_default=""
    )
    proven_at = models.DateTimeField(_("company proven at"), null=True, blank=True)
    history = HistoricalRecords(
        table_name="portal_historicalenterprise", excluded_fields=["created_at"]
    )

    class Meta:
        # The table kept the name it had when the model lived in portal/.
        db_table = "portal_enterprise"
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.account_status == AccountStatus.VERIFIED


class QualificationKind(models.TextChoices):
    HITECH = "hitech", _("High-tech enterprise (高新技术企业)")
    HITECH_POOL = "hitech_pool", _("High-tech enterprise cultivation pool")
    TECH_SME = "tech_sme", _("Technology-based SME (科技型中小企业)")
    TECH_LEADER = "tech_leader", _("Technology leading enterprise (科技领军企业)")
    SPECIALIZED_SME = "specialized_sme", _("Specialised and innovative SME (专精特新)")
    TECH_ADVANCED_SERVICE = "tech_advanced_service", _("Advanced technology service enterprise")
    KEY_LAB = "key_lab", _("Key laboratory")
    TECH_INNOVATION_CENTER = "tech_innovation_center", _("Technology innovation centre")
    ENGINEERING_RESEARCH_CENTER = "engineering_research_center", _("Engineering research centre")
    ENTERPRISE_TECH_CENTER = "enterprise_tech_center", _("Enterprise technology centre")
    INDUSTRIAL_TECH_INSTITUTE = "industrial_tech_institute", _("Industrial technology institute")
    INCUBATOR = "incubator", _("Technology business incubator")
    MAKER_SPACE = "maker_space", _("Maker space (众创空间)")
    NEW_RD_INSTITUTION = "new_rd_institution", _("New-type R&D institution")
    ACADEMICIAN_WORKSTATION = "academician_workstation", _("Academician workstation")
    POSTDOC_WORKSTATION = "postdoc_workstation", _("Postdoctoral research workstation")


class QualificationLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")


class Recognition(models.TextChoices):
    NEW = "new", _("First recognition")
    RENEWAL = "renewal", _("Renewal")


class Qualification(models.Model):
    """A qualification or platform an enterprise holds, with its certificate."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="qualifications",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=QualificationKind.choices)
    level = models.CharField(
        _("level"), max_length=16, choices=QualificationLevel.choices, blank=True
    )
    recognition = models.CharField(
        _("first recognition or renewal"),
        max_length=16,
        choices=Recognition.choices,
        default=Recognition.NEW,
    )
    certificate_number = models.CharField(_("certificate number"), max_length=64, blank=True)
    recognized_on = models.DateField(_("recognised on"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    moved_in_from_other_province = models.BooleanField(
        _("moved in from another province"), default=False
    )
    source = models.CharField(
        _("source"), max_length=16, choices=FactSource.choices, default=FactSource.DECLARED
    )
    # Who verified it and from what (an official list, its 批次 and 文号); empty when declared.
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_source = models.CharField(
        _("verified from"), max_length=200, blank=True, default="", db_default=""
    )
    history = HistoricalRecords(table_name="portal_historicalqualification")

    class Meta:
        # The table kept the name it had when the model lived in portal/.
        db_table = "portal_qualification"
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["enterprise", "kind", "-recognized_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("recognized_on")),
                name="qualification_valid_after_recognised",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "kind", "level", "recognized_on"],
                name="qualification_unique_certificate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_level_display()}".strip()


class YearlyFigures(models.Model):
    """An enterprise's figures for one year (元 and counts)."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="yearly_figures",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    revenue = models.DecimalField(
        _("operating revenue"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    rd_expense = models.DecimalField(
        _("R&D expenditure"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    rd_super_deduction = models.DecimalField(
        _("R&D expenditure with super deduction"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
    )
    tax_paid = models.DecimalField(
        _("taxes paid"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    tech_contract_turnover = models.DecimalField(
        _("technology contract turnover"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    invention_patents_granted = models.PositiveIntegerField(
        _("invention patents granted"), null=True, blank=True
    )
    source = models.CharField(
        _("source"), max_length=16, choices=FactSource.choices, default=FactSource.DECLARED
    )
    history = HistoricalRecords(table_name="portal_historicalyearlyfigures")

    class Meta:
        # The table kept the name it had when the model lived in portal/.
        db_table = "portal_yearlyfigures"
        verbose_name = _("yearly figures")
        verbose_name_plural = _("yearly figures")
        ordering = ["enterprise", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="figures_one_row_per_year"),
            models.CheckConstraint(
                condition=Q(year__gte=1949) & Q(year__lte=2100), name="figures_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"


class AccountClaim(models.Model):
    """A person's request to act for an enterprise, with the 营业执照 and 授权委托书 that prove it,
    decided by a bureau of the enterprise's city.

    - *registration*: the first account of a newly registered enterprise asks to be verified;
    - *claim*: someone claims an enterprise on the portal that has no account (imported from an
      official list);
    - *dispute*: someone claims an enterprise whose code another account already holds; approving
      it transfers the administration to the claimant.

    A claim or dispute is filed without an account: approving it sends the claimant an invitation
    to create the enterprise's administrator account."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("Verification of a registration")
        CLAIM = "claim", _("Claim of an enterprise without an account")
        DISPUTE = "dispute", _("Dispute over an enterprise's account")

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting the bureau")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="account_claims",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    # A registration's account; for claims and disputes, the account created once approved.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_claims",
    )
    claimant_name = models.CharField(
        _("name of the person"), max_length=100, validators=[validate_plain_text]
    )
    claimant_mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    claimant_email = models.EmailField(_("e-mail"))
    company_name = models.CharField(
        _("company name as stated"), max_length=200, validators=[validate_plain_text]
    )
    statement = models.TextField(
        _("statement"), max_length=2000, blank=True, validators=[validate_plain_text]
    )
    licence = models.FileField(_("business licence (营业执照)"), max_length=300)
    licence_name = models.CharField(max_length=120, blank=True)
    authorisation = models.FileField(_("letter of authorisation (授权委托书)"), max_length=300)
    authorisation_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(
        _("reason"), max_length=1000, blank=True, validators=[validate_plain_text]
    )
    # Whether approving a dispute also closed the accounts that held the enterprise.
    holders_deactivated = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account claim")
        verbose_name_plural = _("account claims")
        ordering = ["-created_at"]
        constraints = [
            # A registration is verified once at a time; one person files one claim at a time.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(state="pending", kind="registration"),
                name="claim_one_pending_registration",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "claimant_email"],
                condition=Q(state="pending"),
                name="claim_one_pending_per_claimant",
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(state="pending") & Q(decided_at__isnull=False)),
                name="claim_decided_iff_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(state="refused") | ~Q(reason=""),
                name="claim_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind="registration") | Q(user__isnull=False),
                name="claim_registration_has_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.enterprise}"
