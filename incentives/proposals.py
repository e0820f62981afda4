"""Changes to an item's money, with four eyes and a date (issue 14).

A catalogue admin edits an item's award rule, conditions and limits in the rule editor; what the
editor gives is an ``Edit``. Before anything is saved the editor shows what the edit does
(``preview``): the rule in words and every golden case of the item, its result now and after the
edit. A case whose result changes must be confirmed as "the new expected result"; the edit is then
saved as a ``ChangeProposal`` (``propose``) with a reason. Another catalogue admin approves it
(``approve``; never the proposer) or rejects it. On its date (``effective_on``) it takes effect
(``apply``): the rule in effect then ends the day before and a new version starts, the conditions
and limits are replaced, confirmed golden cases get their new expectations — and the caller has the
item's matches recomputed. Nothing is deleted to get past a golden case.

Golden cases keep their date. A case dated before the change still gives the old result (the old
rule version is in effect on its date); so each case is also tried *moved to the date of the
change* — its date and its date facts shifted by the same number of days — and where the change
alters that result, confirming it adds the moved case with the new result beside the old one.

The item's money as data (``before`` / ``after`` of a proposal)::

    {"rule": {"kind": "fixed", "amount": 200000, …} | None, "rule_id": 12 | None,
     "conditions": [{"group": "all", "fact": …, "op": …, "value": …}, …],
     "yearly_budget": "1000000" | None, "budget_basis": "…", "second_review_above": … | None,
     "summary": "…", "quote": "…"}

``after`` also holds ``text_kept_reason`` and ``golden``: the confirmed cases with their new
expectations.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives import specs
from incentives.engine import (
    ELIGIBLE,
    LIKELY_ELIGIBLE,
    VERDICT_LABELS,
    ItemSpec,
    evaluate_item,
    requirement_text,
    to_date,
    validate_condition,
)
from incentives.models import (
    AwardRule,
    ChangeProposal,
    Condition,
    Fact,
    GoldenCase,
    IncentiveItem,
)
from incentives.rule_base import fact_label
from incentives.rule_forms import editor_fields
from incentives.rules import (
    describe_rule,
    format_wan,
    money_bound_problems,
    rule_in_effect,
    rule_kind,
    to_decimal,
    validate_rule,
)
from portal import clock

ONE_DAY = datetime.timedelta(days=1)


class ProposalError(Exception):
    """A proposal that cannot be made, decided or applied; ``problems`` says why, in words."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def plain(value: Any) -> Any:
    """JSON-ready: decimals and dates as text (as a JSONField keeps them)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# ---------------------------------------------------------------------------------------------
# The item's money, now and as edited
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Edit:
    """What the editor gives: the new rule (params, without dates), conditions and limits, the
    texts, and the date the change is to take effect."""

    rule: dict[str, Any] | None
    conditions: list[dict[str, Any]]
    yearly_budget: Decimal | None
    budget_basis: str
    second_review_above: Decimal | None
    summary: str
    quote: str
    effective_on: datetime.date
    text_kept_reason: str = ""


def rule_on(item: IncentiveItem, on: datetime.date) -> AwardRule | None:
    """The rule version in effect on a date; else the latest one (the editor edits it)."""
    rules = list(item.rules.all())
    chosen = rule_in_effect([dict(r.as_rule(), id=r.pk) for r in rules], on)
    if chosen is not None:
        return next(r for r in rules if r.pk == chosen["id"])
    return max(rules, key=lambda r: r.effective_from or datetime.date.min, default=None)


def money_state(item: IncentiveItem, on: datetime.date) -> dict[str, Any]:
    """The item's money as data, with the rule in effect on ``on``."""
    rule = rule_on(item, on)
    return plain(
        {
            "rule": dict(rule.params) if rule else None,
            "rule_id": rule.pk if rule else None,
            "conditions": [
                {"group": c.group, **c.as_condition()}
                for c in item.conditions.order_by("group", "position", "pk")
            ],
            "yearly_budget": item.yearly_budget,
            "budget_basis": item.budget_basis,
            "second_review_above": item.second_review_above,
            "summary": item.summary,
            "quote": item.quote,
        }
    )


