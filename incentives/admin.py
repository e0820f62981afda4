"""The catalogue in the admin site: catalogue admins edit documents, measures, items with their
conditions, award rules, annex lines and golden cases; every change is kept in the history
(django-simple-history); an item can be previewed for typed-in facts; an annex spreadsheet is
imported with a dry run first (django-import-export)."""

import datetime
import json

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from import_export.admin import ImportMixin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from incentives import plans, services
from incentives.annex import AnnexResource
from incentives.models import (
    Assignment,
    AwardRule,
    Condition,
    CrossItemLimit,
    Fact,
    GoldenCase,
    IncentiveItem,
    Measure,
    PolicyDocument,
)
from incentives.rules import REGISTRY

# django-import-export's own Chinese for this heading is garbled (某些行验数据证失败); ours wins.
gettext_noop("Some rows failed to validate")


def rule_kind_label(kind: str) -> str:
    """A rule kind in words (定额奖补), from the registry; the stored kind stays the key."""
    registered = REGISTRY.get(kind)
    return str(registered.label) if registered else (kind or "—")


class RuleKindFilter(admin.SimpleListFilter):
    """The kinds present, in words (定额奖补), not the stored keys (fixed)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = model_admin.get_queryset(request).values_list("kind", flat=True).distinct()
        return [(kind, rule_kind_label(kind)) for kind in sorted(set(kinds))]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(kind=self.value())
        return queryset


def measure_label(measure: Measure) -> str:
    """A measure told apart from all others: its document's number (or title), number, title."""
    document = measure.document
    return f"{document.doc_number or document.title} · {measure.number} {measure.title}"


class MeasureChoicesOfTheItem:
    """The 措施 dropdown of an item's pages: on the change page only the measures of the item's own
    document, on the add page all, each labelled with its document."""

    def measure_choices(self, db_field, request, kwargs):
        item = getattr(request, "_incentive_item_edited", None)
        measures = Measure.objects.select_related("document").order_by(
            "document__title", "position"
        )
        if item is not None and item.measure_id:
            measures = measures.filter(document_id=item.measure.document_id)
        kwargs["queryset"] = measures
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "measure" and db_field.related_model is Measure:
            kwargs = self.measure_choices(db_field, request, kwargs)
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            if field is not None:
                field.label_from_instance = measure_label
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Fact)
class FactAdmin(SimpleHistoryAdmin):
    list_display = ["key", "label", "type", "unit"]
    list_filter = ["type"]
    search_fields = ["key", "label"]


class MeasureInline(admin.TabularInline):
    model = Measure
    fields = ["position", "number", "title"]
    extra = 0
    show_change_link = True


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "doc_number", "region", "status", "published_on", "is_example"]
    list_filter = ["status", "region", "is_example"]
    search_fields = ["title", "doc_number", "key"]
    list_select_related = ["region"]
    inlines = [MeasureInline]


class MeasureAssignmentInline(admin.TabularInline):
    model = Assignment
    fields = ["role", "bureau", "position"]
    extra = 0
    verbose_name_plural = _("Annex lines for the whole measure")
    autocomplete_fields = ["bureau"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(item__isnull=True).select_related("bureau__city")
        )


class ItemInline(admin.TabularInline):
    model = IncentiveItem
    fields = ["position", "name", "support_kind", "funding_level"]
    extra = 0
    show_change_link = True


@admin.register(Measure)
class MeasureAdmin(ImportMixin, SimpleHistoryAdmin):
    """Measures, and the annex import: upload a spreadsheet of 文件 / 措施 / 牵头单位 / 责任单位 /
    配合单位, see the dry run, confirm."""

    resource_classes = [AnnexResource]
    import_template_name = "admin/incentives/measure/import.html"
    import_formats = [base_formats.CSV, base_formats.XLSX]
    list_display = ["number", "title", "document"]
    list_filter = ["document"]
    search_fields = ["number", "title"]
    list_select_related = ["document"]
    inlines = [MeasureAssignmentInline, ItemInline]


class ConditionInline(admin.TabularInline):
    model = Condition
    fields = ["group", "fact", "op", "value", "position"]
    extra = 0


class AwardRuleInline(admin.StackedInline):
    model = AwardRule
    fields = ["params", "effective_from", "effective_to", "clause"]
    extra = 0


class ItemAssignmentInline(MeasureChoicesOfTheItem, admin.TabularInline):
    model = Assignment
    fk_name = "item"
    fields = ["measure", "role", "bureau", "position"]
    extra = 0
    verbose_name_plural = _("Annex lines for this item only (override the measure's)")
    autocomplete_fields = ["bureau"]


class GoldenCaseInline(admin.StackedInline):
    model = GoldenCase
    fields = [
        ("name", "on_date", "as_if_in_force"),
        "facts",
        ("expected_verdict", "expected_amount", "expected_min", "expected_max"),
    ]
    extra = 0


