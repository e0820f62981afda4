"""Drafting a document from its text in the admin (起草): choose the city, paste the text or
upload a .txt/.docx, review the draft in words — head, measures with their items and rules,
the annex with each unit resolved or not — edit it, and publish it. Until it is published a
draft is seen only here: nothing of it is shown to the public, matched or calculated."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incentives import drafting, services
from incentives.models import DocumentDraft, DocumentStatus, Fact
from incentives.rule_forms import initial_from_rule, rule_form_class
from incentives.rules import REGISTRY, describe_rule, validate_rule
from organisations.models import Region

UPLOAD_MAX_BYTES = 10_000_000
ROLE_LABELS = {
    "lead": _("Lead unit"),
    "responsible": _("Responsible unit"),
    "cooperate": _("Cooperating unit"),
}
LAYOUT_LABELS = {
    "table": _("table (tab-separated)"),
    "cells": _("table (one cell a line)"),
    "inline": _("written after the task"),
}


class DraftUploadForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region of the document"),
        queryset=Region.objects.filter(level__in=["city", "province"]).order_by("code", "name"),
        help_text=_("Units of the annex are resolved among this city's bureaus and aliases."),
    )
    text = forms.CharField(
        label=_("Text of the document"),
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
        required=False,
    )
    upload = forms.FileField(
        label=_("Or a file"),
        required=False,
        help_text=_(".txt (UTF-8 or GB18030) or .docx"),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload is not None:
            if not upload.name.lower().endswith((".txt", ".docx")):
                raise forms.ValidationError(_("Upload a .txt or .docx file."))
            if upload.size > UPLOAD_MAX_BYTES:
                raise forms.ValidationError(_("The file is too large."))
            try:
                data["text"] = drafting.read_upload(upload.name, upload.read())
            except (ValueError, KeyError, OSError) as error:
                raise forms.ValidationError(
                    _("The file cannot be read: %(error)s") % {"error": error}
                ) from error
            data["file_name"] = upload.name
        else:
            data["file_name"] = ""
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Paste the text or upload a file."))
        return data


class DraftEditForm(forms.Form):
    """The head in fields; the rest of the draft as JSON (the advanced editor)."""

    title = forms.CharField(label=_("Document title"), max_length=200)
    doc_number = forms.CharField(label=_("Document number (文号)"), max_length=64, required=False)
    issuer = forms.CharField(label=_("Issuer"), max_length=200, required=False)
    published_on = forms.DateField(label=_("Published on"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=DocumentStatus.choices)
    data = forms.CharField(
        label=_("The whole draft (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100}),
        help_text=_(
            "Measures, items, rules and units in the shape of a catalogue file (SCHEMA.md). "
            "The fields above win over the same fields here."
        ),
    )

    @classmethod
    def for_draft(cls, draft: DocumentDraft) -> DraftEditForm:
        document = (draft.data or {}).get("document") or {}
        return cls(
            initial={
                "title": document.get("title") or "",
                "doc_number": document.get("doc_number") or "",
                "issuer": document.get("issuer") or "",
                "published_on": document.get("published_on"),
                "status": document.get("status") or DocumentStatus.IN_FORCE,
                "data": json.dumps(draft.data, ensure_ascii=False, indent=2),
            }
        )

    def clean_data(self):
        try:
            value = json.loads(self.cleaned_data["data"])
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("Not valid JSON: %(error)s") % {"error": error}
            ) from error
        if not isinstance(value, dict) or not isinstance(value.get("document"), dict):
            raise forms.ValidationError(_("The draft needs a “document” section."))
        return value

    def edited(self) -> dict[str, Any]:
        data = dict(self.cleaned_data["data"])
        document = dict(data["document"])
        published: datetime.date | None = self.cleaned_data["published_on"]
        document.update(
            title=self.cleaned_data["title"],
            doc_number=self.cleaned_data["doc_number"],
            issuer=self.cleaned_data["issuer"],
            status=self.cleaned_data["status"],
            published_on=published.isoformat() if published else None,
        )
        if published and not document.get("valid_from"):
            document["valid_from"] = published.isoformat()
        if published and document.get("validity") == "unknown":
            document["validity"] = "stated"
        data["document"] = document
        return data


class DraftItemsForms:
    """Each drafted item as the admin reviews it, without JSON: keep it or drop it, its name,
    and its rule as the form of its kind (money in 万元, rates in %)."""

    def __init__(self, draft: DocumentDraft, data=None):
        self.draft = draft
        self.data = data
        self.rows: dict[str, dict[str, Any]] = {}
        facts = Fact.declared()
        for measure in (draft.data or {}).get("measures") or []:
            for item in measure.get("items") or []:
                key = item["key"]
                rule = item.get("rule") or {}
                kind = rule.get("kind")
                declared = {
                    **facts,
                    **{i["key"]: i for i in item.get("inputs") or [] if isinstance(i, dict)},
                }
                prefix = f"item-{key}"
                rule_form = None
                if kind in REGISTRY:
                    rule_form = rule_form_class(kind)(
                        data,
                        prefix=f"{prefix}-rule",
                        declared=declared,
                        initial=initial_from_rule(rule),
                    )
                self.rows[key] = {
                    "keep_checked": self.kept(key) if data is not None else True,
                    "keep_name": f"{prefix}-keep",
                    "name_name": f"{prefix}-name",
                    "name": data.get(f"{prefix}-name", item.get("name"))
                    if data
                    else item.get("name"),
                    "rule_form": rule_form,
                }

    def kept(self, key: str) -> bool:
        return self.data is not None and bool(self.data.get(f"item-{key}-keep"))

    def row(self, key: str) -> dict[str, Any]:
        return self.rows.get(key, {})

    def is_valid(self) -> bool:
        results = [
            row["rule_form"].is_valid()
            for key, row in self.rows.items()
            if row["rule_form"] is not None and self.kept(key)
        ]
        return all(results)

    def errors(self) -> list[str]:
        messages = []
        for key, row in self.rows.items():
            form = row["rule_form"]
            if form is not None and self.kept(key) and form.errors:
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else ""
                    messages += [f"{key} {label}：{e}" for e in errors]
        return messages

    def edited(self) -> dict[str, Any]:
        """The draft with the items dropped, renamed and their rules as edited; each kept money
        item's draft golden case computed again from its rule."""
        data = json.loads(json.dumps(self.draft.data))
        document = data.get("document") or {}
        published = document.get("published_on")
        on = datetime.date.fromisoformat(published) if published else datetime.date(2000, 1, 1)
        for measure in data.get("measures") or []:
            kept = []
            for item in measure.get("items") or []:
                key = item["key"]
                if key in self.rows and not self.kept(key):
                    continue
                row = self.rows.get(key)
                if row is not None:
                    name = (self.data.get(row["name_name"]) or "").strip()
                    if name:
                        item["name"] = name[:200]
                    if row["rule_form"] is not None:
                        item["rule"] = row["rule_form"].to_rule()
                        item["golden"] = drafting.golden_cases_for(item, document, on)
                kept.append(item)
            measure["items"] = kept
        return data