def edit_state(edit: Edit, *, rule_id: int | None) -> dict[str, Any]:
    return plain(
        {
            "rule": edit.rule,
            "rule_id": rule_id,
            "conditions": edit.conditions,
            "yearly_budget": edit.yearly_budget,
            "budget_basis": edit.budget_basis,
            "second_review_above": edit.second_review_above,
            "summary": edit.summary,
            "quote": edit.quote,
        }
    )


MONEY_KEYS = ("rule", "conditions", "yearly_budget", "second_review_above")


def planned_rules(
    item: IncentiveItem, new_rule: Mapping[str, Any] | None, on: datetime.date
) -> list[dict[str, Any]]:
    """The item's rule versions (as the engine reads them) once the new rule takes effect on
    ``on``: the version in effect then ends the day before and the new one starts on ``on``
    (keeping the old version's end); a version that starts on or after ``on`` is replaced."""
    current = rule_on(item, on)
    rules = []
    for rule in item.rules.all():
        if current is None or rule.pk != current.pk or new_rule is None:
            rules.append(rule.as_rule())
            continue
        if dict(rule.params) == dict(new_rule):
            rules.append(rule.as_rule())
            continue
        if rule.effective_from is None or rule.effective_from < on:
            rules.append(
                {**rule.params, "effective_from": rule.effective_from, "effective_to": on - ONE_DAY}
            )
        rules.append({**new_rule, "effective_from": on, "effective_to": rule.effective_to})
    if current is None and new_rule is not None:
        rules.append({**new_rule, "effective_from": on, "effective_to": None})
    return rules


def spec_after(item: IncentiveItem, edit: Edit, declared: Mapping[str, dict]) -> ItemSpec:
    spec = specs.item_spec(item=item, facts=declared)
    return dataclasses.replace(
        spec,
        rules=planned_rules(item, edit.rule, edit.effective_on),
        conditions={
            group: [
                {"fact": c["fact"], "op": c["op"], "value": c.get("value")}
                for c in edit.conditions
                if c.get("group", "all") == group
            ]
            for group in ("all", "any")
        },
    )


# ---------------------------------------------------------------------------------------------
# Golden cases, before and after
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Result:
    """What an item gives for a case: the verdict and the figures a golden case can expect."""

    verdict: str
    amount: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def expect(self) -> dict[str, Any]:
        expect: dict[str, Any] = {"verdict": self.verdict}
        if self.amount is not None:
            expect["amount"] = str(self.amount)
        if self.minimum is not None:
            expect["min"] = str(self.minimum)
        if self.maximum is not None:
            expect["max"] = str(self.maximum)
        return expect

    def __str__(self) -> str:
        words = str(VERDICT_LABELS.get(self.verdict, self.verdict))
        if self.amount is not None:
            return f"{words} · {format_wan(self.amount)}"
        if self.minimum is not None or self.maximum is not None:
            low = format_wan(self.minimum) if self.minimum is not None else "—"
            high = format_wan(self.maximum) if self.maximum is not None else "—"
            return f"{words} · {low}～{high}"
        return words


GIVES_MONEY = (ELIGIBLE, LIKELY_ELIGIBLE)


def significant(result: Result) -> Result:
    """A result as it matters: the figures only where the case qualifies (an ineligible case's
    estimate says what it would have been, not what it gets)."""
    return result if result.verdict in GIVES_MONEY else Result(result.verdict)


def result_of(spec: ItemSpec, case: Mapping[str, Any]) -> Result:
    if case.get("as_if_in_force"):
        spec = dataclasses.replace(
            spec, document_status="in_force", in_force_from=None, in_force_to=None
        )
    verdict = evaluate_item(spec, case.get("facts") or {}, on=case["date"])
    estimate = verdict.estimate
    if estimate is not None and estimate.kind == "exact":
        return Result(verdict.verdict, amount=estimate.amount)
    if estimate is not None and estimate.kind == "range":
        return Result(verdict.verdict, minimum=estimate.minimum, maximum=estimate.maximum)
    return Result(verdict.verdict)


