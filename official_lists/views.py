"""Pages of official lists (/bureau/lists/): thin — parse the request, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.access import BureauStaffRequiredMixin
from official_lists import selectors, services, withdrawal
from official_lists.forms import ListUploadForm, ListWithdrawForm
from official_lists.judging import HITECH_YEARS
from official_lists.models import ListState, Outcome
from official_lists.reading import ListError
from portal.params import query_int

ROWS_PER_PAGE = 50
MISMATCHES_SHOWN = 500


class ListPageMixin(BureauStaffRequiredMixin):
    """A list of the user's city; another city's list is no list at all (404)."""

    def get_list(self):
        return get_object_or_404(
            selectors.lists_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )


class ListIndexView(BureauStaffRequiredMixin, TemplateView):
    template_name = "official_lists/index.html"

    def get_context_data(self, **kwargs):
        lists = selectors.lists_visible_to(user=self.request.user)
        page = Paginator(lists, 30).get_page(self.request.GET.get("page"))
        rows = [(item, [item.counts.get(v, 0) for v in Outcome.values]) for item in page]
        return super().get_context_data(
            page_obj=page, lists=rows, outcomes=Outcome.choices, **kwargs
        )


class ListUploadView(BureauStaffRequiredMixin, FormView):
    template_name = "official_lists/upload.html"
    form_class = ListUploadForm

    def form_valid(self, form):
        try:
            official_list = services.list_upload(
                by=self.request.user,
                title=form.cleaned_data["title"],
                batch=form.cleaned_data["batch"],
                upload=form.cleaned_data["file"],
            )
        except ListError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        messages.success(
            self.request, _("The list was read: check the dry run below, then confirm it.")
        )
        return redirect("official_lists:detail", pk=official_list.pk)


class ListDetailView(ListPageMixin, TemplateView):
    """The dry run (or, once confirmed, what the list did): counts per outcome, the rows of one
    outcome, the confirm form with the name mismatches to tick, the offers it opened."""

    template_name = "official_lists/detail.html"

    def get(self, request, *args, **kwargs):
        official_list = self.get_list()
        if request.headers.get("HX-Request"):
            return render(request, "official_lists/_effects.html", {"official_list": official_list})
        return super().get(request, *args, official_list=official_list, **kwargs)

    def get_context_data(self, official_list, **kwargs):
        user = self.request.user
        outcome = self.request.GET.get("outcome", "")
        if outcome not in Outcome.values:
            outcome = ""
        rows = selectors.list_rows(official_list=official_list, outcome=outcome or None)
        page = Paginator(rows, ROWS_PER_PAGE).get_page(query_int(self.request.GET.get("page")) or 1)
        counts = official_list.counts or {}
        tabs = [(value, label, counts.get(value, 0)) for value, label in Outcome.choices]
        may_confirm = services.confirm_refusal(official_list, user) is None
        mismatches = []
        if may_confirm and counts.get(Outcome.NAME_MISMATCH):
            mismatches = selectors.list_rows(
                official_list=official_list, outcome=Outcome.NAME_MISMATCH
            )[:MISMATCHES_SHOWN]
        return super().get_context_data(
            official_list=official_list,
            outcome=outcome,
            tabs=tabs,
            total=sum(counts.values()),
            page_obj=page,
            may_confirm=may_confirm,
            confirm_refusal=services.confirm_refusal(official_list, user),
            may_withdraw=services.withdraw_refusal(official_list, user) is None,
            mismatches=mismatches,
            offers=selectors.list_offers(official_list=official_list)[:200],
            hitech_years=HITECH_YEARS,
            is_dry_run=official_list.state == ListState.DRY_RUN,
            **kwargs,
        )


class ListConfirmView(ListPageMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        official_list = self.get_list()
        if not (request.user.is_bureau_head and request.user.bureau_id == official_list.bureau_id):
            raise PermissionDenied(services.confirm_refusal(official_list, request.user))
        ticked = {n for n in (query_int(v) for v in request.POST.getlist("apply_anyway")) if n}
        try:
            services.list_confirm(list_id=official_list.pk, by=request.user, apply_anyway=ticked)
        except ListError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _(
                    "The list was confirmed: qualifications are verified; matches and "
                    "免申即享 offers follow."
                ),
            )
        return redirect("official_lists:detail", pk=official_list.pk)


class ListWithdrawView(ListPageMixin, FormView):
    template_name = "official_lists/withdraw.html"
    form_class = ListWithdrawForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.bureau_id:
            self.official_list = self.get_list()
            user = request.user
            head = user.is_bureau_head and user.bureau_id == self.official_list.bureau_id
            if not (head or user.pk == self.official_list.uploaded_by_id):
                raise PermissionDenied(services.withdraw_refusal(self.official_list, user))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            official_list=self.official_list,
            refusal=services.withdraw_refusal(self.official_list, self.request.user),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            withdrawal.list_withdraw(
                list_id=self.official_list.pk,
                by=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ListError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("The list was withdrawn with its effects."))
        return redirect(reverse("official_lists:detail", args=[self.official_list.pk]))