def _units(names: list[str], resolved: dict[str, str]) -> list[dict[str, Any]]:
    return [{"name": name, "bureau": resolved.get(name)} for name in names or []]


def draft_review(draft: DocumentDraft) -> dict[str, Any]:
    """The draft in words for the review page."""
    data = draft.data or {}
    _data, unresolved, resolved = services.draft_bureaus_resolve(data=data, region=draft.region)
    measures = []
    for measure in data.get("measures") or []:
        items = []
        for item in measure.get("items") or []:
            declared = {i["key"]: i for i in item.get("inputs") or [] if isinstance(i, dict)}
            rule = item.get("rule") or {}
            problems = validate_rule(rule, declared=declared)
            kind = REGISTRY.get(rule.get("kind"))
            items.append(
                {
                    "key": item.get("key"),
                    "item": item,
                    "kind": kind.label if kind else rule.get("kind"),
                    "rule": "; ".join(problems)
                    if problems
                    else describe_rule(rule, declared=declared),
                    "rule_ok": not problems,
                }
            )
        measures.append(
            {
                "measure": measure,
                "items": items,
                "units": [
                    {"role": label, "names": _units(measure.get(role), resolved)}
                    for role, label in ROLE_LABELS.items()
                    if measure.get(role)
                ],
            }
        )
    annex = [
        {
            "row": row,
            "layout": LAYOUT_LABELS.get(row.get("layout"), row.get("layout")),
            "units": [
                {"role": label, "names": _units(row.get(role), resolved)}
                for role, label in ROLE_LABELS.items()
                if row.get(role)
            ],
        }
        for row in data.get("annex") or []
    ]
    return {
        "document": data.get("document") or {},
        "measures": measures,
        "annex": annex,
        "unresolved": unresolved,
        "item_count": sum(len(m["items"]) for m in measures),
    }