def expected_result(case: GoldenCase) -> Result:
    return Result(
        case.expected_verdict,
        amount=case.expected_amount,
        minimum=case.expected_min,
        maximum=case.expected_max,
    )


def meets(result: Result, case: GoldenCase) -> bool:
    """Whether a result is what the case expects (only the figures the case names count)."""
    if result.verdict != case.expected_verdict:
        return False
    return all(
        want is None or got == want
        for want, got in (
            (case.expected_amount, result.amount),
            (case.expected_min, result.minimum),
            (case.expected_max, result.maximum),
        )
    )


def moved(case: GoldenCase, on: datetime.date, declared: Mapping[str, dict]) -> dict[str, Any]:
    """The case moved to another date: its date facts shifted by the same number of days."""
    shift = on - case.on_date
    facts = {}
    for key, value in (case.facts or {}).items():
        as_date = to_date(value) if (declared.get(key) or {}).get("type") == "date" else None
        facts[key] = (as_date + shift).isoformat() if as_date else value
    return {
        "name": case.name,
        "date": on,
        "facts": facts,
        "as_if_in_force": case.as_if_in_force,
    }


@dataclasses.dataclass
class CaseRow:
    """One golden case in the preview."""

    case: GoldenCase
    expected: Result
    now: Result
    after: Result
    after_in_full: Result
    moved_to: datetime.date | None = None
    moved_now: Result | None = None
    moved_after: Result | None = None

    @property
    def changes_on_its_date(self) -> bool:
        return not meets(self.after_in_full, self.case)

    @property
    def changes_when_moved(self) -> bool:
        return self.moved_to is not None and self.moved_after != self.moved_now

    @property
    def adds_moved_case(self) -> bool:
        """The moved case tells something the case itself will not: its result after the change
        differs from the case's own (a new rule version from the date)."""
        return self.changes_when_moved and self.moved_after != self.after

    @property
    def changed(self) -> bool:
        return self.changes_on_its_date or self.changes_when_moved

    def confirmed(self) -> dict[str, Any]:
        """What confirming this case as the new expected result records."""
        return plain(
            {
                "id": self.case.pk,
                "name": self.case.name,
                "own": self.after.expect() if self.changes_on_its_date else None,
                "moved": (
                    {"date": self.moved_to, "expect": self.moved_after.expect()}
                    if self.adds_moved_case
                    else None
                ),
            }
        )


def case_rows(item: IncentiveItem, edit: Edit, declared: Mapping[str, dict]) -> list[CaseRow]:
    before = specs.item_spec(item=item, facts=declared)
    after = spec_after(item, edit, declared)
    rows = []
    for case in item.golden_cases.all():
        as_case = case.as_case()
        row = CaseRow(
            case=case,
            expected=expected_result(case),
            now=significant(result_of(before, as_case)),
            after=significant(result_of(after, as_case)),
            after_in_full=result_of(after, as_case),
        )
        if case.on_date < edit.effective_on:
            shifted = moved(case, edit.effective_on, declared)
            row.moved_to = edit.effective_on
            row.moved_now = significant(result_of(before, shifted))
            row.moved_after = significant(result_of(after, shifted))
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# Figures in the texts
# ---------------------------------------------------------------------------------------------


