"""The item as the engine sees it (``engine.ItemSpec``), and the checks an edit of the catalogue
passes before it is saved: the models' ``clean()`` call them, the services and the plans build
specs with them.

Below the models: it reads the objects it is given and the declared facts it is passed
(``Fact.declared()``), and imports no model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from incentives.catalogue import files
from incentives.engine import ItemSpec, validate_condition
from incentives.rules import money_bound_problems, validate_rule

if TYPE_CHECKING:
    from incentives.models import AwardRule, Condition, GoldenCase, IncentiveItem


def item_declared(*, item: IncentiveItem, facts: Mapping[str, dict]) -> dict:
    """The declared facts an item may read: the catalogue's ``facts`` and its claim inputs."""
    declared = dict(facts)
    for input_ in item.inputs or []:
        if isinstance(input_, Mapping) and input_.get("key"):
            declared[input_["key"]] = dict(input_)
    return declared


def item_spec(
    *,
    item: IncentiveItem,
    facts: Mapping[str, dict],
    rules: Iterable[AwardRule] | None = None,
    conditions: Iterable[Condition] | None = None,
) -> ItemSpec:
    """The engine's view of an item; ``rules`` / ``conditions`` replace the stored ones (to try
    an edit before it is saved)."""
    document = item.measure.document
    rules = list(item.rules.all()) if rules is None else list(rules)
    conditions = list(item.conditions.all()) if conditions is None else list(conditions)
    # ``Condition.Group``'s members as the keys, as they always were: the full recompute's inputs
    # hash reads the spec's repr (``matching_bulk.item_runs``).
    group_choices = item.conditions.model.Group
    return ItemSpec(
        key=item.key,
        name=item.name,
        in_force_from=item.valid_from or document.valid_from,
        in_force_to=item.valid_to or document.valid_to,
        document_status=document.status,
        validity_unknown=document.validity == "unknown",
        conditions={
            group: [c.as_condition() for c in conditions if c.group == group]
            for group in (group_choices.ALL, group_choices.ANY)
        },
        checklist=list(item.checklist or []),
        rules=[rule.as_rule() for rule in rules],
        declared=item_declared(item=item, facts=facts),
    )


def golden_failures(spec: ItemSpec, cases: Iterable[GoldenCase]) -> list[str]:
    """Why each golden case that the spec breaks fails, in words."""
    failures = []
    for case in cases:
        outcome = files.run_golden_case(spec, case.as_case())
        if not outcome.ok:
            failures.append(
                _("golden case “%(name)s” would fail: %(detail)s")
                % {"name": case.name, "detail": outcome.detail}
            )
    return failures


def _replace(objects: list, candidate) -> list:
    others = [o for o in objects if candidate.pk is None or o.pk != candidate.pk]
    return [*others, candidate]


# ---------------------------------------------------------------------------------------------
# The checks of an edit (``clean()`` of the models)
# ---------------------------------------------------------------------------------------------


def rule_check(*, rule: AwardRule, facts: Mapping[str, dict]) -> None:
    """Refuse an invalid rule, or one that breaks a golden case of its item."""
    item = rule.item
    declared = item_declared(item=item, facts=facts)
    problems = validate_rule(rule.params, declared=declared)
    if not problems and item.support_kind == "money":
        problems = money_bound_problems([rule.params], yearly_budget=item.yearly_budget)
    if problems:
        raise ValidationError({"params": problems})
    spec = item_spec(item=item, facts=facts, rules=_replace(list(item.rules.all()), rule))
    failures = golden_failures(spec, item.golden_cases.all())
    if failures:
        raise ValidationError({"params": failures})


def item_check(*, item: IncentiveItem) -> None:
    """Refuse an item whose money has no top: every money rule needs a bound or the item a
    yearly budget; a budget says where it comes from; a per-project award names its project."""
    errors: dict[str, list[str]] = {}
    if item.pk and item.support_kind == "money":
        bound = money_bound_problems(
            [r.as_rule() for r in item.rules.all()], yearly_budget=item.yearly_budget
        )
        if bound:
            errors["yearly_budget"] = bound
    if item.yearly_budget is not None and not item.budget_basis.strip():
        errors["budget_basis"] = [_("Say where the yearly budget comes from.")]
    if item.pays == "per_project" and files.PROJECT_INPUT not in {
        i.get("key") for i in item.inputs or [] if isinstance(i, Mapping)
    }:
        errors["pays"] = [
            _("A per-project award needs the claim input “%(key)s”.") % {"key": files.PROJECT_INPUT}
        ]
    if errors:
        raise ValidationError(errors)


def condition_check(*, condition: Condition, facts: Mapping[str, dict]) -> None:
    """Refuse an invalid condition, or one that breaks a golden case of its item."""
    item = condition.item
    problems = validate_condition(
        condition.as_condition(), declared=item_declared(item=item, facts=facts)
    )
    if problems:
        raise ValidationError(problems)
    spec = item_spec(
        item=item, facts=facts, conditions=_replace(list(item.conditions.all()), condition)
    )
    failures = golden_failures(spec, item.golden_cases.all())
    if failures:
        raise ValidationError(failures)


def golden_case_check(*, case: GoldenCase, facts: Mapping[str, dict]) -> None:
    """Refuse a golden case its item's rules and conditions do not give."""
    failures = golden_failures(item_spec(item=case.item, facts=facts), [case])
    if failures:
        raise ValidationError(failures)
