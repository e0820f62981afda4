"""Pages of accounts: the account page, password reset and invitations."""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from accounts import forms, selectors, services
from accounts.access import EnterpriseAdminRequiredMixin
from accounts.forms import PasswordResetForm
from portal.errors import add_service_errors


class AccountView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/account.html"


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        try:
            send = services.password_reset_throttle(
                email=form.cleaned_data["email"], client_ip=get_client_ip_address(self.request)
            )
        except services.AccountError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        if not send:  # the same answer as a sent mail: it must not tell what happened
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class InvitationAcceptView(FormView):
    """The page the invitation e-mail links to: the colleague chooses a username and password."""

    template_name = "accounts/invitation_accept.html"
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
        except services.AccountError as error:
            return self.refuse(error.message)
        return super().dispatch(request, *args, **kwargs)

    def refuse(self, message: str, *, status: int = 410):
        return render(
            self.request, "accounts/invitation_invalid.html", {"reason": message}, status=status
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
        except services.AccountError as error:
            return self.refuse(error.message)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request,
            _("Welcome! Your account of %(enterprise)s is ready.")
            % {"enterprise": self.invitation.enterprise.name},
        )
        return redirect("portal:workspace")


class InvitationCreateView(EnterpriseAdminRequiredMixin, FormView):
    template_name = "accounts/invitation_form.html"
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
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("An invitation was sent to %(email)s; the link is valid for 7 days.")
            % {"email": invitation.email},
        )
        return redirect("enterprises:profile")


class ColleagueActiveView(EnterpriseAdminRequiredMixin, View):
    """The administrator deactivates or reactivates a colleague's account."""

    def post(self, request, pk: int):
        colleague = get_object_or_404(
            selectors.enterprise_accounts(enterprise=self.enterprise), pk=pk
        )
        active = request.POST.get("active") == "1"
        try:
            services.colleague_active_set(
                enterprise=self.enterprise, by=request.user, colleague=colleague, active=active
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("enterprises:profile")
        if active:
            message = _("%(name)s's account is active again.")
        else:
            message = _("%(name)s's account is deactivated: it can no longer log in.")
        messages.success(request, message % {"name": colleague})
        return redirect("enterprises:profile")


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
        return redirect("enterprises:profile")
