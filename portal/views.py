"""Pages of the site: the public home page, each role's workspace, the account page, /healthz."""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.defaults import page_not_found as django_page_not_found
from django.views.generic import FormView, TemplateView

from portal import forms, selectors, services
from portal.access import (
    BureauHeadRequiredMixin,
    BureauStaffRequiredMixin,
    CatalogueAdminRequiredMixin,
    EnterpriseRequiredMixin,
    LeadershipRequiredMixin,
)
from portal.forms import PasswordResetForm
from portal.models import Role
from portal.navigation import navigation_for


class HomeView(TemplateView):
    template_name = "portal/home.html"


class WorkspaceRedirectView(LoginRequiredMixin, TemplateView):
    """After login: each role goes to its own home page; an account without a role sees its
    account page."""

    def get(self, request, *args, **kwargs):
        entries = navigation_for(request.user)
        return redirect(entries[0].url_name if entries else "portal:account")


class AccountView(LoginRequiredMixin, TemplateView):
    template_name = "portal/account.html"


class EnterpriseHomeView(EnterpriseRequiredMixin, TemplateView):
    template_name = "portal/enterprise_home.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.user.enterprise
        return super().get_context_data(
            enterprise=enterprise,
            colleagues=selectors.enterprise_colleagues(enterprise=enterprise),
            **kwargs,
        )


class BureauHomeView(BureauStaffRequiredMixin, TemplateView):
    template_name = "portal/bureau_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(bureau=self.request.user.bureau, **kwargs)


class BureauTeamView(BureauHeadRequiredMixin, TemplateView):
    template_name = "portal/bureau_team.html"

    def get_context_data(self, **kwargs):
        bureau = self.request.user.bureau
        return super().get_context_data(
            bureau=bureau, staff=selectors.bureau_staff(bureau=bureau), **kwargs
        )


class CatalogueAdminHomeView(CatalogueAdminRequiredMixin, TemplateView):
    template_name = "portal/catalogue_admin_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**selectors.catalogue_overview(), **kwargs)


class LeadershipHomeView(LeadershipRequiredMixin, TemplateView):
    template_name = "portal/leadership_home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **selectors.leadership_overview(today=timezone.localdate()), **kwargs
        )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        try:
            send = services.password_reset_throttle(
                email=form.cleaned_data["email"], client_ip=get_client_ip_address(self.request)
            )
        except services.PortalError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        if not send:  # the same answer as a sent mail: it must not tell what happened
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers and compose: 200 when the database (and the
    broker, where one is configured) answer, 503 otherwise."""
    database = selectors.health_database()
    broker = selectors.health_broker()
    ok = database["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "database": database, "broker": broker},
        status=200 if ok else 503,
    )


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: beside the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)


# ---------------------------------------------------------------------------------------------
# Registration and invitations: public pages
# ---------------------------------------------------------------------------------------------


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class RegisterView(FormView):
    """Register an enterprise with its 统一社会信用代码; the first account administers it."""

    template_name = "registration/register.html"
    form_class = forms.RegistrationForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = services.enterprise_register(
                credit_code=data["credit_code"],
                name=data["name"],
                city=data["city"],
                district=data["district"],
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                password=data["password1"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request,
            _(
                "%(enterprise)s is registered. Complete its profile so the portal can tell you "
                "which policies it qualifies for."
            )
            % {"enterprise": user.enterprise.name},
        )
        return redirect("portal:enterprise_profile")


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class InvitationAcceptView(FormView):
    """The page the invitation e-mail links to: the colleague chooses a username and password."""

    template_name = "registration/invitation_accept.html"
    form_class = forms.InvitationAcceptForm

    def dispatch(self, request, *args, **kwargs):
        self.invitation = selectors.invitation_by_token(token=kwargs["token"])
        if self.invitation is None:
            return self.refuse(
                _(
                    "This invitation link is not valid. Check that it was copied "
                    "whole, or ask for a new invitation."
                ),
                status=404,
            )
        try:
            services.invitation_check(invitation=self.invitation)
        except services.PortalError as error:
            return self.refuse(error.message)
        return super().dispatch(request, *args, **kwargs)

    def refuse(self, message: str, *, status: int = 410):
        return render(
            self.request, "registration/invitation_invalid.html", {"reason": message}, status=status
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "email": self.invitation.email}

    def get_context_data(self, **kwargs):
        return super().get_context_data(invitation=self.invitation, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = services.invitation_accept(
                invitation=self.invitation,
                username=data["username"],
                full_name=data["full_name"],
                password=data["password1"],
            )
        except services.PortalError as error:
            return self.refuse(error.message)
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request,
            _("Welcome! Your account of %(enterprise)s is ready.")
            % {"enterprise": self.invitation.enterprise.name},
        )
        return redirect("portal:workspace")


# ---------------------------------------------------------------------------------------------
# The enterprise profile (一企一档). Every object is looked up through the user's own
# enterprise, so another enterprise's id is simply not found.
# ---------------------------------------------------------------------------------------------


def _refuse_unless_enterprise_admin(user) -> None:
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
            _refuse_unless_enterprise_admin(request.user)
        return super().dispatch(request, *args, **kwargs)

    @property
    def enterprise(self):
        return self.request.user.enterprise


class ProfileView(EnterpriseRequiredMixin, TemplateView):
    """The profile: basic data (a form for the administrator), qualifications, yearly figures and
    pending invitations. Colleagues see the same page read-only."""

    template_name = "portal/profile.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        enterprise = user.enterprise
        context = {
            "enterprise": enterprise,
            "can_edit": user.is_enterprise_admin,
            "qualifications": selectors.enterprise_qualifications(enterprise=enterprise),
            "figures": selectors.enterprise_yearly_figures(enterprise=enterprise),
            "colleagues": selectors.enterprise_colleagues(enterprise=enterprise),
            "recent_changes": selectors.enterprise_profile_history(enterprise=enterprise)[:5],
        }
        if user.is_enterprise_admin:
            context["form"] = kwargs.pop("form", None) or forms.ProfileForm(instance=enterprise)
            context["invitations"] = selectors.enterprise_pending_invitations(enterprise=enterprise)
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        _refuse_unless_enterprise_admin(request.user)
        enterprise = request.user.enterprise
        form = forms.ProfileForm(request.POST, instance=enterprise)
        if form.is_valid():
            try:
                services.profile_update(enterprise=enterprise, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, _("The basic data are saved."))
                return redirect("portal:enterprise_profile")
        return self.render_to_response(self.get_context_data(form=form))


class ProfileHistoryView(EnterpriseRequiredMixin, TemplateView):
    template_name = "portal/profile_history.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.user.enterprise
        changes = selectors.enterprise_profile_history(enterprise=enterprise)
        page = Paginator(changes, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(enterprise=enterprise, page_obj=page, **kwargs)


class _ProfileRowEditView(EnterpriseAdminRequiredMixin, FormView):
    """Add or change one row of the profile (a qualification, a year's figures)."""

    template_name = "portal/profile_row_form.html"
    title = ""
    saved_message = ""

    # Each concrete view (qualifications, yearly figures) says which rows and which service.
    def get_object(self):
        raise NotImplementedError

    def save(self, form):
        raise NotImplementedError

    @cached_property
    def object(self):
        # Looked up only once the access checks have passed, and only among this enterprise's.
        return self.get_object() if "pk" in self.kwargs else None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "enterprise": self.enterprise, "instance": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, object=self.object, **kwargs)

    def form_valid(self, form):
        try:
            self.save(form)
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.saved_message)
        return redirect("portal:enterprise_profile")