def rule_amounts(rule: Mapping[str, Any] | None) -> set[Decimal]:
    """Every sum of money a rule states (amounts, caps, floors, levels, steps), in yuan."""
    if not rule or not rule.get("kind"):
        return set()
    amounts: set[Decimal] = set()
    try:
        fields = editor_fields(rule["kind"])
    except KeyError:
        return amounts
    for spec in fields:
        value = rule.get(spec.name)
        if value is None:
            continue
        if spec.type == "money" and to_decimal(value) is not None:
            amounts.add(to_decimal(value))
        elif spec.type == "level_amounts" and isinstance(value, Mapping):
            amounts |= {to_decimal(v) for v in value.values() if to_decimal(v) is not None}
        elif spec.type == "year_steps" and isinstance(value, list):
            for step in value:
                if isinstance(step, Mapping):
                    amounts |= rule_amounts(step.get("rule"))
    return amounts


def figure_pattern(yuan: Decimal) -> re.Pattern:
    """How a text writes a sum: 200000 → “20万” (also 20.0万, 200000元, 200,000元)."""
    wan = yuan / Decimal(10000)
    wan_text = format(wan.normalize(), "f")
    yuan_text = format(yuan.normalize(), "f")
    forms = [re.escape(wan_text) + r"(?:\.0+)?\s*万", re.escape(yuan_text) + r"\s*元"]
    if yuan >= 1000 and yuan == yuan.to_integral_value():
        forms.append(re.escape(f"{int(yuan):,}") + r"\s*元")
    return re.compile(r"(?<![\d.,])(?:" + "|".join(forms) + ")")


def stale_figures(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *texts: str
) -> list[str]:
    """The sums the old rule stated and the new one does not, that the texts still state."""
    gone = rule_amounts(before) - rule_amounts(after)
    found = []
    for amount in sorted(gone):
        pattern = figure_pattern(amount)
        if any(pattern.search(text or "") for text in texts):
            found.append(format_wan(amount))
    return found


# ---------------------------------------------------------------------------------------------
# The differences in words
# ---------------------------------------------------------------------------------------------


def condition_words(condition: Mapping[str, Any], declared: Mapping[str, dict]) -> str:
    declaration = declared.get(condition["fact"]) or {}
    group = _("any of") if condition.get("group") == "any" else ""
    words = f"{fact_label(condition['fact'], declared)}{requirement_text(condition, declaration)}"
    return f"（{group}）{words}" if group else words


def money_words(value: Any) -> str:
    number = to_decimal(value)
    return format_wan(number) if number is not None else "—"


def differences(
    before: Mapping[str, Any], after: Mapping[str, Any], declared: Mapping[str, dict]
) -> list[dict[str, str]]:
    """Field by field, before → after, as a person reads them."""
    changes = []

    def add(label, old, new):
        if old != new:
            changes.append({"label": str(label), "old": old or "—", "new": new or "—"})

    def rule_words(rule):
        if not rule:
            return ""
        label = rule_kind(rule["kind"]).label
        return f"{label}：{describe_rule(rule, declared=declared)}"

    add(_("Award rule"), rule_words(before.get("rule")), rule_words(after.get("rule")))
    old_conditions = [condition_words(c, declared) for c in before.get("conditions") or []]
    new_conditions = [condition_words(c, declared) for c in after.get("conditions") or []]
    for text in old_conditions:
        if text not in new_conditions:
            add(_("Condition removed"), text, "")
    for text in new_conditions:
        if text not in old_conditions:
            add(_("Condition added"), "", text)
    add(
        _("Yearly budget"),
        money_words(before.get("yearly_budget")) if before.get("yearly_budget") else "",
        money_words(after.get("yearly_budget")) if after.get("yearly_budget") else "",
    )
    add(_("Where the budget comes from"), before.get("budget_basis"), after.get("budget_basis"))
    add(
        _("Second review above"),
        money_words(before.get("second_review_above")) if before.get("second_review_above") else "",
        money_words(after.get("second_review_above")) if after.get("second_review_above") else "",
    )
    add(_("Summary"), before.get("summary"), after.get("summary"))
    add(_("Quote"), before.get("quote"), after.get("quote"))
    for confirmed in after.get("golden") or []:
        if confirmed.get("own"):
            add(
                _("Golden case “%(name)s”") % {"name": confirmed["name"]},
                _("expected as before"),
                str(result_from_expect(confirmed["own"])),
            )
        if confirmed.get("moved"):
            add(
                _("Golden case “%(name)s” from %(date)s")
                % {"name": confirmed["name"], "date": confirmed["moved"]["date"]},
                _("new case"),
                str(result_from_expect(confirmed["moved"]["expect"])),
            )
    return changes