@admin.register(IncentiveItem)
class IncentiveItemAdmin(MeasureChoicesOfTheItem, SimpleHistoryAdmin):
    list_display = [
        "name",
        "measure_number",
        "document",
        "support_kind",
        "funding_level",
        "beneficiary",
        "preview_link",
    ]
    list_filter = ["support_kind", "funding_level", "beneficiary", "delivery", "measure__document"]
    search_fields = ["name", "summary", "key"]
    list_select_related = ["measure__document"]
    readonly_fields = ["preview_link"]
    inlines = [ConditionInline, AwardRuleInline, ItemAssignmentInline, GoldenCaseInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "key",
                    "measure",
                    "position",
                    "name",
                    "summary",
                    "clause",
                    "quote",
                    "preview_link",
                ]
            },
        ),
        (
            _("Who, what, from which purse"),
            {"fields": ["beneficiary", "support_kind", "funding_level", "delivery", "cosign"]},
        ),
        (
            _("Window, time limit, budget"),
            {
                "fields": [
                    ("window_opens", "window_closes"),
                    "processing_days",
                    "publicity_days",
                    "yearly_budget",
                    ("valid_from", "valid_to"),
                ]
            },
        ),
        (_("What a claim must give"), {"fields": ["materials", "inputs", "checklist"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The item being edited, for the 措施 dropdowns of the form and its inlines.
        request._incentive_item_edited = obj
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description=_("measure"))
    def measure_number(self, item):
        return item.measure.number

    @admin.display(description=_("document"))
    def document(self, item):
        return item.measure.document

    @admin.display(description=_("preview"))
    def preview_link(self, item):
        if not item.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:incentives_incentiveitem_preview", args=[item.pk]),
            _("Evaluate for typed-in facts"),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.item_rules_changed(item=form.instance)

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="incentives_incentiveitem_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk):
        item = get_object_or_404(IncentiveItem.objects.select_related("measure__document"), pk=pk)
        if not self.has_view_permission(request, item):
            raise PermissionDenied
        form = PreviewForm(request.POST or None, item=item)
        verdict = None
        if request.method == "POST" and form.is_valid():
            verdict = services.item_evaluate(
                item=item, facts=form.facts(), on=form.cleaned_data["on_date"]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "item": item,
            "form": form,
            "verdict": verdict,
            "title": _("Preview: %(name)s") % {"name": item.name},
        }
        return TemplateResponse(request, "admin/incentives/item_preview.html", context)


class PreviewForm(forms.Form):
    """One field per fact or input the item's conditions and rule read, plus the date."""

    on_date = forms.DateField(label=_("Evaluate on"), initial=datetime.date.today)

    def __init__(self, *args, item: IncentiveItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.declared = services.item_declared(item=item)
        for key in plans.item_fact_keys(item=item):
            declaration = self.declared.get(key, {})
            label = declaration.get("label") or key
            kind = declaration.get("type")
            if kind == "bool":
                field = forms.NullBooleanField(label=label, required=False)
            elif kind == "choice":
                field = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[
                        ("", "—"),
                        *((k, v) for k, v in (declaration.get("choices") or {}).items()),
                    ],
                )
            elif kind == "date":
                field = forms.DateField(label=label, required=False)
            elif kind in ("int",):
                field = forms.IntegerField(label=label, required=False)
            elif kind in ("money", "decimal", "percent"):
                unit = declaration.get("unit") or (_("yuan") if kind == "money" else "")
                field = forms.DecimalField(
                    label=f"{label}（{unit}）" if unit else label, required=False
                )
            else:
                field = forms.CharField(label=label, required=False)
            self.fields[f"fact__{key}"] = field

    def facts(self) -> dict:
        values = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("fact__") and value not in (None, ""):
                values[name.removeprefix("fact__")] = value
        return values


class RecomputesAfterSave:
    """Admins of an item's parts: after a save, the item's matches are recomputed."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.item_rules_changed(item=obj.item)


@admin.register(AwardRule)
class AwardRuleAdmin(RecomputesAfterSave, SimpleHistoryAdmin):
    list_display = ["item", "kind_label", "effective_from", "effective_to", "clause"]
    list_filter = [RuleKindFilter]
    search_fields = ["item__name", "item__key"]
    list_select_related = ["item"]
    readonly_fields = ["kind_label"]

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, rule):
        return rule_kind_label(rule.kind)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "params":
            field.widget = forms.Textarea(attrs={"rows": 6, "cols": 80})
            field.encoder = None
            field.initial = json.dumps({"kind": "fixed", "amount": 100000})
        return field


@admin.register(Condition)
class ConditionAdmin(RecomputesAfterSave, SimpleHistoryAdmin):
    list_display = ["item", "group", "fact", "op", "value"]
    search_fields = ["item__name", "fact"]
    list_select_related = ["item"]


@admin.register(GoldenCase)
class GoldenCaseAdmin(SimpleHistoryAdmin):
    list_display = ["name", "item", "on_date", "expected_verdict", "expected_amount"]
    search_fields = ["name", "item__name"]
    list_select_related = ["item"]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["measure", "item", "role", "bureau"]
    list_filter = ["role", "measure__document"]
    search_fields = ["bureau__name", "measure__title"]
    list_select_related = ["measure__document", "item", "bureau__city"]
    autocomplete_fields = ["bureau", "measure", "item"]


@admin.register(CrossItemLimit)
class CrossItemLimitAdmin(SimpleHistoryAdmin):
    list_display = ["key", "kind", "amount", "document", "note"]
    list_filter = ["kind"]
    filter_horizontal = ["items"]
    search_fields = ["key", "note"]
