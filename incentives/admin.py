"""The catalogue in the admin site: catalogue admins edit documents, measures, items with their
conditions, award rules, annex lines and golden cases; every change is kept in the history
(django-simple-history); an item can be previewed for typed-in facts; an annex spreadsheet is
imported with a dry run first (django-import-export)."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from import_export.admin import ImportMixin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from incentives import editor, plans, proposals, services
from incentives.annex import AnnexResource
from incentives.models import (
    Assignment,
    AwardRule,
    ChangeProposal,
    Condition,
    CrossItemLimit,
    Fact,
    GoldenCase,
    IncentiveItem,
    Measure,
    PolicyDocument,
)
from incentives.rules import REGISTRY, describe_rule
from portal import clock

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


class ChangedOnlyThroughProposals:
    """An item's money — award rules, conditions, golden cases' expectations, limits — changes
    only through the rule editor's proposals (four eyes, a date): here it is read, not edited,
    and no version of it is reverted from the history."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoRevert:
    """No "revert" from the history: reverting a money rule would skip the second admin."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ConditionInline(ChangedOnlyThroughProposals, admin.TabularInline):
    model = Condition
    fields = ["group", "fact", "op", "value", "position"]
    extra = 0


class AwardRuleInline(ChangedOnlyThroughProposals, admin.StackedInline):
    model = AwardRule
    fields = ["kind_label", "rule_words", "effective_from", "effective_to", "clause"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("kind"))
    def kind_label(self, rule):
        return rule_kind_label(rule.kind)

    @admin.display(description=_("rule"))
    def rule_words(self, rule):
        return rule_in_words(rule)


class ItemAssignmentInline(MeasureChoicesOfTheItem, admin.TabularInline):
    model = Assignment
    fk_name = "item"
    fields = ["measure", "role", "bureau", "position"]
    extra = 0
    verbose_name_plural = _("Annex lines for this item only (override the measure's)")
    autocomplete_fields = ["bureau"]


class GoldenCaseInline(admin.StackedInline):
    """Golden cases are added here; an existing case's expectation changes only with the rule
    change that alters it (the editor's "new expected result"), and none is deleted."""

    model = GoldenCase

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    fields = [
        ("name", "on_date", "as_if_in_force"),
        "facts",
        ("expected_verdict", "expected_amount", "expected_min", "expected_max"),
    ]
    extra = 0


def rule_in_words(rule: AwardRule) -> str:
    declared = services.item_declared(item=rule.item)
    try:
        return describe_rule(rule.params, declared=declared)
    except (KeyError, TypeError, ValueError):
        return "—"


@admin.register(IncentiveItem)
class IncentiveItemAdmin(NoRevert, MeasureChoicesOfTheItem, SimpleHistoryAdmin):
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
    readonly_fields = [
        "preview_link",
        "editor_link",
        "yearly_budget",
        "budget_basis",
        "second_review_above",
    ]
    inlines = [ConditionInline, AwardRuleInline, ItemAssignmentInline, GoldenCaseInline]
    object_history_template = "admin/incentives/incentiveitem/object_history.html"
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
            _("Money: award rule, conditions, limits"),
            {
                "fields": ["editor_link"],
                "description": _(
                    "The award rule, the conditions and the limits change through the rule "
                    "editor: a proposal another catalogue admin approves, in effect from a date."
                ),
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
                    "budget_basis",
                    "second_review_above",
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

    @admin.display(description=_("rule editor"))
    def editor_link(self, item):
        if not item.pk:
            return "—"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:incentives_incentiveitem_editor", args=[item.pk]),
            _("Change the award rule, conditions or limits"),
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
            path(
                "<int:pk>/editor/",
                self.admin_site.admin_view(self.editor_view),
                name="incentives_incentiveitem_editor",
            ),
            path(
                "<int:pk>/editor/preview/",
                self.admin_site.admin_view(self.editor_preview_view),
                name="incentives_incentiveitem_editor_preview",
            ),
            path(
                "<int:pk>/editor/form/",
                self.admin_site.admin_view(self.editor_form_view),
                name="incentives_incentiveitem_editor_form",
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "proposals": ChangeProposal.objects.filter(item_id=object_id).select_related(
                "proposed_by", "decided_by"
            ),
        }
        return super().history_view(request, object_id, extra_context)

    # The rule editor ------------------------------------------------------------------------

    def editable_item(self, request, pk) -> IncentiveItem:
        item = get_object_or_404(IncentiveItem.objects.select_related("measure__document"), pk=pk)
        if not self.has_change_permission(request, item):
            raise PermissionDenied
        return item

    def editor_context(self, request, item, forms_, *, problems=None) -> dict:
        seen = None
        if forms_.data is not None and forms_.is_valid():
            seen, needed = proposals.proposal_problems(
                item,
                forms_.edit(),
                confirmed_ids=forms_.confirmed,
                reason=forms_.reason,
                today=clock.today(),
            )
            problems = problems if problems is not None else needed
        elif forms_.data is not None:
            problems = forms_.errors()
        else:
            seen = proposals.preview(item, forms_.edit_as_is())
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "item": item,
            "forms": forms_,
            "seen": seen,
            "problems": problems or [],
            "open_proposal": ChangeProposal.objects.filter(
                item=item,
                status__in=[ChangeProposal.Status.PENDING, ChangeProposal.Status.APPROVED],
            ).first(),
            "title": _("Change the money of: %(name)s") % {"name": item.name},
        }

    def editor_view(self, request, pk):
        item = self.editable_item(request, pk)
        if request.method != "POST":
            forms_ = editor.EditorForms(item)
            return TemplateResponse(
                request,
                "admin/incentives/editor/editor.html",
                self.editor_context(request, item, forms_),
            )
        forms_ = editor.EditorForms(item, request.POST)
        if forms_.is_valid():
            try:
                proposal = proposals.propose(
                    item=item,
                    by=request.user,
                    edit=forms_.edit(),
                    confirmed_ids=forms_.confirmed,
                    reason=forms_.reason,
                )
            except proposals.ProposalError as error:
                context = self.editor_context(request, item, forms_, problems=error.problems)
                return TemplateResponse(request, "admin/incentives/editor/editor.html", context)
            messages.success(
                request,
                _(
                    "The change is proposed. Another catalogue admin approves it; it takes "
                    "effect on %(date)s."
                )
                % {"date": proposal.effective_on.isoformat()},
            )
            return redirect("admin:incentives_changeproposal_change", proposal.pk)
        context = self.editor_context(request, item, forms_)
        return TemplateResponse(request, "admin/incentives/editor/editor.html", context)

    def editor_preview_view(self, request, pk):
        item = self.editable_item(request, pk)
        if request.method != "POST":
            return redirect("admin:incentives_incentiveitem_editor", pk)
        forms_ = editor.EditorForms(item, request.POST)
        context = self.editor_context(request, item, forms_)
        return TemplateResponse(request, "admin/incentives/editor/_preview.html", context)

    def editor_form_view(self, request, pk):
        item = self.editable_item(request, pk)
        if request.method != "POST":
            return redirect("admin:incentives_incentiveitem_editor", pk)
        forms_ = editor.EditorForms(item, request.POST)
        context = {"forms": forms_, "item": item}
        return TemplateResponse(request, "admin/incentives/editor/_fields.html", context)

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


@admin.register(AwardRule)
class AwardRuleAdmin(NoRevert, ChangedOnlyThroughProposals, SimpleHistoryAdmin):
    list_display = ["item", "kind_label", "effective_from", "effective_to", "clause"]
    list_filter = [RuleKindFilter]
    search_fields = ["item__name", "item__key"]
    list_select_related = ["item"]
    fields = ["item", "kind_label", "rule_words", "effective_from", "effective_to", "clause"]
    readonly_fields = fields

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, rule):
        return rule_kind_label(rule.kind)

    @admin.display(description=_("rule"))
    def rule_words(self, rule):
        return rule_in_words(rule)