def result_from_expect(expect: Mapping[str, Any]) -> Result:
    return Result(
        expect["verdict"],
        amount=to_decimal(expect.get("amount")),
        minimum=to_decimal(expect.get("min")),
        maximum=to_decimal(expect.get("max")),
    )


# ---------------------------------------------------------------------------------------------
# The preview and the checks of a proposal
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Preview:
    before: dict[str, Any]
    after: dict[str, Any]
    rows: list[CaseRow]
    problems: list[str]
    stale: list[str]
    rule_words: str
    changes: list[dict[str, str]]

    @property
    def changed_rows(self) -> list[CaseRow]:
        return [row for row in self.rows if row.changed]


def edit_problems(item: IncentiveItem, edit: Edit, declared: Mapping[str, dict]) -> list[str]:
    """What is wrong with the edit itself: the rule, the conditions, the bound of the money."""
    problems = []
    if edit.rule is not None:
        problems += validate_rule(edit.rule, declared=declared)
        if not problems and item.support_kind == "money":
            rules = planned_rules(item, edit.rule, edit.effective_on)
            problems += money_bound_problems(rules, yearly_budget=edit.yearly_budget)
    for condition in edit.conditions:
        problems += validate_condition(condition, declared=declared)
    if edit.yearly_budget is not None and not edit.budget_basis.strip():
        problems.append(_("Say where the yearly budget comes from."))
    return problems


def preview(item: IncentiveItem, edit: Edit) -> Preview:
    declared = specs.item_declared(item=item, facts=Fact.declared())
    before = money_state(item, edit.effective_on)
    after = edit_state(edit, rule_id=before["rule_id"])
    problems = edit_problems(item, edit, declared)
    rows = [] if problems else case_rows(item, edit, declared)
    stale = stale_figures(before["rule"], edit.rule, edit.summary, edit.quote)
    try:
        rule_words = (
            describe_rule(edit.rule, declared=declared) if edit.rule and not problems else ""
        )
    except (KeyError, TypeError, ValueError):
        rule_words = ""
    return Preview(
        before=before,
        after=after,
        rows=rows,
        problems=problems,
        stale=stale,
        rule_words=rule_words,
        changes=differences(before, after, declared),
    )


def proposal_problems(
    item: IncentiveItem,
    edit: Edit,
    *,
    confirmed_ids: Iterable[int],
    reason: str,
    today: datetime.date,
) -> tuple[Preview, list[str]]:
    """The preview of the edit and every reason it cannot be proposed as it stands."""
    seen = preview(item, edit)
    problems = list(seen.problems)
    confirmed_ids = set(confirmed_ids)
    if edit.effective_on < today:
        problems.append(_("A change takes effect today or later, not in the past."))
    if not seen.changes:
        problems.append(_("Nothing has changed."))
    for row in seen.changed_rows:
        if row.case.pk not in confirmed_ids:
            problems.append(
                _(
                    "The golden case “%(name)s” would give %(after)s instead of %(before)s: "
                    "confirm it as the new expected result, or change the rule."
                )
                % {
                    "name": row.case.name,
                    "after": row.moved_after if row.changes_when_moved else row.after,
                    "before": row.moved_now if row.changes_when_moved else row.expected,
                }
            )
    if seen.stale and not edit.text_kept_reason.strip():
        problems.append(
            _(
                "The summary or the quote still states %(figures)s: update the text, or say why "
                "it stays as it is."
            )
            % {"figures": "、".join(seen.stale)}
        )
    if not reason.strip():
        problems.append(_("Say why the rule changes (修改原因)."))
    return seen, problems


