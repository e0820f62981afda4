"""Who is who: regions, bureaus, enterprises and the people who log in."""

from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.validators import validate_credit_code, validate_plain_text


class Region(models.Model):
    """An administrative area: 省 → 市 → 县/区/开发区."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("County, district or development zone")

    name = models.CharField(_("name"), max_length=64, validators=[validate_plain_text])
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.CharField(
        _("division code"),
        max_length=12,
        blank=True,
        help_text=_("Administrative division code (GB/T 2260) where the area has one."),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="region_unique_top_name"
            ),
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True)
                | (~Q(level="province") & Q(parent__isnull=False)),
                name="region_only_provinces_are_top_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Bureau(models.Model):
    """A government department of one city (部门): 唐山's 市科学技术局 is not 廊坊's."""

    city = models.ForeignKey(
        Region,
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        related_name="bureaus",
        limit_choices_to={"level": Region.Level.CITY},
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("As the documents write it, e.g. 市科学技术局."),
        validators=[validate_plain_text],
    )
    email = models.EmailField(_("mailbox"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("bureau")
        verbose_name_plural = _("bureaus")
        ordering = ["city", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="bureau_unique_name_in_city"),
        ]

    def __str__(self) -> str:
        # "市科学技术局" of 唐山 reads "唐山市科学技术局"; "各县（市、区）政府" stays as it is.
        if self.name.startswith("市"):
            return f"{self.city.name}{self.name.removeprefix('市')}"
        return self.name


class BureauAlias(models.Model):
    """Another name the documents use for a bureau (市科技局 for 市科学技术局)."""

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("bureau"), on_delete=models.CASCADE, related_name="aliases"
    )
    city = models.ForeignKey(Region, verbose_name=_("city"), on_delete=models.PROTECT)
    name = models.CharField(_("alias"), max_length=100, validators=[validate_plain_text])

    class Meta:
        verbose_name = _("bureau alias")
        verbose_name_plural = _("bureau aliases")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="bureau_alias_unique_in_city"),
        ]

    def __str__(self) -> str:
        return self.name


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
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
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
    history = HistoricalRecords()

    class Meta:
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
    history = HistoricalRecords()

    class Meta:
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


class Role(models.TextChoices):
    """The kinds of people who log in. Each account has exactly one."""

    ENTERPRISE = "enterprise", _("Enterprise user")
    BUREAU = "bureau", _("Bureau staff")
    CATALOGUE_ADMIN = "catalogue_admin", _("Catalogue administrator")
    LEADERSHIP = "leadership", _("Leadership viewer")


class BureauPosition(models.TextChoices):
    REVIEWER = "reviewer", _("Reviewer")
    HEAD = "head", _("Head")


class User(AbstractUser):
    """An account. An enterprise user belongs to one enterprise; bureau staff to one bureau, as a
    reviewer or its head. Accounts without a role (technical superusers) see only public pages."""

    # Names are shown to bureaus and in exports: no control or text-direction characters.
    first_name = models.CharField(
        _("first name"), max_length=150, blank=True, validators=[validate_plain_text]
    )
    last_name = models.CharField(
        _("last name"), max_length=150, blank=True, validators=[validate_plain_text]
    )
    full_name = models.CharField(
        _("full name"), max_length=100, blank=True, validators=[validate_plain_text]
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    bureau = models.ForeignKey(
        Bureau,
        verbose_name=_("bureau"),
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
    )
    bureau_position = models.CharField(
        _("position in the bureau"), max_length=16, choices=BureauPosition.choices, blank=True
    )
    is_enterprise_admin = models.BooleanField(
        _("administrator of the enterprise"),
        default=False,
        help_text=_("May edit the profile and invite colleagues."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=Q(role="enterprise", enterprise__isnull=False)
                | (~Q(role="enterprise") & Q(enterprise__isnull=True)),
                name="user_enterprise_iff_enterprise_role",
            ),
            models.CheckConstraint(
                condition=Q(
                    role="bureau", bureau__isnull=False, bureau_position__in=["reviewer", "head"]
                )
                | (~Q(role="bureau") & Q(bureau__isnull=True, bureau_position="")),
                name="user_bureau_iff_bureau_role",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_bureau_head(self) -> bool:
        return self.role == Role.BUREAU and self.bureau_position == BureauPosition.HEAD


class Invitation(models.Model):
    """An enterprise administrator's invitation to a colleague: the link in the e-mail lets them
    create an account of that enterprise. Valid for ``VALID_FOR``; usable once."""

    VALID_FOR = timedelta(days=7)

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("e-mail"))
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # Inviting the same address again renews the pending invitation instead.
            models.UniqueConstraint(
                fields=["enterprise", "email"],
                condition=Q(accepted_at__isnull=True),
                name="invitation_one_pending_per_address",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def expires_at(self):
        return self.created_at + self.VALID_FOR

    def is_expired(self, *, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at