class QualificationEditView(_ProfileRowEditView):
    form_class = forms.QualificationForm

    @property
    def title(self):
        return _("Change a qualification") if self.object else _("Add a qualification")

    @property
    def saved_message(self):
        return _("The qualification is saved.")

    def get_object(self):
        return get_object_or_404(
            selectors.enterprise_qualifications(enterprise=self.request.user.enterprise),
            pk=self.kwargs["pk"],
        )

    def save(self, form):
        services.qualification_save(
            enterprise=self.enterprise,
            by=self.request.user,
            qualification=self.object,
            **form.cleaned_data,
        )


class YearlyFiguresEditView(_ProfileRowEditView):
    form_class = forms.YearlyFiguresForm

    @property
    def title(self):
        if self.object:
            return _("Change the figures of %(year)s") % {"year": self.object.year}
        return _("Add a year's figures")

    @property
    def saved_message(self):
        return _("The yearly figures are saved.")

    def get_object(self):
        return get_object_or_404(
            selectors.enterprise_yearly_figures(enterprise=self.request.user.enterprise),
            pk=self.kwargs["pk"],
        )

    def save(self, form):
        services.yearly_figures_save(
            enterprise=self.enterprise,
            by=self.request.user,
            figures=self.object,
            **form.cleaned_data,
        )


class _ProfileRowDeleteView(EnterpriseAdminRequiredMixin, TemplateView):
    """Confirm, then delete one row of the profile."""

    template_name = "portal/profile_row_delete.html"

    # Each concrete view (qualifications, yearly figures) says which rows and which service.
    def get_object(self):
        raise NotImplementedError

    def delete(self, obj):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.get_object(), **kwargs)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        self.delete(obj)
        messages.success(request, _("%(object)s is deleted.") % {"object": obj})
        return redirect("portal:enterprise_profile")


class QualificationDeleteView(_ProfileRowDeleteView):
    def get_object(self):
        return get_object_or_404(
            selectors.enterprise_qualifications(enterprise=self.request.user.enterprise),
            pk=self.kwargs["pk"],
        )

    def delete(self, obj):
        services.qualification_delete(
            enterprise=self.enterprise, by=self.request.user, qualification=obj
        )


class YearlyFiguresDeleteView(_ProfileRowDeleteView):
    def get_object(self):
        return get_object_or_404(
            selectors.enterprise_yearly_figures(enterprise=self.request.user.enterprise),
            pk=self.kwargs["pk"],
        )

    def delete(self, obj):
        services.yearly_figures_delete(
            enterprise=self.enterprise, by=self.request.user, figures=obj
        )


class InvitationCreateView(EnterpriseAdminRequiredMixin, FormView):
    template_name = "portal/invitation_form.html"
    form_class = forms.InvitationForm

    def form_valid(self, form):
        try:
            invitation = services.invitation_create(
                enterprise=self.enterprise,
                by=self.request.user,
                email=form.cleaned_data["email"],
                site_url=self.request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("An invitation was sent to %(email)s; the link is valid for 7 days.")
            % {"email": invitation.email},
        )
        return redirect("portal:enterprise_profile")


class InvitationRevokeView(EnterpriseAdminRequiredMixin, View):
    def post(self, request, pk: int):
        invitation = get_object_or_404(
            selectors.enterprise_pending_invitations(enterprise=self.enterprise), pk=pk
        )
        services.invitation_revoke(
            enterprise=self.enterprise, by=request.user, invitation=invitation
        )
        messages.success(
            request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
        )
        return redirect("portal:enterprise_profile")


def page_not_found(request, exception):
    """404: JSON under /api/ (clients read a message), the Chinese page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found.")}, status=404)
    return django_page_not_found(request, exception)
