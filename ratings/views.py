"""Pages of ratings: the enterprise rates a finished case; the bureau's poor ratings to rectify,
one rectification (a head of the lead bureau answers it, the others read it) and the bureau's
satisfaction."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from accounts.access import BureauStaffRequiredMixin, EnterpriseRequiredMixin
from accounts.models import Role
from portal import clock
from ratings import selectors, services
from ratings.forms import RatingForm, RectificationForm
from ratings.rules import RatingError


class RateView(EnterpriseRequiredMixin, FormView):
    """去评价: rate a case of one's enterprise that has ended; once more after the bureau replied
    to a poor rating."""

    template_name = "ratings/rate.html"
    form_class = RatingForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role == Role.ENTERPRISE:
            try:
                self.application = selectors.rateable_case(
                    user=request.user, reference=kwargs["reference"]
                )
            except ObjectDoesNotExist as exc:  # another enterprise's case looks like none
                raise Http404 from exc
            self.state = selectors.case_rating(user=request.user, application=self.application)
            if not self.state.can_rate:
                messages.info(request, self.state.refusal)
                return redirect("applications:detail", reference=self.application.reference)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, state=self.state, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.rating_give(
                application_id=self.application.pk,
                user=self.request.user,
                level=data["level"],
                comment=data["comment"],
                reason=data["reason"],
            )
        except RatingError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Thank you: your rating has been recorded."))
        return redirect("applications:detail", reference=self.application.reference)


class RectificationListView(BureauStaffRequiredMixin, TemplateView):
    """待整改: poor ratings of the cases the bureau leads, earliest due first, overdue marked."""

    template_name = "ratings/rectifications.html"

    def get_context_data(self, **kwargs):
        show_done = self.request.GET.get("show") == "all"
        return super().get_context_data(
            rectifications=list(
                selectors.bureau_rectifications(user=self.request.user, show_done=show_done)[:200]
            ),
            show_done=show_done,
            today=clock.today(),
            **kwargs,
        )


class RectifyView(BureauStaffRequiredMixin, FormView):
    """One poor rating: the reason, the case, and — for a head of the lead bureau, until answered
    — the form to record the rectification and reply. Others of the bureau read it."""

    template_name = "ratings/rectify.html"
    form_class = RectificationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role == Role.BUREAU:
            try:
                self.rectification = selectors.rectification_for(user=request.user, pk=kwargs["pk"])
            except ObjectDoesNotExist as exc:
                raise Http404 from exc
            self.refusal = services.reply_refusal(request.user, self.rectification)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        rating = self.rectification.rating
        return super().get_context_data(
            rectification=self.rectification,
            rating=rating,
            application=rating.application,
            earlier=[r for r in selectors.case_ratings(rating.application) if r.pk != rating.pk],
            may_answer=self.refusal is None,
            refusal=self.refusal,
            today=clock.today(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if self.refusal:
            raise PermissionDenied(self.refusal)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.rectification_reply(
                rectification_id=self.rectification.pk,
                user=self.request.user,
                rectified=form.cleaned_data["rectified"],
                reply=form.cleaned_data["reply"],
            )
        except RatingError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("The rectification is recorded and the enterprise told."))
        return redirect("ratings:rectify", pk=self.rectification.pk)


class BureauSatisfactionView(BureauStaffRequiredMixin, TemplateView):
    """The bureau's satisfaction: ratings per level, 满意率, poor ratings and their rectification,
    by item."""

    template_name = "ratings/bureau.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = clock.today()
        total = selectors.satisfaction(today=today, bureau_id=user.bureau_id)[0]
        return super().get_context_data(
            bureau=user.bureau,
            total=total,
            levels=selectors.level_counts(total),
            by_item=selectors.satisfaction(by="item", today=today, bureau_id=user.bureau_id),
            open_count=selectors.bureau_rectifications(user=user).count(),
            **kwargs,
        )
