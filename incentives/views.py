"""Public pages of the catalogue: no login needed."""

from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from accounts.access import CatalogueAdminRequiredMixin, EnterpriseRequiredMixin
from accounts.models import Role
from incentives import caching, selectors, services, shown
from incentives.calculator import CalculatorForm, calculator_result
from incentives.forms import CatalogueFilterForm
from incentives.models import AssignmentRole, PolicyDocument, RecomputeJob
from incentives.plans import plan_for
from incentives.presentation import FIRST_ROWS, claim_summary, group_results, present_items
from organisations.models import Bureau
from portal import clock


class CatalogueView(ListView):
    """The catalogue with its filters. The content is the same for every visitor: rendered once
    per catalogue version, day, language and query (``incentives/caching.py``)."""

    template_name = "incentives/catalogue.html"
    content_template_name = "incentives/_catalogue_content.html"
    paginate_by = 20
    context_object_name = "items"

    def get(self, request, *args, **kwargs):
        on = clock.today()

        def render():
            self.object_list = self.get_queryset()
            return render_to_string(self.content_template_name, self.get_context_data(), request)

        content = caching.cached_content(caching.content_key(request, on=on), render)
        return TemplateResponse(request, self.template_name, {"content": mark_safe(content)})  # noqa: S308 - rendered by our template

    def get_queryset(self):
        self.form = CatalogueFilterForm(self.request.GET or None)
        filters = self.form.filters() if self.request.GET else selectors.CatalogueFilters()
        return selectors.items_search(filters=filters, on=clock.today())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        present_items(context["items"], on=clock.today())
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(form=self.form, query=query.urlencode())
        return context


class ItemDetailView(DetailView):
    """An item's 申兑指南. Enterprise users see an "apply" button of their own; for everyone else
    the content is cached like the catalogue's."""

    template_name = "incentives/item_detail.html"
    content_template_name = "incentives/_item_content.html"
    context_object_name = "item"
    slug_field = "key"
    slug_url_kwarg = "key"

    def get(self, request, *args, **kwargs):
        def render():
            self.object = self.get_object()
            context = self.get_context_data(object=self.object)
            return {
                "title": self.object.name,
                "content": render_to_string(self.content_template_name, context, request),
            }

        if request.user.is_authenticated and request.user.role == Role.ENTERPRISE:
            page = render()
        else:
            key = caching.content_key(request, on=clock.today(), variant="public")
            page = caching.cached_content(key, render)
        return TemplateResponse(
            request,
            self.template_name,
            {"title": page["title"], "content": mark_safe(page["content"])},  # noqa: S308 - rendered by our template
        )

    def get_queryset(self):
        return selectors.items_public().prefetch_related("conditions")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.object
        present_items([item], on=clock.today(), detail=True)
        context["responsible"] = selectors.item_bureaus(item, AssignmentRole.RESPONSIBLE)
        context["cooperate"] = selectors.item_bureaus(item, AssignmentRole.COOPERATE)
        user = self.request.user
        if user.is_authenticated and user.role == Role.ENTERPRISE and user.enterprise_id:
            # The same scope the workflow checks: no 申报 button on an item that cannot serve it.
            context["apply_refusal"] = plan_for(item).scope_refusal(user.enterprise)
        return context


class DocumentListView(ListView):
    template_name = "incentives/document_list.html"
    context_object_name = "documents"

    def get_queryset(self):
        return selectors.documents_public(examples=self.request.GET.get("examples") == "1")

    def get_context_data(self, **kwargs):
        return super().get_context_data(examples=self.request.GET.get("examples") == "1", **kwargs)


class DocumentDetailView(DetailView):
    template_name = "incentives/document_detail.html"
    context_object_name = "document"
    slug_field = "key"
    slug_url_kwarg = "key"
    queryset = PolicyDocument.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        measures = list(selectors.document_measures(document=self.object))
        items = [item for measure in measures for item in measure.items.all()]
        present_items(items, on=clock.today(), with_bureaus=False)
        context["measures"] = measures
        context["item_count"] = len(items)
        return context


class BureauDetailView(DetailView):
    template_name = "incentives/bureau_detail.html"
    context_object_name = "bureau"
    queryset = Bureau.objects.select_related("city").prefetch_related("aliases")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        items = list(selectors.bureau_led_items(bureau=self.object))
        present_items(items, on=clock.today())
        context["items"] = items
        return context


class MyPoliciesView(EnterpriseRequiredMixin, TemplateView):
    """我的政策: what the enterprise qualifies for, how much and why (政策找企业)."""

    template_name = "incentives/my_policies.html"

    def get_context_data(self, **kwargs):
        enterprise = self.request.user.enterprise
        matches = shown.enterprise_matches(enterprise=enterprise)
        groups = group_results(matches, facts_declared=services.facts_declared())
        return super().get_context_data(
            enterprise=enterprise,
            groups=groups,
            summary=claim_summary(groups),
            first_rows=FIRST_ROWS,
            notices=list(selectors.enterprise_unread_notices(enterprise=enterprise)),
            # The latest day a verdict was decided: the nightly run rewrites only the rows the
            # date or the data changed, the others keep the day they were last decided.
            as_of=max((m.as_of for m in matches if not m.derived), default=None),
            **kwargs,
        )


class NoticesReadView(EnterpriseRequiredMixin, View):
    def post(self, request):
        services.notices_mark_read(enterprise=request.user.enterprise)
        return redirect("incentives:my_policies")


class CalculatorView(TemplateView):
    """政策计算器 for visitors: answers in, matches out, nothing stored."""

    template_name = "incentives/calculator.html"

    def get(self, request, *args, **kwargs):
        form = CalculatorForm(request.GET or None, on=clock.today())
        result = calculator_result(form=form) if request.GET and form.is_valid() else None
        return self.render_to_response(
            self.get_context_data(
                form=form, result=result, groups=result.groups if result else None
            )
        )


class RecomputeStartView(CatalogueAdminRequiredMixin, TemplateView):
    template_name = "incentives/recompute.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            jobs=RecomputeJob.objects.select_related("started_by")[:10], **kwargs
        )

    def post(self, request):
        job = services.recompute_all_start(user=request.user)
        return redirect("incentives:recompute_progress", pk=job.pk)


class RecomputeProgressView(CatalogueAdminRequiredMixin, DetailView):
    """The progress of a recompute; htmx polls the bar until the job is done."""

    model = RecomputeJob
    context_object_name = "job"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            summary=selectors.recompute_job_summary(job=self.object), **kwargs
        )

    def get_template_names(self):
        if self.request.htmx:
            return ["incentives/_recompute_progress.html"]
        return ["incentives/recompute_progress.html"]
