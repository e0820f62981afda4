"""Pages of the 一企一档: registration and the profile. Every object is looked up through the
user's own enterprise, so another enterprise's id is simply not found."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from accounts import selectors as account_selectors
from accounts.access import (
    EnterpriseAdminRequiredMixin,
    EnterpriseRequiredMixin,
    refuse_unless_enterprise_admin,
)
from enterprises import forms, selectors, services
from portal.errors import add_service_errors


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class RegisterView(FormView):
    """Register an enterprise with its 统一社会信用代码; the first account administers it."""

    template_name = "enterprises/register.html"
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
                mobile=data["mobile"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
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
        return redirect("enterprises:profile")


class ProfileView(EnterpriseRequiredMixin, TemplateView):
    """The profile: basic data (a form for the administrator), qualifications, yearly figures and
    pending invitations. Colleagues see the same page read-only."""

    template_name = "enterprises/profile.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        enterprise = user.enterprise
        context = {
            "enterprise": enterprise,
            "can_edit": user.is_enterprise_admin,
            "qualifications": selectors.enterprise_qualifications(enterprise=enterprise),
            "figures": selectors.enterprise_yearly_figures(enterprise=enterprise),
            "colleagues": account_selectors.enterprise_colleagues(enterprise=enterprise),
            "recent_changes": selectors.enterprise_profile_history(enterprise=enterprise)[:5],
        }
        if user.is_enterprise_admin:
            context["form"] = kwargs.pop("form", None) or forms.ProfileForm(instance=enterprise)
            context["invitations"] = account_selectors.enterprise_pending_invitations(
                enterprise=enterprise
            )
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        refuse_unless_enterprise_admin(request.user)
        enterprise = request.user.enterprise
        form = forms.ProfileForm(request.POST, instance=enterprise)
        if form.is_valid():
            try:
                services.profile_update(
                    enterprise=enterprise, by=request.user, values=form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The basic data are saved."))
                return redirect("enterprises:profile")
        return self.render_to_response(self.get_context_data(form=form))


class ProfileHistoryView(EnterpriseRequiredMixin, TemplateView):
    template_name = "enterprises/history.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.user.enterprise
        changes = selectors.enterprise_profile_history(enterprise=enterprise)
        page = Paginator(changes, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(enterprise=enterprise, page_obj=page, **kwargs)


class _ProfileRowEditView(EnterpriseAdminRequiredMixin, FormView):
    """Add or change one row of the profile (a qualification, a year's figures)."""

    template_name = "enterprises/row_form.html"
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
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.saved_message)
        return redirect("enterprises:profile")


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
            year=form.cleaned_data["year"],
            values={k: v for k, v in form.cleaned_data.items() if k != "year"},
        )


class _ProfileRowDeleteView(EnterpriseAdminRequiredMixin, TemplateView):
    """Confirm, then delete one row of the profile."""

    template_name = "enterprises/row_delete.html"

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
        return redirect("enterprises:profile")


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
