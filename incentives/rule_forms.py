"""Forms generated from the registry of award-rule kinds: the basis of the admin's rule editor.

``rule_form_class("rate")`` is a Django form with one field per field the kind declares, labelled
in Chinese; money is entered in 万元 and stored in yuan (25 → 250000), a rate in per cent and
stored as a fraction (2 → "0.02"). ``form.to_rule()`` gives
the rule dict exactly as the catalogue files write it; ``initial_from_rule(rule)`` the initial
values to edit an existing one.

    form = rule_form_class("rate")({"base": "contract_amount", "rate": "2", "cap": "100"})
    form.is_valid() and form.to_rule()
    # {"kind": "rate", "base": "contract_amount", "rate": "0.02", "cap": 1000000}
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incentives.rules import CENT, TEN_THOUSAND, RuleField, rule_kind, to_decimal, validate_rule

# Keys any rule may carry that the editor offers (the dates are the AwardRule's own fields).
CLAUSE = RuleField("clause", gettext_lazy("Clause of the document"), "text")
NOTE = RuleField("note", gettext_lazy("Note"), "text")


def wan_to_yuan(wan: Decimal) -> int | str:
    """25 (万元) → 250000; a fraction of a yuan is kept to the cent, as a string."""
    yuan = Decimal(wan) * TEN_THOUSAND
    if yuan == yuan.to_integral_value():
        return int(yuan)
    return str(yuan.quantize(CENT))


def yuan_to_wan(yuan: Any) -> Decimal | None:
    """250000 → 25 (万元); None for what is not a number."""
    number = to_decimal(yuan)
    return None if number is None else plain_decimal(number / TEN_THOUSAND)


def plain_decimal(number: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form: 25.0000 → 25, 1E+1 → 10."""
    return Decimal(format(number.normalize(), "f"))


def decimal_text(number: Decimal) -> str:
    """A rate as the catalogue writes it: Decimal("0.020") → "0.02"."""
    return format(plain_decimal(number), "f")


class LevelAmountsField(forms.CharField):
    """One level a line, its amount in 万元: "national: 500"; the value is {level: yuan}."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value):
        text = super().to_python(value)
        amounts: dict[str, int | str] = {}
        for line in text.splitlines():
            if not line.strip():
                continue
            level, sep, amount = line.replace("：", ":").partition(":")
            number = to_decimal(amount.strip())
            if not sep or not level.strip() or number is None:
                raise forms.ValidationError(
                    _("write one level a line, as “level: amount in 万元”: %(line)s")
                    % {"line": line.strip()}
                )
            amounts[level.strip()] = wan_to_yuan(number)
        return amounts or None


HUNDRED = Decimal(100)


def percent_to_fraction(percent: Decimal) -> str:
    """2 (%) → "0.02", as the catalogue writes a rate."""
    return decimal_text(Decimal(percent) / HUNDRED)


def fraction_to_percent(fraction: Any) -> Decimal | None:
    """ "0.02" → 2 (%); None for what is not a number."""
    number = to_decimal(fraction)
    return None if number is None else plain_decimal(number * HUNDRED)


class RateListField(forms.CharField):
    """Rates in per cent separated by commas: "80, 60, 40"; the value is ["0.8", "0.6", "0.4"]."""

    def to_python(self, value):
        text = super().to_python(value).replace("，", ",")
        rates = []
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            number = to_decimal(part)
            if number is None:
                raise forms.ValidationError(_("“%(value)s” is not a number") % {"value": part})
            rates.append(percent_to_fraction(number))
        return rates or None


def label_with_unit(spec: RuleField):
    return format_lazy("{}（{}）", spec.label, spec.unit) if spec.unit else spec.label


def form_field(spec: RuleField) -> forms.Field:
    """The form field for one declared field of a kind."""
    options = {
        "label": label_with_unit(spec),
        "required": spec.required,
        "help_text": spec.help_text,
    }
    if spec.type == "money":
        return forms.DecimalField(max_digits=20, decimal_places=6, **options)
    if spec.type in ("rate", "ratio"):
        return forms.DecimalField(max_digits=12, decimal_places=8, **options)
    if spec.type == "int":
        return forms.IntegerField(min_value=1, **options)
    if spec.type == "bool":
        return forms.BooleanField(**{**options, "required": False})
    if spec.type == "fact":
        return forms.CharField(max_length=100, **options)
    if spec.type == "text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **options)
    if spec.type == "level_amounts":
        return LevelAmountsField(**options)
    if spec.type == "rate_list":
        return RateListField(**options)
    if spec.type == "year_steps":
        return forms.JSONField(**options)
    raise ValueError(f"no form field for the field type {spec.type!r}")


def to_rule_value(spec: RuleField, value: Any) -> Any:
    """A cleaned form value as the rule writes it (money in yuan)."""
    if spec.type == "money":
        return wan_to_yuan(value)
    if spec.type == "rate":
        return percent_to_fraction(value)
    if spec.type == "ratio":
        return decimal_text(value)
    return value


def to_initial(spec: RuleField, value: Any) -> Any:
    """A rule's value as the form shows it (money in 万元)."""
    if spec.type == "money":
        return yuan_to_wan(value)
    if spec.type == "rate":
        percent = fraction_to_percent(value)
        return value if percent is None else percent
    if spec.type == "ratio":
        number = to_decimal(value)
        return value if number is None else plain_decimal(number)
    if spec.type == "level_amounts" and isinstance(value, Mapping):
        return "\n".join(f"{level}: {yuan_to_wan(amount)}" for level, amount in value.items())
    if spec.type == "rate_list" and isinstance(value, list):
        return ", ".join(str(fraction_to_percent(rate)) for rate in value)
    return value