# ---------------------------------------------------------------------------------------------
# Proposing, deciding, taking effect
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def propose(
    *, item: IncentiveItem, by, edit: Edit, confirmed_ids: Iterable[int], reason: str
) -> ChangeProposal:
    item = IncentiveItem.objects.select_for_update().get(pk=item.pk)
    if ChangeProposal.objects.filter(
        item=item, status__in=[ChangeProposal.Status.PENDING, ChangeProposal.Status.APPROVED]
    ).exists():
        raise ProposalError(
            [_("This item already has a change awaiting approval or its date; decide it first.")]
        )
    seen, problems = proposal_problems(
        item, edit, confirmed_ids=confirmed_ids, reason=reason, today=clock.today()
    )
    if problems:
        raise ProposalError(problems)
    after = dict(seen.after)
    after["text_kept_reason"] = edit.text_kept_reason.strip() if seen.stale else ""
    after["golden"] = [row.confirmed() for row in seen.changed_rows]
    declared = specs.item_declared(item=item, facts=Fact.declared())
    proposal = ChangeProposal(
        item=item,
        before=seen.before,
        after=after,
        changes=differences(seen.before, after, declared),
        reason=reason.strip(),
        effective_on=edit.effective_on,
        proposed_by=by,
    )
    proposal._history_user = by
    proposal.save()
    return proposal


def edit_of(proposal: ChangeProposal, *, effective_on: datetime.date | None = None) -> Edit:
    after = proposal.after
    return Edit(
        rule=after.get("rule"),
        conditions=list(after.get("conditions") or []),
        yearly_budget=to_decimal(after.get("yearly_budget")),
        budget_basis=after.get("budget_basis") or "",
        second_review_above=to_decimal(after.get("second_review_above")),
        summary=after.get("summary") or "",
        quote=after.get("quote") or "",
        effective_on=effective_on or proposal.effective_on,
        text_kept_reason=after.get("text_kept_reason") or "",
    )


def confirmed_still_hold(proposal: ChangeProposal, edit: Edit) -> list[str]:
    """Whether the cases' results, on the date the change now takes effect, are still the ones
    the proposer confirmed — and no other case changes."""
    item = proposal.item
    declared = specs.item_declared(item=item, facts=Fact.declared())
    confirmed = {c["id"]: c for c in proposal.after.get("golden") or []}
    problems = []
    for row in case_rows(item, edit, declared):
        if not row.changed:
            continue
        seen = plain(row.confirmed())
        said = confirmed.get(row.case.pk)
        moved_said = (said or {}).get("moved") or {}
        moved_seen = seen.get("moved") or {}
        if (
            said is None
            or said.get("own") != seen.get("own")
            or moved_said.get("expect") != moved_seen.get("expect")
        ):
            problems.append(
                _(
                    "On %(date)s the golden case “%(name)s” gives a result the proposer did not "
                    "confirm; send the proposal back."
                )
                % {"date": edit.effective_on.isoformat(), "name": row.case.name}
            )
    return problems


def decide_check(proposal: ChangeProposal, by) -> None:
    if proposal.status != ChangeProposal.Status.PENDING:
        raise ProposalError([_("This proposal has already been decided.")])
    if by.pk == proposal.proposed_by_id:
        raise ProposalError(
            [_("You proposed this change: another catalogue admin approves or rejects it.")]
        )
    if not by.has_perm("incentives.approve_changeproposal"):
        raise ProposalError([_("Only catalogue admins approve changes to the catalogue.")])


