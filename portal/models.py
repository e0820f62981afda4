"""Who is who: regions, bureaus, enterprises and the people who log in."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.validators import validate_credit_code


class Region(models.Model):
    """An administrative area: 省 → 市 → 县/区/开发区."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("County, district or development zone")

    name = models.CharField(_("name"), max_length=64)
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
        _("name"), max_length=100, help_text=_("As the documents write it, e.g. 市科学技术局.")
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
    name = models.CharField(_("alias"), max_length=100)

    class Meta:
        verbose_name = _("bureau alias")
        verbose_name_plural = _("bureau aliases")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="bureau_alias_unique_in_city"),
        ]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """A company or organisation that may claim incentives, known by its 统一社会信用代码."""

    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    name = models.CharField(_("name"), max_length=200)
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

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
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
