"""Public pages of the catalogue: no login needed."""

from django.views.generic import DetailView, ListView

from incentives import selectors, services
from incentives.forms import CatalogueFilterForm
from incentives.models import AssignmentRole, PolicyDocument
from incentives.presentation import present_items
from portal.models import Bureau


class CatalogueView(ListView):
    template_name = "incentives/catalogue.html"
    paginate_by = 20
    context_object_name = "items"

    def get_queryset(self):
        self.form = CatalogueFilterForm(self.request.GET or None)
        filters = self.form.filters() if self.request.GET else selectors.CatalogueFilters()
        return selectors.items_search(filters=filters, on=services.today())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        present_items(context["items"], on=services.today())
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(form=self.form, query=query.urlencode())
        return context


class ItemDetailView(DetailView):
    template_name = "incentives/item_detail.html"
    context_object_name = "item"
    slug_field = "key"
    slug_url_kwarg = "key"

    def get_queryset(self):
        return selectors.items_public().prefetch_related("conditions")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.object
        present_items([item], on=services.today(), detail=True)
        context["responsible"] = selectors.item_bureaus(item, AssignmentRole.RESPONSIBLE)
        context["cooperate"] = selectors.item_bureaus(item, AssignmentRole.COOPERATE)
        return context


class DocumentListView(ListView):
    template_name = "incentives/document_list.html"
    context_object_name = "documents"

    def get_queryset(self):
        return selectors.documents_public()


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
        present_items(items, on=services.today(), with_bureaus=False)
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
        present_items(items, on=services.today())
        context["items"] = items
        return context
