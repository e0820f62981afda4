"""Pages of the 一企一档: registration and the profile. Every object is looked up through the
user's own enterprise, so another enterprise's id is simply not found."""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from accounts import selectors as account_selectors
from accounts.access import (
    BureauStaffRequiredMixin,
    EnterpriseAdminRequiredMixin,
    EnterpriseRequiredMixin,
    refuse_unless_enterprise_admin,
)
from enterprises import forms, selectors, services, verification
from enterprises.models import AccountClaim
from portal import uploads
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
                "%(enterprise)s is registered. Send the business licence and the letter of "
                "authorisation for the bureau to verify your account; meanwhile complete the "
                "profile so the portal can tell you which policies it qualifies for."
            )
            % {"enterprise": user.enterprise.name},
        )
        return redirect("enterprises:verification")

    def form_invalid(self, form):
        taken = any(e.code == "taken" for e in form.errors.as_data().get("credit_code", []))
        return self.render_to_response(self.get_context_data(form=form, code_taken=taken))


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
            "colleagues": account_selectors.enterprise_accounts(enterprise=enterprise),
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


# --- Who acts for the enterprise: verification, claims and disputes (enterprises.verification)


class VerificationView(EnterpriseRequiredMixin, FormView):
    """The enterprise's account status; its administrator sends the 营业执照 and 授权委托书 while
    it awaits verification (again after a refusal)."""

    template_name = "enterprises/verification.html"
    form_class = forms.VerificationRequestForm

    @cached_property
    def enterprise(self):
        return self.request.user.enterprise

    def get_context_data(self, **kwargs):
        claims = self.enterprise.account_claims.filter(kind="registration").select_related(
            "decided_by"
        )
        pending = any(c.state == "pending" for c in claims)
        return super().get_context_data(
            enterprise=self.enterprise,
            claims=claims,
            pending=pending,
            can_send=(
                self.request.user.is_enterprise_admin
                and not self.enterprise.is_verified
                and not pending
            ),
            bureaus=verification.verifying_bureaus(enterprise=self.enterprise),
            **kwargs,
        )

    def form_valid(self, form):
        refuse_unless_enterprise_admin(self.request.user)
        try:
            verification.registration_verification_request(
                enterprise=self.enterprise,
                by=self.request.user,
                licence=form.cleaned_data["licence"],
                authorisation=form.cleaned_data["authorisation"],
                statement=form.cleaned_data["statement"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Sent to the bureau. You will be told in your inbox and by e-mail when it decides."),
        )
        return redirect("enterprises:verification")


class ClaimView(FormView):
    """Claim an enterprise on the portal: one imported from an official list that has no
    account, or one someone else registered (a dispute). Filed without an account."""

    template_name = "enterprises/claim.html"
    form_class = forms.ClaimForm

    def get_initial(self):
        return {"credit_code": self.request.GET.get("code", "")[:40]}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            claim = verification.claim_file(
                credit_code=data["credit_code"],
                company_name=data["company_name"],
                claimant_name=data["claimant_name"],
                claimant_mobile=data["claimant_mobile"],
                claimant_email=data["claimant_email"],
                licence=data["licence"],
                authorisation=data["authorisation"],
                statement=data["statement"],
                client=get_client_ip_address(self.request) or "unknown",
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return render(
            self.request,
            "enterprises/claim_filed.html",
            {
                "email": claim.claimant_email,
                "bureaus": verification.verifying_bureaus(enterprise=claim.enterprise),
            },
        )


class VerificationQueueView(BureauStaffRequiredMixin, TemplateView):
    """The requests to verify who acts for the city's enterprises, pending first."""

    template_name = "enterprises/verification_queue.html"

    def get_context_data(self, **kwargs):
        claims = verification.claims_to_decide(user=self.request.user)
        show = self.request.GET.get("show", "pending")
        if show != "all":
            show = "pending"
            claims = claims.filter(state="pending")
        page = Paginator(claims.order_by("-state", "created_at"), 30).get_page(
            self.request.GET.get("page")
        )
        return super().get_context_data(
            page=page,
            show=show,
            verifies=bool(self.request.user.bureau.verifies_enterprises),
            **kwargs,
        )


class VerificationDetailView(BureauStaffRequiredMixin, FormView):
    """One request beside the registry: the enterprise as the portal knows it, the official
    list that proves the company, the accounts that hold it, the two documents; the decision."""

    template_name = "enterprises/verification_detail.html"
    form_class = forms.ClaimDecisionForm

    @cached_property
    def claim(self):
        return get_object_or_404(
            verification.claims_to_decide(user=self.request.user), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        enterprise = self.claim.enterprise
        return super().get_context_data(
            claim=self.claim,
            enterprise=enterprise,
            holders=enterprise.users.order_by("-is_active", "username"),
            others=enterprise.account_claims.exclude(pk=self.claim.pk).select_related("decided_by"),
            name_differs=self.claim.company_name.strip() != enterprise.name.strip(),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if data["decision"] == form.APPROVE:
                verification.claim_approve(
                    claim=self.claim,
                    by=self.request.user,
                    site_url=self.request.build_absolute_uri("/"),
                    deactivate_holders=data["deactivate_holders"],
                )
                messages.success(self.request, _("Approved; those concerned are told."))
            else:
                verification.claim_refuse(
                    claim=self.claim, by=self.request.user, reason=data["reason"]
                )
                messages.success(self.request, _("Refused; the person is told why."))
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return redirect("enterprises:verification_queue")


class VerificationFileView(LoginRequiredMixin, View):
    """The 营业执照 or 授权委托书 of a request: for the deciding bureau, and for the registering
    enterprise's administrator (its own documents)."""

    def get(self, request, pk: int, which: str):
        if which not in ("licence", "authorisation"):
            raise Http404
        claim = get_object_or_404(
            AccountClaim.objects.filter(verification.claim_files_visible(user=request.user)),
            pk=pk,
        )
        stored = getattr(claim, which)
        name = getattr(claim, f"{which}_name") or stored.name.rsplit("/", 1)[-1]
        extension = stored.name.rsplit(".", 1)[-1].lower()
        response = FileResponse(
            stored.open("rb"),
            # Only an image opens in the page; anything else is downloaded.
            as_attachment=not (request.GET.get("inline") == "1" and extension in ("jpg", "png")),
            filename=name,
            content_type=uploads.CONTENT_TYPES.get(extension, "application/octet-stream"),
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
