"""Who may open which page. Anonymous visitors are sent to the login page; a logged-in user of
the wrong role gets the 403 page, which says why in their language."""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts import selectors
from accounts.models import BureauPosition, Role


class RoleRequiredMixin(AccessMixin):
    """Limit a view to the given roles (and, for bureau staff, optionally to heads)."""

    allowed_roles: tuple[str, ...] = ()
    bureau_position: str | None = None

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return self.handle_no_permission()
        if user.role not in self.allowed_roles:
            labels = "、".join(str(Role(role).label) for role in self.allowed_roles)
            raise PermissionDenied(_("This page is for: %(roles)s.") % {"roles": labels})
        if self.bureau_position and user.bureau_position != self.bureau_position:
            raise PermissionDenied(
                _("This page is for the %(position)s of a bureau.")
                % {"position": BureauPosition(self.bureau_position).label}
            )
        return super().dispatch(request, *args, **kwargs)


class EnterpriseRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.ENTERPRISE,)


class BureauStaffRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.BUREAU,)


class BureauHeadRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.BUREAU,)
    bureau_position = BureauPosition.HEAD


class CatalogueAdminRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.CATALOGUE_ADMIN,)


class LeadershipRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.LEADERSHIP,)


def refuse_unless_enterprise_admin(user) -> None:
    if not user.is_enterprise_admin:
        admins = "、".join(
            str(admin) for admin in selectors.enterprise_admins(enterprise=user.enterprise)
        )
        raise PermissionDenied(
            _(
                "Only the administrator of your enterprise (%(admins)s) may change the profile "
                "or invite colleagues."
            )
            % {"admins": admins or "—"}
        )


class EnterpriseAdminRequiredMixin(EnterpriseRequiredMixin):
    """Pages that change the profile or invite colleagues: the enterprise's administrator only."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role == Role.ENTERPRISE:
            refuse_unless_enterprise_admin(request.user)
        return super().dispatch(request, *args, **kwargs)

    @property
    def enterprise(self):
        return self.request.user.enterprise
