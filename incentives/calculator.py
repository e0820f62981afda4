"""The policy calculator (政策计算器): a visitor's answers → facts → every item whose plan serves a
company of the city, evaluated by the same plans as the stored matches. Nothing is stored."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from incentives import plans, selectors
from incentives.models import IncentiveItem
from organisations.models import Region

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


def money_field(label):
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
        help_text=_("yuan"),
    )


class CalculatorForm(forms.Form):
    """A short questionnaire; every answer is optional: what is left out reads as unknown."""

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = selectors.cities_with_documents().exclude(name="示例市")
        for key, label in PLATFORMS:
            self.fields[key] = forms.ChoiceField(
                label=label, choices=LEVELS, initial="none", required=False
            )

    def facts(self, on: datetime.date) -> dict[str, Any]:
        return answers_to_facts(self.cleaned_data, on=on)


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


@dataclass
class CalculatedMatch:
    """A computed (not stored) match, shaped like ``Match`` for the same templates."""

    item: IncentiveItem
    status: str
    estimate_kind: str = ""
    amount: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    breakdown: str = ""
    reasons: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def calculate(*, city: Region, facts: dict[str, Any], on: datetime.date) -> list[CalculatedMatch]:
    """Every item a company of the city may claim, for the visitor's facts. The plans are built
    once per catalogue version in each process (a visitor's facts change per request, the
    catalogue does not)."""
    results = []
    for plan in plans.catalogue().serving(city_id=city.pk, kind=plans.COMPANY):
        verdict = plan.evaluate(facts, on=on)
        estimate = verdict.estimate
        results.append(
            CalculatedMatch(
                item=plan.item,
                status=verdict.verdict,
                estimate_kind=estimate.kind if estimate else "",
                amount=estimate.amount if estimate else None,
                minimum=estimate.minimum if estimate else None,
                maximum=estimate.maximum if estimate else None,
                breakdown=estimate.breakdown if estimate else "",
                reasons=verdict.reasons,
                missing=verdict.missing,
                failed=verdict.failed,
            )
        )
    return results
