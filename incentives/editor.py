"""The rule editor's forms (issue 14): an item's award rule as the form of its kind (generated
from the registry, ``rule_forms``), its conditions as rows — the fact chosen by its Chinese label,
the operator in words, the value in a widget of the fact's type — its limits in 万元, and the
texts that state its figures. ``EditorForms`` binds them all and gives a ``proposals.Edit``."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incentives import proposals, specs
from incentives.engine import NO_VALUE_OPERATORS, OPERATORS, to_date, validate_condition
from incentives.models import Condition, Fact, IncentiveItem
from incentives.rule_forms import (
    initial_from_rule,
    rule_form_class,
    wan_to_yuan,
    yuan_to_wan,
)
from incentives.rules import REGISTRY, to_decimal
from portal import clock

OPERATOR_WORDS = {
    "eq": gettext_lazy("equals"),
    "ne": gettext_lazy("does not equal"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "gt": gettext_lazy("above"),
    "gte": gettext_lazy("at least"),
    "lt": gettext_lazy("below"),
    "lte": gettext_lazy("at most"),
    "is_true": gettext_lazy("is yes"),
    "is_false": gettext_lazy("is no"),
    "within_days": gettext_lazy("within N days before the evaluation date"),
}
assert set(OPERATOR_WORDS) == set(OPERATORS)  # noqa: S101 — a new operator needs its words

# Which operators make sense for each type of fact (the engine refuses the others).
OPERATORS_FOR_TYPE = {
    "bool": ("is_true", "is_false", "eq"),
    "choice": ("eq", "ne", "in", "not_in"),
    "date": ("within_days", "gte", "lte", "gt", "lt"),
    "text": ("eq", "ne", "in", "not_in"),
    "int": ("gte", "lte", "gt", "lt", "eq", "ne", "in", "not_in"),
}
NUMBER_OPERATORS = ("gte", "lte", "gt", "lt", "eq", "ne")


def operators_for(kind: str | None) -> tuple[str, ...]:
    return OPERATORS_FOR_TYPE.get(kind or "", NUMBER_OPERATORS if kind else OPERATORS)


def wan_field(label, **options) -> forms.DecimalField:
    return forms.DecimalField(label=f"{label}（万元）", max_digits=20, decimal_places=6, **options)


class ConditionForm(forms.Form):
    """One condition: group, fact, operator in words, value in a widget of the fact's type.
    The value field is chosen from the fact and operator the form is bound to (or starts with)."""

    group = forms.ChoiceField(label=gettext_lazy("group"), choices=Condition.Group.choices)
    fact = forms.ChoiceField(label=gettext_lazy("fact"))
    op = forms.ChoiceField(label=gettext_lazy("operator"))

    def __init__(self, *args, declared: Mapping[str, Mapping[str, Any]], **kwargs):
        super().__init__(*args, **kwargs)
        self.declared = declared
        labelled = sorted(
            ((key, str(d.get("label") or key)) for key, d in declared.items()),
            key=lambda pair: pair[1],
        )
        self.fields["fact"].choices = [("", "---------"), *labelled]
        self.fields["fact"].widget.attrs["class"] = "fact-select"
        self.fact_key = self.current("fact")
        self.declaration = declared.get(self.fact_key or "") or {}
        kind = self.declaration.get("type")
        allowed = operators_for(kind)
        self.fields["op"].choices = [(op, OPERATOR_WORDS[op]) for op in allowed]
        op = self.current("op")
        self.op = op if op in allowed else allowed[0]
        self.fields["value"] = self.value_field(kind, self.op)
        self.fields["value"].required = False

    def current(self, name: str) -> str | None:
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        return self.initial.get(name)

    def value_field(self, kind: str | None, op: str) -> forms.Field:
        label = _("value")
        if op in NO_VALUE_OPERATORS:
            return forms.CharField(widget=forms.HiddenInput, required=False)
        if op == "within_days":
            return forms.IntegerField(label=_("days"), min_value=1)
        choices = list((self.declaration.get("choices") or {}).items())
        if kind == "choice" and op in ("in", "not_in"):
            return forms.MultipleChoiceField(
                label=label, choices=choices, widget=forms.CheckboxSelectMultiple
            )
        if kind == "choice":
            return forms.ChoiceField(label=label, choices=[("", "---------"), *choices])
        if kind == "bool":
            return forms.TypedChoiceField(
                label=label,
                choices=[("true", _("yes")), ("false", _("no"))],
                coerce=lambda v: v == "true",
            )
        if kind == "date":
            return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}))
        if op in ("in", "not_in"):
            return forms.CharField(label=label, help_text=_("separate the values with commas"))
        if kind == "money":
            return wan_field(label)
        if kind == "int":
            return forms.IntegerField(label=label)
        if kind in ("decimal", "percent"):
            unit = "%" if kind == "percent" else self.declaration.get("unit") or ""
            return forms.DecimalField(label=f"{label}（{unit}）" if unit else label)
        return forms.CharField(label=label)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("fact"):
            return cleaned
        if self.op not in NO_VALUE_OPERATORS and cleaned.get("value") in (None, "", []):
            self.add_error("value", _("Give the value the condition compares with."))
        elif not self.errors:
            condition = self.to_condition()
            for problem in validate_condition(condition, declared=self.declared):
                self.add_error(None, problem)
        return cleaned

    def to_condition(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = self.declaration.get("type")
        value = data.get("value")
        if self.op in NO_VALUE_OPERATORS:
            value = None
        elif self.op in ("in", "not_in") and isinstance(value, str):
            parts = [p.strip() for p in value.replace("，", ",").split(",") if p.strip()]
            value = [int(p) if kind == "int" and p.lstrip("-").isdigit() else p for p in parts]
        elif kind == "money" and isinstance(value, Decimal):
            value = wan_to_yuan(value)
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        return {"group": data["group"], "fact": data["fact"], "op": self.op, "value": value}


def condition_initial(condition: Mapping[str, Any], declared: Mapping[str, dict]) -> dict:
    kind = (declared.get(condition["fact"]) or {}).get("type")
    value = condition.get("value")
    if condition["op"] in ("in", "not_in") and kind != "choice" and isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    elif kind == "money" and condition["op"] not in ("in", "not_in"):
        value = yuan_to_wan(value)
    elif kind == "date" and condition["op"] != "within_days":
        value = to_date(value)
    elif kind == "bool" and isinstance(value, bool):
        value = "true" if value else "false"
    return {
        "group": condition.get("group", "all"),
        "fact": condition["fact"],
        "op": condition["op"],
        "value": value,
    }


ConditionFormSet = formset_factory(ConditionForm, extra=0, can_delete=True)


class ItemChangeForm(forms.Form):
    """The kind of rule, the limits, the texts, the date and the reason."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind of award"))
    effective_on = forms.DateField(
        label=gettext_lazy("Takes effect on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "The rule in effect then ends the day before; another admin approves first."
        ),
    )
    yearly_budget = wan_field(gettext_lazy("Yearly budget"), required=False)
    budget_basis = forms.CharField(
        label=gettext_lazy("Where the budget comes from"), required=False, max_length=200
    )
    second_review_above = wan_field(
        gettext_lazy("Approvals above this need a second head"), required=False
    )
    summary = forms.CharField(
        label=gettext_lazy("summary"), widget=forms.Textarea(attrs={"rows": 2})
    )
    quote = forms.CharField(label=gettext_lazy("quote"), required=False, max_length=200)
    text_kept_reason = forms.CharField(
        label=gettext_lazy("Why the text keeps the old figure"), required=False, max_length=300
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change (修改原因)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(name, kind.label) for name, kind in REGISTRY.items()]

    def clean_effective_on(self):
        value = self.cleaned_data["effective_on"]
        if value < clock.today():
            raise forms.ValidationError(_("A change takes effect today or later, not in the past."))
        return value


