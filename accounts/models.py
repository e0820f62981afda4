"""Who logs in: accounts, their roles, and invitations to an enterprise's colleagues."""

from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import Bureau
from portal.validators import validate_mobile, validate_plain_text


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
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
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
        # The table kept the name it had when the model lived in portal/.
        db_table = "portal_user"
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
        "enterprises.Enterprise",
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
    # Sent by a bureau that verified a claim on the enterprise: the account it creates
    # administers the enterprise.
    as_administrator = models.BooleanField(_("as the administrator"), default=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        # The table kept the name it had when the model lived in portal/.
        db_table = "portal_invitation"
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