@transaction.atomic
def approve(
    *, proposal: ChangeProposal, by, effective_on: datetime.date | None = None, note: str = ""
) -> ChangeProposal:
    """Another admin approves. The change takes effect on ``effective_on`` (the proposal's date
    unless the approver names another, today or later); on or before today it takes effect now,
    and the caller recomputes the item's matches when ``status`` is ``applied``."""
    proposal = ChangeProposal.objects.select_for_update().select_related("item").get(pk=proposal.pk)
    decide_check(proposal, by)
    today = clock.today()
    effective_on = effective_on or proposal.effective_on
    if effective_on < today:
        raise ProposalError([_("A change takes effect today or later, not in the past.")])
    edit = edit_of(proposal, effective_on=effective_on)
    problems = confirmed_still_hold(proposal, edit)
    if problems:
        raise ProposalError(problems)
    proposal.effective_on = effective_on
    proposal.status = ChangeProposal.Status.APPROVED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.decision_note = note.strip()
    proposal._history_user = by
    proposal.save()
    if effective_on <= today:
        apply(proposal=proposal, today=today)
    return proposal


@transaction.atomic
def reject(*, proposal: ChangeProposal, by, note: str) -> ChangeProposal:
    proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    decide_check(proposal, by)
    if not note.strip():
        raise ProposalError([_("Say why the change is rejected.")])
    proposal.status = ChangeProposal.Status.REJECTED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.decision_note = note.strip()
    proposal._history_user = by
    proposal.save()
    return proposal


@transaction.atomic
def withdraw(*, proposal: ChangeProposal, by) -> ChangeProposal:
    proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if by.pk != proposal.proposed_by_id:
        raise ProposalError([_("Only the proposer withdraws a proposal.")])
    if proposal.status != ChangeProposal.Status.PENDING:
        raise ProposalError([_("This proposal has already been decided.")])
    proposal.status = ChangeProposal.Status.WITHDRAWN
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal._history_user = by
    proposal.save()
    return proposal


def apply(*, proposal: ChangeProposal, today: datetime.date) -> IncentiveItem:
    """The approved change takes effect: in one transaction, or not at all (the proposal then
    says why, as ``failed``). The caller recomputes the item's matches."""
    try:
        with transaction.atomic():
            return write(proposal=proposal, today=today)
    except ProposalError as error:
        ChangeProposal.objects.filter(pk=proposal.pk).update(
            status=ChangeProposal.Status.FAILED, decision_note="\n".join(error.problems)
        )
        proposal.refresh_from_db()
        raise


def write(*, proposal: ChangeProposal, today: datetime.date) -> IncentiveItem:
    proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    item = IncentiveItem.objects.select_for_update().get(pk=proposal.item_id)
    if proposal.status != ChangeProposal.Status.APPROVED or proposal.effective_on > today:
        raise ProposalError([_("This proposal is not approved for today.")])
    on = proposal.effective_on
    now = money_state(item, on)
    if any(now[key] != proposal.before.get(key) for key in (*MONEY_KEYS, "summary", "quote")):
        raise ProposalError(
            [_("The item was changed after this proposal was made; propose the change again.")]
        )
    edit = edit_of(proposal)
    declared = specs.item_declared(item=item, facts=Fact.declared())
    rows = {row.case.pk: row for row in case_rows(item, edit, declared)}
    reason = _("Change proposal #%(number)s: %(reason)s") % {
        "number": proposal.pk,
        "reason": proposal.reason,
    }
    who = proposal.decided_by
    write_rule(item, edit, reason, who)
    if proposal.after.get("conditions") != proposal.before.get("conditions"):
        write_conditions(item, edit.conditions, reason, who)
    item.yearly_budget = edit.yearly_budget
    item.budget_basis = edit.budget_basis
    item.second_review_above = edit.second_review_above
    item.summary = edit.summary
    item.quote = edit.quote
    item._change_reason = reason
    item._history_user = who
    item.save()
    for confirmed in proposal.after.get("golden") or []:
        row = rows.get(confirmed["id"])
        if row is None:
            continue
        write_case(row, confirmed, declared, reason, who)
    failures = specs.golden_failures(
        specs.item_spec(item=IncentiveItem.objects.get(pk=item.pk), facts=Fact.declared()),
        item.golden_cases.all(),
    )
    if failures:
        raise ProposalError(failures)
    proposal.status = ChangeProposal.Status.APPLIED
    proposal.applied_at = timezone.now()
    proposal._change_reason = reason
    proposal.save(update_fields=["status", "applied_at"])
    return item