class EditorForms:
    """All the editor's forms, bound to a POST or started from the item as it is."""

    def __init__(self, item: IncentiveItem, data: Mapping[str, Any] | None = None):
        self.item = item
        self.declared = specs.item_declared(item=item, facts=Fact.declared())
        today = clock.today()
        state = proposals.money_state(item, today)
        rule = state["rule"]
        self.data = data
        if data is None:
            self.change = ItemChangeForm(
                initial={
                    "kind": rule["kind"] if rule else "fixed",
                    "effective_on": today,
                    "yearly_budget": yuan_to_wan(state["yearly_budget"]),
                    "budget_basis": state["budget_basis"],
                    "second_review_above": yuan_to_wan(state["second_review_above"]),
                    "summary": state["summary"],
                    "quote": state["quote"],
                }
            )
            kind = self.change.initial["kind"]
            self.rule = rule_form_class(kind)(
                prefix="rule",
                declared=self.declared,
                initial=initial_from_rule(rule) if rule and rule["kind"] == kind else {},
            )
            self.conditions = ConditionFormSet(
                prefix="conditions",
                initial=[condition_initial(c, self.declared) for c in state["conditions"]],
                form_kwargs={"declared": self.declared},
            )
            self.confirmed: set[int] = set()
        else:
            self.change = ItemChangeForm(data)
            kind = data.get("kind")
            if kind not in REGISTRY:
                kind = rule["kind"] if rule else "fixed"
            self.rule = rule_form_class(kind)(data, prefix="rule", declared=self.declared)
            self.conditions = ConditionFormSet(
                with_added_row(data) if data.get("add_condition") else data,
                prefix="conditions",
                form_kwargs={"declared": self.declared},
            )
            self.confirmed = {int(v) for v in data.getlist("confirm") if str(v).isdigit()}
        self.kind = kind

    def is_valid(self) -> bool:
        # Every form is validated, so each shows its errors.
        results = [self.change.is_valid(), self.rule.is_valid(), self.conditions.is_valid()]
        return all(results)

    def edit(self) -> proposals.Edit:
        data = self.change.cleaned_data
        conditions = [
            form.to_condition()
            for form in self.conditions.forms
            if form.cleaned_data.get("fact") and not form.cleaned_data.get("DELETE")
        ]
        return proposals.Edit(
            rule=self.rule.to_rule(),
            conditions=conditions,
            yearly_budget=money_or_none(data.get("yearly_budget")),
            budget_basis=data.get("budget_basis") or "",
            second_review_above=money_or_none(data.get("second_review_above")),
            summary=data["summary"],
            quote=data.get("quote") or "",
            effective_on=data["effective_on"],
            text_kept_reason=data.get("text_kept_reason") or "",
        )

    def edit_as_is(self) -> proposals.Edit:
        """The item as it is, as an edit (what the editor shows before anything is typed)."""
        state = proposals.money_state(self.item, clock.today())
        return proposals.Edit(
            rule=state["rule"],
            conditions=state["conditions"],
            yearly_budget=to_decimal(state["yearly_budget"]),
            budget_basis=state["budget_basis"],
            second_review_above=to_decimal(state["second_review_above"]),
            summary=state["summary"],
            quote=state["quote"],
            effective_on=clock.today(),
        )

    @property
    def reason(self) -> str:
        return (self.change.cleaned_data.get("reason") or "") if self.change.is_bound else ""

    def errors(self) -> list[str]:
        """Every error of the forms in one list (for the preview pane)."""
        messages = []
        for form in (self.change, self.rule, *self.conditions.forms):
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                messages += [f"{label}：{e}" if label else str(e) for e in errors]
        messages += [str(e) for e in self.conditions.non_form_errors()]
        return messages


def money_or_none(wan: Decimal | None) -> Decimal | None:
    return None if wan is None else to_decimal(wan_to_yuan(wan))


def with_added_row(data):
    """The POST with one more (empty) condition row."""
    data = data.copy()
    key = "conditions-TOTAL_FORMS"
    count = data.get(key) or "0"
    if count.isdigit():  # otherwise the formset says the form was tampered with
        data[key] = str(int(count) + 1)
    return data
