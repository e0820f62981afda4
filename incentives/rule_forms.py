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
        # Edited as rows (``STEP_FIELDS``), not as this field: see ``rule_form_class``.
        return forms.CharField(widget=forms.HiddenInput, required=False, label=options["label"])
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


# A schedule's steps as rows: the years, and each year's rule of one of the simple kinds, its
# figures in 万元 and per cent — no JSON.
STEP_ROWS = 6
STEP_KINDS = (
    ("fixed", gettext_lazy("Fixed amount")),
    ("range", gettext_lazy("Between two amounts, decided in review")),
    ("cap_only", gettext_lazy("Only a maximum")),
    ("rate", gettext_lazy("Share of an amount")),
)
STEP_FIELDS = ("years", "kind", "amount", "max", "rate", "base", "cap")


def step_fields(row: int) -> dict[str, forms.Field]:
    money = {"required": False, "max_digits": 20, "decimal_places": 6}
    return {
        f"step{row}_years": forms.CharField(
            label=_lazy_step_label(row, gettext_lazy("years")),
            required=False,
            max_length=40,
            help_text=gettext_lazy("e.g. 1, or 2-4"),
        ),
        f"step{row}_kind": forms.ChoiceField(
            label=gettext_lazy("how"), choices=[("", "---------"), *STEP_KINDS], required=False
        ),
        f"step{row}_amount": forms.DecimalField(
            label=gettext_lazy("amount, or at least（万元）"), **money
        ),
        f"step{row}_max": forms.DecimalField(label=gettext_lazy("at most（万元）"), **money),
        f"step{row}_rate": forms.DecimalField(
            label=gettext_lazy("rate（%）"), required=False, max_digits=12, decimal_places=8
        ),
        f"step{row}_base": forms.CharField(
            label=gettext_lazy("of (fact or input)"), required=False, max_length=100
        ),
        f"step{row}_cap": forms.DecimalField(label=gettext_lazy("cap（万元）"), **money),
    }


def _lazy_step_label(row: int, label):
    return format_lazy("{} {}", row + 1, label)


def parse_years(text: str) -> list[int]:
    """ "1" → [1]; "2-4" → [2, 3, 4]; "1, 3" → [1, 3]."""
    years: list[int] = []
    for part in text.replace("，", ",").replace("、", ",").replace("～", "-").split(","):
        part = part.strip().removeprefix("第").removesuffix("年")
        if not part:
            continue
        low, sep, high = part.partition("-")
        if not low.strip().isdigit() or (sep and not high.strip().isdigit()):
            raise forms.ValidationError(
                _("write the years as 1, or 2-4: %(text)s") % {"text": text}
            )
        first, last = int(low), int(high) if sep else int(low)
        if first < 1 or last < first:
            raise forms.ValidationError(
                _("write the years as 1, or 2-4: %(text)s") % {"text": text}
            )
        years += list(range(first, last + 1))
    return years


def years_text(years: list[int]) -> str:
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(str(year) for year in years)


def step_rule(values: Mapping[str, Any]) -> dict[str, Any] | None:
    """One row's rule, from its cleaned values (None for an empty row)."""
    kind = values.get("kind")
    if not kind:
        return None
    rule: dict[str, Any] = {"kind": kind}
    if kind == "fixed" and values.get("amount") is not None:
        rule["amount"] = wan_to_yuan(values["amount"])
    if kind == "range":
        if values.get("amount") is not None:
            rule["min"] = wan_to_yuan(values["amount"])
        if values.get("max") is not None:
            rule["max"] = wan_to_yuan(values["max"])
    if kind == "cap_only" and values.get("max") is not None:
        rule["max"] = wan_to_yuan(values["max"])
    if kind == "rate":
        if values.get("base"):
            rule["base"] = values["base"]
        if values.get("rate") is not None:
            rule["rate"] = percent_to_fraction(values["rate"])
        if values.get("cap") is not None:
            rule["cap"] = wan_to_yuan(values["cap"])
    return rule


def step_initial(row: int, step: Mapping[str, Any]) -> dict[str, Any]:
    rule = step.get("rule") or {}
    kind = rule.get("kind")
    values: dict[str, Any] = {"years": years_text(list(step.get("years") or [])), "kind": kind}
    if kind == "fixed":
        values["amount"] = yuan_to_wan(rule.get("amount"))
    elif kind == "range":
        values["amount"] = yuan_to_wan(rule.get("min"))
        values["max"] = yuan_to_wan(rule.get("max"))
    elif kind == "cap_only":
        values["max"] = yuan_to_wan(rule.get("max"))
    elif kind == "rate":
        values["base"] = rule.get("base")
        values["rate"] = fraction_to_percent(rule.get("rate"))
        values["cap"] = yuan_to_wan(rule.get("cap"))
    return {f"step{row}_{name}": value for name, value in values.items() if value is not None}


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
        for row in range(STEP_ROWS if self.has_steps else 0):
            name = f"step{row}_base"
            self.fields[name] = forms.ChoiceField(
                choices=keys, label=self.fields[name].label, required=False
            )

    @property
    def has_steps(self) -> bool:
        return any(spec.type == "year_steps" for spec in self.specs)

    @property
    def step_rows(self) -> list[list[forms.BoundField]]:
        """The schedule's rows of bound fields, for the editor's table."""
        if not self.has_steps:
            return []
        return [[self[f"step{row}_{name}"] for name in STEP_FIELDS] for row in range(STEP_ROWS)]

    @property
    def plain_fields(self) -> list[forms.BoundField]:
        """The fields shown one a line (all but the step rows and the hidden steps field)."""
        return [
            self[name]
            for name in self.fields
            if not name.startswith("step") or (name == "steps" and not self.has_steps)
        ]

    def steps_from_rows(self) -> list[dict[str, Any]]:
        steps = []
        for row in range(STEP_ROWS):
            values = {
                name: self.cleaned_data.get(f"step{row}_{name}")
                for name in STEP_FIELDS
                if name != "years"
            }
            text = self.data.get(self.add_prefix(f"step{row}_years"), "") if self.is_bound else ""
            rule = step_rule(values)
            if not (text or "").strip() and rule is None:
                continue
            if rule is None:
                raise forms.ValidationError(
                    _("say how the years %(years)s are supported") % {"years": text}
                )
            steps.append({"years": parse_years(text or ""), "rule": rule})
        if not steps:
            raise forms.ValidationError(_("give the rule of at least one year"))
        return steps

    def clean(self):
        cleaned = super().clean()
        if self.has_steps and not self.errors:
            try:
                cleaned["steps"] = self.steps_from_rows()
            except forms.ValidationError as error:
                self.add_error(None, error)
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
    if any(spec.type == "year_steps" for spec in specs):
        for row in range(STEP_ROWS):
            attrs.update(step_fields(row))
    name = "".join(part.title() for part in kind.split("_")) + "RuleForm"
    return type(name, (RuleForm,), attrs)


def initial_from_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """Initial values for the form of the rule's kind, to edit it (money in 万元)."""
    initial = {}
    for spec in editor_fields(rule["kind"]):
        value = rule.get(spec.name)
        if value is None:
            continue
        if spec.type == "year_steps" and isinstance(value, list):
            for row, step in enumerate(value[:STEP_ROWS]):
                initial.update(step_initial(row, step))
        else:
            initial[spec.name] = to_initial(spec, value)
    return initial