def write_rule(item: IncentiveItem, edit: Edit, reason: str, who) -> None:
    current = rule_on(item, edit.effective_on)
    if edit.rule is None or (current is not None and dict(current.params) == dict(edit.rule)):
        return
    clause = edit.rule.get("clause") or (current.clause if current else item.clause)
    if current is not None and (
        current.effective_from is None or current.effective_from < edit.effective_on
    ):
        ends = current.effective_to
        current.effective_to = edit.effective_on - ONE_DAY
        current._change_reason = reason
        current._history_user = who
        current.save()
        new = AwardRule(
            item=item,
            kind=edit.rule["kind"],
            params=plain(edit.rule),
            effective_from=edit.effective_on,
            effective_to=ends,
            clause=clause,
        )
    elif current is not None:
        new = current
        new.kind = edit.rule["kind"]
        new.params = plain(edit.rule)
    else:
        new = AwardRule(
            item=item,
            kind=edit.rule["kind"],
            params=plain(edit.rule),
            effective_from=edit.effective_on,
            clause=clause,
        )
    new._change_reason = reason
    new._history_user = who
    new.save()


def write_conditions(item: IncentiveItem, conditions: list[dict], reason: str, who) -> None:
    """The conditions as edited: rows kept where they still say the same, others changed in
    place, added or removed (the history keeps each)."""
    existing = list(item.conditions.order_by("group", "position", "pk"))
    wanted = []
    for group in ("all", "any"):
        rows = [c for c in conditions if c.get("group", "all") == group]
        wanted += [(group, position, c) for position, c in enumerate(rows)]
    for index, (group, position, data) in enumerate(wanted):
        condition = existing[index] if index < len(existing) else Condition(item=item)
        condition.group = group
        condition.position = position
        condition.fact = data["fact"]
        condition.op = data["op"]
        condition.value = data.get("value")
        condition._change_reason = reason
        condition._history_user = who
        condition.save()
    for condition in existing[len(wanted) :]:
        condition._change_reason = reason
        condition._history_user = who
        condition.delete()


def write_case(
    row: CaseRow, confirmed: Mapping[str, Any], declared: Mapping[str, dict], reason: str, who
) -> None:
    case = row.case
    if confirmed.get("own"):
        expect = confirmed["own"]
        case.expected_verdict = expect["verdict"]
        case.expected_amount = to_decimal(expect.get("amount"))
        case.expected_min = to_decimal(expect.get("min"))
        case.expected_max = to_decimal(expect.get("max"))
        case._change_reason = reason
        case._history_user = who
        case.save()
    if confirmed.get("moved") and row.moved_to is not None:
        expect = confirmed["moved"]["expect"]
        shifted = moved(case, row.moved_to, declared)
        added = GoldenCase(
            item=case.item,
            name=_("%(name)s (from %(date)s)")
            % {"name": case.name, "date": row.moved_to.isoformat()},
            on_date=row.moved_to,
            facts=plain(shifted["facts"]),
            as_if_in_force=case.as_if_in_force,
            expected_verdict=expect["verdict"],
            expected_amount=to_decimal(expect.get("amount")),
            expected_min=to_decimal(expect.get("min")),
            expected_max=to_decimal(expect.get("max")),
        )
        added._change_reason = reason
        added._history_user = who
        added.save()


def due(today: datetime.date):
    return ChangeProposal.objects.filter(
        status=ChangeProposal.Status.APPROVED, effective_on__lte=today
    ).order_by("effective_on", "pk")


def apply_due(*, today: datetime.date) -> tuple[list[IncentiveItem], list[ChangeProposal]]:
    """Every approved change whose date has come takes effect; the items changed, and the
    proposals that could not take effect."""
    applied, failed = [], []
    for proposal in due(today):
        try:
            applied.append(apply(proposal=proposal, today=today))
        except ProposalError:
            failed.append(proposal)
    return applied, failed