def editor_fields(kind: str) -> tuple[RuleField, ...]:
    """The kind's own fields, then the clause and note every rule may carry."""
    own = rule_kind(kind).fields
    names = {spec.name for spec in own}
    return own + tuple(spec for spec in (CLAUSE, NOTE) if spec.name not in names)


class RuleForm(forms.Form):
    """Base of the generated forms. With ``declared`` (the item's facts and inputs), a fact
    field offers the declared keys and the whole rule is checked as ``validate_rule`` does."""

    kind: str = ""
    specs: tuple[RuleField, ...] = ()

    def __init__(self, *args, declared: Mapping[str, Mapping[str, Any]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.declared = declared
        if declared is None:
            return
        keys = [("", "---------")] + [
            (key, f"{declaration.get('label') or key} ({key})")
            for key, declaration in declared.items()
        ]
        for spec in self.specs:
            if spec.type == "fact":
                field = self.fields[spec.name]
                self.fields[spec.name] = forms.ChoiceField(
                    choices=keys,
                    label=field.label,
                    required=field.required,
                    help_text=field.help_text,
                )

    def clean(self):
        cleaned = super().clean()
        if self.declared is not None and not self.errors:
            for problem in validate_rule(self.to_rule(), declared=self.declared):
                self.add_error(None, problem)
        return cleaned

    def to_rule(self) -> dict[str, Any]:
        """The rule dict the form describes (call after ``is_valid()``)."""
        rule: dict[str, Any] = {"kind": self.kind}
        for spec in self.specs:
            value = self.cleaned_data.get(spec.name)
            if value is None or value == "" or value is False or value == []:
                continue
            rule[spec.name] = to_rule_value(spec, value)
        return rule


@functools.cache
def rule_form_class(kind: str) -> type[RuleForm]:
    """The form for rules of this kind; KeyError for a kind that is not registered."""
    specs = editor_fields(kind)
    attrs: dict[str, Any] = {"kind": kind, "specs": specs, "__module__": __name__}
    attrs.update({spec.name: form_field(spec) for spec in specs})
    name = "".join(part.title() for part in kind.split("_")) + "RuleForm"
    return type(name, (RuleForm,), attrs)


def initial_from_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """Initial values for the form of the rule's kind, to edit it (money in 万元)."""
    return {
        spec.name: to_initial(spec, rule[spec.name])
        for spec in editor_fields(rule["kind"])
        if rule.get(spec.name) is not None
    }
