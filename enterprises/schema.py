"""The profile's facts, declared once.

Each line names a field of ``Enterprise`` (the basic data) or of ``YearlyFigures`` (one year's
figures) that the enterprise declares and the catalogue's conditions read under the same key.
Everything else comes from the model field: its label (``verbose_name``, translated), its type,
its choices. From these lines:

- the profile forms list their fields (``enterprises.forms``),
- the services accept exactly these keys in ``values`` (``enterprises.services``),
- the profile's history shows them (``enterprises.selectors``),
- the fact readers read them for one enterprise and as SQL for all (``incentives.facts``),
- the bulk loader selects their columns (``incentives.matching_bulk``),
- the catalogue's fact vocabulary gains any of them that ``facts.yaml`` does not word itself
  (``fact_declarations``).

Adding a yearly figure is: the model field and its migration, one line in ``YEARLY`` below, and
the translation of its label. Nothing else names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, YearlyFigures

YUAN = "元"


@dataclass(frozen=True)
class ProfileFact:
    name: str  # the model field; also the fact's key in the catalogue
    unit: str = ""  # shown beside the value: 元, 人, 件

    @property
    def is_money(self) -> bool:
        return self.unit == YUAN


# The basic data of the profile (Enterprise). Name, code, city and district are registration data,
# not declared here: they are fixed when the enterprise registers.
BASIC: tuple[ProfileFact, ...] = (
    ProfileFact("industry"),
    ProfileFact("ownership"),
    ProfileFact("scale"),
    ProfileFact("is_above_scale"),
    ProfileFact("employees", unit="人"),
    ProfileFact("founded_on"),
)

# One year's figures (YearlyFigures). Conditions read the latest complete year's.
YEARLY: tuple[ProfileFact, ...] = (
    ProfileFact("revenue", unit=YUAN),
    ProfileFact("rd_expense", unit=YUAN),
    ProfileFact("rd_super_deduction", unit=YUAN),
    ProfileFact("tax_paid", unit=YUAN),
    ProfileFact("tech_contract_turnover", unit=YUAN),
    ProfileFact("invention_patents_granted", unit="件"),
)

MODELS: dict[tuple[ProfileFact, ...], type[models.Model]] = {
    BASIC: Enterprise,
    YEARLY: YearlyFigures,
}


def names(section: tuple[ProfileFact, ...]) -> list[str]:
    return [fact.name for fact in section]


def money_names(section: tuple[ProfileFact, ...]) -> list[str]:
    return [fact.name for fact in section if fact.is_money]


def field(section: tuple[ProfileFact, ...], fact: ProfileFact) -> models.Field:
    return MODELS[section]._meta.get_field(fact.name)


def values_of(section: tuple[ProfileFact, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values a service writes: only the section's keys. A key the section does not declare
    is a programming error, not a person's input, and is refused loudly."""
    unknown = sorted(set(values) - set(names(section)))
    if unknown:
        raise TypeError(f"not profile facts of {MODELS[section].__name__}: {unknown}")
    return {name: values[name] for name in names(section) if name in values}


def fact_type(model_field: models.Field, fact: ProfileFact) -> str:
    """The catalogue's type of a fact (facts.yaml's vocabulary) from its model field."""
    if model_field.choices:
        return "choice"
    if isinstance(model_field, models.BooleanField):
        return "bool"
    if isinstance(model_field, models.DateField):
        return "date"
    if isinstance(model_field, models.DecimalField):
        return "money" if fact.is_money else "decimal"
    if isinstance(model_field, models.IntegerField):
        return "int"
    return "text"


def fact_declarations() -> dict[str, dict[str, Any]]:
    """Every declared profile fact in the shape of a facts.yaml entry, worded in Chinese from the
    model field (a yearly figure reads "上年度…")."""
    declarations = {}
    with translation.override("zh-hans"):
        for section in (BASIC, YEARLY):
            for fact in section:
                model_field = field(section, fact)
                label = str(capfirst(model_field.verbose_name))
                if section is YEARLY:
                    label = _("%(figure)s of the latest complete year") % {"figure": label}
                declarations[fact.name] = {
                    "key": fact.name,
                    "label": label,
                    "type": fact_type(model_field, fact),
                    "unit": fact.unit,
                    "choices": {
                        str(value): str(text) for value, text in model_field.flatchoices or []
                    }
                    if model_field.choices
                    else {},
                }
    return declarations
