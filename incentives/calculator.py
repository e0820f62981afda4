"""The policy calculator (政策计算器): a visitor's answers → facts and claim inputs → every item
whose plan serves a company of the city, evaluated by the same plans as the stored matches
(``incentives/calculation.py``). Nothing is stored.

Money is typed in 万元 and cleaned to yuan exactly (Decimal). Besides a short questionnaire, the
form asks every other fact the city's items in force read (so whatever the result reports as
missing can be answered here) and, under "关于您的计划", every claim input their amounts or
conditions read (the contract amount, the premium…), so those items give a figure.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incentives import selectors, services
from incentives.calculation import (
    CalculatedMatch,
    CalculationTotal,
    ClaimQuestion,
    breakdown_phrase,
    calculate,
    calculation_total,
    claim_questions,
    estimate_phrase,
    facts_asked,
    plans_in_force,
)
from incentives.presentation import MatchGroup, group_results
from incentives.rules import CENT, TEN_THOUSAND
from organisations.models import Region
from portal import clock

__all__ = [
    "CalculatedMatch",
    "CalculatorForm",
    "CalculatorResult",
    "answers_to_facts",
    "calculate",
    "calculator_result",
]

LEVELS = [
    ("none", _("None")),
    ("city", _("City")),
    ("provincial", _("Provincial")),
    ("national", _("National")),
]
PLATFORMS = [
    ("key_lab_level", _("Key laboratory")),
    ("tech_innovation_center_level", _("Technology innovation centre")),
    ("engineering_research_center_level", _("Engineering research centre")),
    ("enterprise_tech_center_level", _("Enterprise technology centre")),
    ("industrial_tech_institute_level", _("Industrial technology institute")),
    ("incubator_level", _("Technology business incubator")),
]
HITECH = [
    ("none", _("Not recognised")),
    ("new", _("Recognised for the first time within the last year")),
    ("renewal", _("Renewed within the last year")),
    ("held", _("Holds a valid certificate from earlier years")),
]
TECH_SME = [
    ("none", _("Not registered")),
    ("provincial_new", _("Provincial, newly registered this year")),
    ("provincial_renewal", _("Provincial, registered again this year")),
    ("national_new", _("National, newly registered this year")),
]


# 10 billion 万元 (10^14 yuan): more than any figure a claim can hold, far below what breaks a
# Decimal or a database column.
MAX_WAN = Decimal("10000000000")
MAX_COUNT = 1_000_000_000


def _in_wan(label) -> str:
    return gettext("%(label)s (10,000 yuan)") % {"label": label}


# Lazy: the label is worded in the language of the request, not of the import.
in_wan = lazy(_in_wan, str)


class WanField(forms.DecimalField):
    """Money typed in 万元 ("3000", "3,000", "3000万") and cleaned to yuan, exactly."""

    def __init__(self, *, label, **kwargs):
        super().__init__(
            label=in_wan(label),
            required=False,
            min_value=0,
            max_value=MAX_WAN,
            max_digits=17,
            decimal_places=6,  # 0.000001 万元 is one fen
            widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "万元"}),
            **kwargs,
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace("，", "").replace(" ", "")
            value = value.removesuffix("元").removesuffix("万")
        return super().to_python(value)

    def clean(self, value):
        wan = super().clean(value)
        return None if wan is None else (wan * TEN_THOUSAND).quantize(CENT)


def money_field(label):
    return WanField(label=label)


def declared_field(declaration: Mapping[str, Any], *, help_text: str = "") -> forms.Field:
    """A form field for a declared fact or claim input: money in 万元, choices as a select,
    yes/no as a select with "unknown", numbers bounded, dates as dates."""
    label = str(declaration.get("label") or declaration.get("key"))
    kind = declaration.get("type")
    common = {"label": label, "required": False, "help_text": help_text}
    if kind == "money":
        return WanField(label=label, help_text=help_text)
    if kind == "int":
        return forms.IntegerField(min_value=0, max_value=MAX_COUNT, **common)
    if kind in ("decimal", "percent"):
        return forms.DecimalField(
            min_value=0, max_value=MAX_COUNT, max_digits=16, decimal_places=4, **common
        )
    if kind == "bool":
        return forms.NullBooleanField(**common)
    if kind == "choice":
        choices = declaration.get("choices") or {}
        if isinstance(choices, Mapping):
            choices = list(choices.items())
        return forms.ChoiceField(choices=[("", "—"), *[(str(k), v) for k, v in choices]], **common)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(max_length=200, **common)


class CalculatorForm(forms.Form):
    """A short questionnaire, then a field for every other fact the chosen city's items in force
    read (``fact_<key>``) and for every claim input they read (``claim_<key>``, "关于您的计划").
    Every answer is optional: what is left out reads as unknown, a claim input left out is left
    to the claim (the item answers with a formula)."""

    city = forms.ModelChoiceField(label=_("City"), queryset=None, empty_label=None)
    scale = forms.ChoiceField(
        label=_("Scale"),
        required=False,
        choices=[
            ("", "—"),
            ("large", _("Large")),
            ("medium", _("Medium")),
            ("small", _("Small")),
            ("micro", _("Micro")),
        ],
    )
    is_above_scale = forms.NullBooleanField(label=_("Above designated size (规上)"), required=False)
    hitech = forms.ChoiceField(
        label=_("High-tech enterprise"), choices=HITECH, initial="none", required=False
    )
    tech_sme = forms.ChoiceField(
        label=_("Technology-based SME"), choices=TECH_SME, initial="none", required=False
    )
    tech_leader = forms.BooleanField(label=_("Technology leading enterprise"), required=False)
    specialized_sme_level = forms.ChoiceField(
        label=_("Specialised and innovative SME"),
        choices=[
            ("none", _("None")),
            ("provincial", _("Provincial")),
            ("national", _("National “little giant”")),
        ],
        initial="none",
        required=False,
    )
    revenue = money_field(_("Operating revenue last year"))
    rd_expense = money_field(_("R&D expenditure last year"))
    rd_expense_before = money_field(_("R&D expenditure the year before"))
    tech_contract_turnover = money_field(_("Technology contract turnover last year"))
    invention_patents_granted = forms.IntegerField(
        label=_("Invention patents granted last year"),
        required=False,
        min_value=0,
        max_value=100000,
    )

    def __init__(self, *args, on: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = on or clock.today()
        cities = selectors.cities_with_documents().exclude(name="示例市")
        self.fields["city"].queryset = cities
        for key, label in PLATFORMS:
            self.fields[key] = forms.ChoiceField(
                label=label, choices=LEVELS, initial="none", required=False
            )
        self.asked_for = self._city_asked(cities)
        self.basic_fields = list(self.fields)
        self.fact_fields: dict[str, str] = {}  # fact key → field name
        self.questions: list[ClaimQuestion] = []
        if self.asked_for is not None:
            self._add_fact_fields(self.asked_for)
            self._add_claim_fields(self.asked_for)

    def _city_asked(self, cities) -> Region | None:
        """The city whose items the extra questions are for: the one chosen, else the first."""
        raw = self.data.get("city") if self.is_bound else None
        if isinstance(raw, str) and raw.isascii() and raw.isdecimal() and len(raw) < 12:
            chosen = cities.filter(pk=int(raw)).first()
            if chosen is not None:
                return chosen
        return cities.first()

    def _add_fact_fields(self, city: Region) -> None:
        declared: dict[str, Mapping[str, Any]] = {}
        for plan in plans_in_force(city=city, on=self.on):
            declared.update(plan.spec.declared)
        for key in facts_asked(city=city, on=self.on):
            if key in ANSWERED or key not in declared:
                continue
            name = f"fact_{key}"
            self.fields[name] = declared_field(declared[key])
            self.fact_fields[key] = name

    def _add_claim_fields(self, city: Region) -> None:
        self.questions = claim_questions(city=city, on=self.on)
        for question in self.questions:
            used_by = _("For: %(items)s") % {"items": "、".join(question.item_names)}
            self.fields[question.name] = declared_field(
                {
                    "key": question.key,
                    "label": question.label,
                    "type": question.type,
                    "choices": list(question.choices),
                },
                help_text=used_by,
            )

    # What the answers say ----------------------------------------------------------------------

    def facts(self, on: datetime.date | None = None) -> dict[str, Any]:
        facts = answers_to_facts(self.cleaned_data, on=on or self.on)
        for key, name in self.fact_fields.items():
            value = self.cleaned_data.get(name)
            if value is not None and value != "":
                facts[key] = value
        return facts

    def item_claims(self) -> dict[str, dict[str, Any]]:
        """The claim inputs given, by item key (``calculation.calculate``'s ``item_claims``)."""
        claims: dict[str, dict[str, Any]] = {}
        for question in self.questions:
            value = self.cleaned_data.get(question.name)
            if value is None or value == "":
                continue
            for item_key in question.item_keys:
                claims.setdefault(item_key, {})[question.key] = value
        return claims

    def field_for(self, *, key: str, item_key: str | None = None) -> str | None:
        """The name of the field that answers a fact (or, with ``item_key``, an item's claim
        input): where the result sends a visitor to give what is missing."""
        if item_key is not None:
            for question in self.questions:
                if question.key == key and item_key in question.item_keys:
                    return question.name
            return None
        return FIELD_OF_FACT.get(key) or self.fact_fields.get(key)

    @property
    def sections(self) -> list[tuple[str, str, list]]:
        """(title, introduction, bound fields) for the template, the questionnaire first."""
        fact_names = list(self.fact_fields.values())
        claim_names = [q.name for q in self.questions]
        sections = [("", "", [self[name] for name in self.basic_fields])]
        if fact_names:
            sections.append(
                (
                    _("More about your enterprise"),
                    _("Other facts the policies of this city ask about."),
                    [self[name] for name in fact_names],
                )
            )
        if claim_names:
            sections.append(
                (
                    _("More about your plans"),
                    _(
                        "Where an award depends on your project — a contract, a premium, a "
                        "grant — give its figure and the item shows how much."
                    ),
                    [self[name] for name in claim_names],
                )
            )
        return sections


# The facts the questionnaire answers (``answers_to_facts``), and the field that answers each.
FIELD_OF_FACT = {
    "scale": "scale",
    "is_above_scale": "is_above_scale",
    "tech_leader": "tech_leader",
    "specialized_sme_level": "specialized_sme_level",
    "hitech_valid": "hitech",
    "hitech_certification_kind": "hitech",
    "hitech_certified_on": "hitech",
    "tech_sme_level": "tech_sme",
    "tech_sme_certification_kind": "tech_sme",
    "tech_sme_registered_on": "tech_sme",
    "revenue": "revenue",
    "rd_expense": "rd_expense",
    "rd_expense_increase": "rd_expense_before",
    "rd_expense_ratio": "revenue",
    "tech_contract_turnover": "tech_contract_turnover",
    "invention_patents_granted": "invention_patents_granted",
    **{key: key for key, _label in PLATFORMS},
}
ANSWERED = frozenset({"city", *FIELD_OF_FACT})


def answers_to_facts(answers: dict[str, Any], *, on: datetime.date) -> dict[str, Any]:
    """The questionnaire's answers as profile facts."""
    recently = on - datetime.timedelta(days=30)
    facts: dict[str, Any] = {
        "city": answers["city"].name,
        "scale": answers.get("scale") or None,
        "is_above_scale": answers.get("is_above_scale"),
        "tech_leader": bool(answers.get("tech_leader")),
        "specialized_sme_level": answers.get("specialized_sme_level") or "none",
    }
    hitech = answers.get("hitech") or "none"
    facts["hitech_valid"] = hitech != "none"
    facts["hitech_certification_kind"] = {"new": "new", "renewal": "renewal", "held": "new"}.get(
        hitech, "none"
    )
    if hitech in ("new", "renewal"):
        facts["hitech_certified_on"] = recently
    elif hitech == "held":
        facts["hitech_certified_on"] = on - datetime.timedelta(days=500)
    tech_sme = answers.get("tech_sme") or "none"
    facts["tech_sme_level"] = tech_sme.split("_")[0] if tech_sme != "none" else "none"
    facts["tech_sme_certification_kind"] = tech_sme.split("_")[1] if tech_sme != "none" else "none"
    if tech_sme != "none":
        facts["tech_sme_registered_on"] = recently
    for key, _label in PLATFORMS:
        facts[key] = answers.get(key) or "none"
    for key in ("revenue", "rd_expense", "tech_contract_turnover", "invention_patents_granted"):
        if answers.get(key) is not None:
            facts[key] = answers[key]
    if answers.get("rd_expense") is not None and answers.get("rd_expense_before") is not None:
        facts["rd_expense_increase"] = answers["rd_expense"] - answers["rd_expense_before"]
    if answers.get("rd_expense") is not None and answers.get("revenue"):
        facts["rd_expense_ratio"] = (
            Decimal(answers["rd_expense"]) * 100 / answers["revenue"]
        ).quantize(Decimal("0.0001"))
    return facts


# ---------------------------------------------------------------------------------------------
# The result as the page shows it
# ---------------------------------------------------------------------------------------------


@dataclass
class CalculatorResult:
    groups: list[MatchGroup]
    total: CalculationTotal


def calculator_result(*, form: CalculatorForm) -> CalculatorResult:
    """The valid form's answers evaluated, grouped by verdict, each row with its estimate in one
    phrase and, for what is missing, the field of this form that answers it."""
    results = calculate(
        city=form.cleaned_data["city"],
        facts=form.facts(),
        on=form.on,
        item_claims=form.item_claims(),
    )
    groups = group_results(results, facts_declared=services.facts_declared())
    for group in groups:
        for row in group.rows:
            row.estimate_display = estimate_phrase(row)
            row.breakdown_display = breakdown_phrase(row)
            row.missing_fields = [
                (label, form.field_for(key=key))
                for key, label in zip(row.missing, row.missing_labels, strict=False)
            ]
            inputs = {i.get("key"): i for i in row.item.inputs or [] if isinstance(i, Mapping)}
            row.claim_fields = [
                (
                    str((inputs.get(key) or {}).get("label") or key),
                    form.field_for(key=key, item_key=row.item.key),
                )
                for key in row.claim_missing
            ]
    return CalculatorResult(groups=groups, total=calculation_total(results))