@admin.register(DocumentDraft)
class DocumentDraftAdmin(admin.ModelAdmin):
    list_display = ["__str__", "region", "file_name", "created_at", "created_by", "published_at"]
    list_filter = ["region", "published_at"]
    list_select_related = ["region", "created_by"]
    search_fields = ["file_name", "source_text"]
    date_hierarchy = "created_at"

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DraftUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            drafts = services.draft_create(
                region=form.cleaned_data["region"],
                text=form.cleaned_data["text"],
                file_name=form.cleaned_data["file_name"],
                by=request.user,
            )
            messages.success(
                request,
                gettext("%(count)d draft(s) made from the text. Nothing is live until published.")
                % {"count": len(drafts)},
            )
            if len(drafts) == 1:
                return redirect("admin:incentives_documentdraft_change", drafts[0].pk)
            return redirect("admin:incentives_documentdraft_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Draft a document from its text"),
        }
        return TemplateResponse(request, "admin/incentives/documentdraft/add.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        draft = get_object_or_404(
            DocumentDraft.objects.select_related("region", "published_document"), pk=object_id
        )
        if not self.has_view_permission(request, draft):
            raise PermissionDenied
        form = DraftEditForm.for_draft(draft)
        items_forms = DraftItemsForms(draft)
        problems: list[str] = []
        if request.method == "POST" and "_save_items" in request.POST:
            if not self.has_change_permission(request, draft):
                raise PermissionDenied
            items_forms = DraftItemsForms(draft, request.POST)
            if items_forms.is_valid():
                try:
                    services.draft_save(draft=draft, data=items_forms.edited())
                except services.CatalogueError as error:
                    problems = error.problems
                else:
                    messages.success(request, gettext("The draft is saved."))
                    return redirect(request.path)
            else:
                problems = items_forms.errors()
        elif request.method == "POST":
            if not self.has_change_permission(request, draft):
                raise PermissionDenied
            try:
                if "_publish" in request.POST:
                    document = services.draft_publish(draft=draft, by=request.user)
                    messages.success(
                        request,
                        gettext("Published: %(title)s is in the catalogue.")
                        % {"title": document.title},
                    )
                    return redirect("admin:incentives_policydocument_change", document.pk)
                form = DraftEditForm(request.POST)
                if form.is_valid():
                    services.draft_save(draft=draft, data=form.edited())
                    messages.success(request, gettext("The draft is saved."))
                    return redirect(request.path)
            except services.CatalogueError as error:
                problems = error.problems
                draft.refresh_from_db()
        if not problems and not draft.published_at:
            problems = services.draft_problems(draft=draft)
        review = draft_review(draft)
        for entry in review["measures"]:
            for row in entry["items"]:
                row["edit"] = items_forms.row(row["key"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "draft": draft,
            "review": review,
            "form": form,
            "items_forms": items_forms,
            "problems": problems,
            "can_change": self.has_change_permission(request, draft) and not draft.published_at,
            "title": _("Review the draft"),
        }
        return TemplateResponse(request, "admin/incentives/documentdraft/review.html", context)