@admin.register(Condition)
class ConditionAdmin(NoRevert, ChangedOnlyThroughProposals, SimpleHistoryAdmin):
    list_display = ["item", "group", "fact", "op", "value"]
    search_fields = ["item__name", "fact"]
    list_select_related = ["item"]


@admin.register(GoldenCase)
class GoldenCaseAdmin(NoRevert, SimpleHistoryAdmin):
    """Cases are added freely (each must hold when saved); an expectation changes only with the
    rule change that alters it, and no case is deleted to get past the guard."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
class CrossItemLimitAdmin(NoRevert, ChangedOnlyThroughProposals, SimpleHistoryAdmin):
    """Limits across items are read here; they change with the catalogue files (reviewed before
    they are loaded), like the documents that state them."""

    list_display = ["key", "kind", "amount", "document", "note"]
    list_filter = ["kind"]
    filter_horizontal = ["items"]
    search_fields = ["key", "note"]


class ApproveForm(forms.Form):
    effective_on = forms.DateField(
        label=_("Takes effect on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("note"), required=False, max_length=500)


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Why it is rejected"), max_length=500)


@admin.register(ChangeProposal)
class ChangeProposalAdmin(admin.ModelAdmin):
    """Proposed changes to items' money: read in words, approved (with the date it takes effect)
    or rejected by a catalogue admin who did not propose it, withdrawn by the proposer."""

    list_display = ["item", "status", "effective_on", "proposed_by", "proposed_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["item__name", "item__key", "reason"]
    list_select_related = ["item", "proposed_by", "decided_by"]
    date_hierarchy = "proposed_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        proposal = get_object_or_404(
            ChangeProposal.objects.select_related("item", "proposed_by", "decided_by"),
            pk=object_id,
        )
        if not self.has_view_permission(request, proposal):
            raise PermissionDenied
        approve_form = ApproveForm(initial={"effective_on": proposal.effective_on})
        reject_form = RejectForm()
        problems: list[str] = []
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "approve":
                    approve_form = ApproveForm(request.POST)
                    if approve_form.is_valid():
                        proposal = proposals.approve(
                            proposal=proposal,
                            by=request.user,
                            effective_on=approve_form.cleaned_data["effective_on"],
                            note=approve_form.cleaned_data["note"],
                        )
                        if proposal.status == ChangeProposal.Status.APPLIED:
                            services.item_rules_changed(item=proposal.item)
                            messages.success(request, _("Approved: the change is in effect."))
                        else:
                            messages.success(
                                request,
                                _("Approved: the change takes effect on %(date)s.")
                                % {"date": proposal.effective_on.isoformat()},
                            )
                        return redirect(request.path)
                elif action == "reject":
                    reject_form = RejectForm(request.POST)
                    if reject_form.is_valid():
                        proposals.reject(
                            proposal=proposal,
                            by=request.user,
                            note=reject_form.cleaned_data["note"],
                        )
                        messages.success(request, _("Rejected."))
                        return redirect(request.path)
                elif action == "withdraw":
                    proposals.withdraw(proposal=proposal, by=request.user)
                    messages.success(request, _("Withdrawn."))
                    return redirect(request.path)
            except proposals.ProposalError as error:
                problems = error.problems
                proposal.refresh_from_db()
        pending = proposal.status == ChangeProposal.Status.PENDING
        own = proposal.proposed_by_id == request.user.pk
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "proposal": proposal,
            "approve_form": approve_form,
            "reject_form": reject_form,
            "problems": problems,
            "can_decide": pending
            and not own
            and request.user.has_perm("incentives.approve_changeproposal"),
            "own_pending": pending and own,
            "title": _("Change proposal #%(number)s") % {"number": proposal.pk},
        }
        return TemplateResponse(request, "admin/incentives/changeproposal/detail.html", context)


from incentives import draft_admin  # noqa: E402,F401
