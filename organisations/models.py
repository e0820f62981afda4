"""Where the portal works: regions (省 → 市 → 县/区) and the bureaus of each city, with the other
names the documents give them."""

import re

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.validators import validate_plain_text


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
        # The table kept the name it had when the model lived in portal/.
        db_table = "portal_region"
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


# Contacts written as placeholders until a city's admins enter the real ones.
PLACEHOLDER_PHONE = re.compile(r"^\s*(?:\d{3,4}-)?0{5,}\s*$")
PLACEHOLDER_WORDS = ("示例", "上线前", "待更正")


def is_placeholder(field: str, value: str) -> bool:
    """Whether a contact value is a placeholder: 0315-0000000, kjj@tangshan.example.cn,
    an address marked （示例地址…）."""
    if not value:
        return False
    if field == "phone":
        return bool(PLACEHOLDER_PHONE.match(value)) or any(w in value for w in PLACEHOLDER_WORDS)
    if field == "email":
        domain = value.rpartition("@")[2].lower()
        return "example" in domain.split(".") or domain.endswith(".invalid")
    return any(word in value for word in PLACEHOLDER_WORDS)


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
    # Whose staff verify the people who act for the city's enterprises (营业执照, 授权委托书).
    verifies_enterprises = models.BooleanField(
        _("verifies enterprise accounts"),
        default=False,
        help_text=_(
            "Its staff check the business licence and letter of authorisation of those who "
            "register or claim an enterprise of the city."
        ),
    )
    email = models.EmailField(_("mailbox"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    office_hours = models.CharField(
        _("office hours"),
        max_length=200,
        blank=True,
        help_text=_("When enterprises may call or visit, e.g. 工作日 8:30–12:00、14:30–17:30."),
        validators=[validate_plain_text],
    )

    class Meta:
        # The table kept the name it had when the model lived in portal/.
        db_table = "portal_bureau"
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

    def placeholder_contacts(self) -> list[str]:
        """The contact fields still holding a placeholder (an all-zero number, an example
        mailbox, an address marked 示例): never shown to the public, refused by
        ``check --deploy``."""
        return [
            name
            for name in ("phone", "email", "address", "office_hours")
            if is_placeholder(name, getattr(self, name))
        ]

    @property
    def public_phone(self) -> str:
        return "" if is_placeholder("phone", self.phone) else self.phone

    @property
    def public_email(self) -> str:
        return "" if is_placeholder("email", self.email) else self.email

    @property
    def public_address(self) -> str:
        return "" if is_placeholder("address", self.address) else self.address

    @property
    def public_office_hours(self) -> str:
        return "" if is_placeholder("office_hours", self.office_hours) else self.office_hours


class BureauAlias(models.Model):
    """Another name the documents use for a bureau (市科技局 for 市科学技术局)."""

    bureau = models.ForeignKey(
        Bureau, verbose_name=_("bureau"), on_delete=models.CASCADE, related_name="aliases"
    )
    city = models.ForeignKey(Region, verbose_name=_("city"), on_delete=models.PROTECT)
    name = models.CharField(_("alias"), max_length=100, validators=[validate_plain_text])

    class Meta:
        # The table kept the name it had when the model lived in portal/.
        db_table = "portal_bureaualias"
        verbose_name = _("bureau alias")
        verbose_name_plural = _("bureau aliases")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="bureau_alias_unique_in_city"),
        ]

    def __str__(self) -> str:
        return self.name
