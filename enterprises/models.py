"""The 一企一档: an enterprise, its qualifications and its yearly figures, each change kept in
its history."""

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
