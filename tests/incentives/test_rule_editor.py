"""The rule editor and its proposals (issue 14, items 2 and 3): an admin changes an item's money
without JSON, sees what the change does to every golden case, confirms the new results with a
reason, and another admin approves it for a date; on that date it takes effect and the matches
are recomputed. Nothing is deleted to get past a golden case; nobody approves their own change."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.urls import reverse

from accounts.models import Role
from incentives import editor, proposals
from incentives.models import AwardRule, ChangeProposal, GoldenCase, IncentiveItem
from incentives.rule_forms import rule_form_class
from incentives.tasks import apply_due_proposals
from portal import clock

TODAY = datetime.date(2026, 12, 2)
LATER = datetime.date(2026, 12, 10)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def proposer(make_user):
    return make_user(Role.CATALOGUE_ADMIN, username="guanli-a", full_name="甲管理")


@pytest.fixture
def approver(make_user):
    return make_user(Role.CATALOGUE_ADMIN, username="guanli-b", full_name="乙管理")


@pytest.fixture
def item(db):
    return IncentiveItem.objects.get(key="ts2019-hitech-new")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def as_post(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        data[form.add_prefix(name)] = value if isinstance(value, list) else str(value)
    return data


def editor_data(item, **changes) -> dict:
    """What the editor posts when nothing is touched, with ``changes`` typed in."""
    forms_ = editor.EditorForms(item)
    data = {}
    for form in (forms_.change, forms_.rule, forms_.conditions.management_form):
        data.update(as_post(form))
    for form in forms_.conditions.forms:
        data.update(as_post(form))
    data.update(changes)
    return data


def query(data: dict) -> QueryDict:
    result = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            result.setlist(key, [str(v) for v in value])
        else:
            result[key] = str(value)
    return result


def moved_case(item):
    return GoldenCase.objects.get(item=item, name="新认定高企")


def to_25_wan(item, **more) -> dict:
    return editor_data(
        item,
        **{
            "rule-amount": "25",
            "summary": "首次通过认定的高新技术企业，由市财政一次性奖励25万元。",
            "text_kept_reason": "原文摘录保留文件原话",
            "effective_on": LATER.isoformat(),
            "confirm": [moved_case(item).pk],
            "reason": "市政府常务会议决定提高奖励标准",
            **more,
        },
    )


def proposed(item, *, by, **more) -> ChangeProposal:
    """The 25万 change as the editor posts it, proposed by ``by``."""
    forms_ = editor.EditorForms(item, query(to_25_wan(item, **more)))
    assert forms_.is_valid(), forms_.errors()
    return proposals.propose(
        item=item,
        by=by,
        edit=forms_.edit(),
        confirmed_ids=forms_.confirmed,
        reason=forms_.reason,
    )


# --- the page --------------------------------------------------------------------------------


def test_the_editor_shows_the_rule_as_a_form_in_words_and_wan(client, proposer, item):
    client.force_login(proposer)
    response = client.get(reverse("admin:incentives_incentiveitem_editor", args=[item.pk]))
    assert response.status_code == 200
    text = text_of(response)
    assert "定额" in text or "固定" in text, "the kind in words"
    assert 'name="rule-amount"' in response.content.decode()
    assert 'value="20"' in response.content.decode(), "20万 shown in 万元, not 200000"
    assert "200000" not in text
    # Conditions as rows: the fact by its label, the operator in words, no JSON.
    assert "高新技术企业认定类别" in text or "高企" in text
    assert "测算日前" in text
    assert '{"kind"' not in response.content.decode()
    assert "hitech_certification_kind" not in text


def test_a_condition_value_widget_follows_the_fact_type(item):
    forms_ = editor.EditorForms(item)
    by_fact = {form.fact_key: form for form in forms_.conditions.forms}
    choice = by_fact["hitech_certification_kind"]
    assert choice.fields["value"].choices[1:], "a choice fact offers its choices"
    assert dict(choice.fields["op"].choices)["eq"] == editor.OPERATOR_WORDS["eq"]
    date = by_fact["hitech_certified_on"]
    assert date.op == "within_days"
    assert date.fields["value"].__class__.__name__ == "IntegerField"


def test_the_live_preview_shows_the_golden_case_change_and_the_stale_summary(
    client, proposer, item
):
    client.force_login(proposer)
    data = editor_data(item, **{"rule-amount": "25", "effective_on": LATER.isoformat()})
    response = client.post(
        reverse("admin:incentives_incentiveitem_editor_preview", args=[item.pk]), data
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "25万元" in text
    assert 'data-testid="golden-case-changed"' in response.content.decode()
    assert "20万元" in text and "25万元" in text
    assert 'data-testid="stale-text"' in response.content.decode()
    assert "新的预期结果" in text or "new expected result" in text
    # Nothing changed yet.
    assert item.rules.get().params["amount"] == 200000


def test_rates_are_typed_in_per_cent():
    form = rule_form_class("rate")({"base": "contract_amount", "rate": "2", "cap": "100"})
    assert form.is_valid(), form.errors
    assert form.to_rule() == {
        "kind": "rate",
        "base": "contract_amount",
        "rate": "0.02",
        "cap": 1000000,
    }


# --- proposing -------------------------------------------------------------------------------


def test_a_change_that_alters_a_case_needs_the_case_confirmed_the_text_and_a_reason(proposer, item):
    edit_data = editor_data(
        item, **{"rule-amount": "25", "effective_on": LATER.isoformat(), "reason": ""}
    )
    forms_ = editor.EditorForms(item, query(edit_data))
    assert forms_.is_valid(), forms_.errors()
    with pytest.raises(proposals.ProposalError) as refused:
        proposals.propose(item=item, by=proposer, edit=forms_.edit(), confirmed_ids=[], reason="")
    words = " ".join(refused.value.problems)
    assert "新认定高企" in words, "the changed case is named"
    assert "20万元" in words, "the summary still states the old figure"
    assert "修改原因" in words
    assert GoldenCase.objects.filter(item=item).count() == 4, "nothing deleted"
    assert not ChangeProposal.objects.exists()


def test_propose_then_another_admin_approves_for_a_date_and_it_takes_effect_then(
    client, proposer, approver, item
):
    client.force_login(proposer)
    url = reverse("admin:incentives_incentiveitem_editor", args=[item.pk])
    response = client.post(url, to_25_wan(item))
    assert response.status_code == 302, text_of(response)
    proposal = ChangeProposal.objects.get()
    assert proposal.status == "pending" and proposal.proposed_by == proposer
    assert item.rules.get().params["amount"] == 200000, "a proposal changes nothing"
    labels = [c["label"] for c in proposal.changes]
    assert any("25万元" in c["new"] for c in proposal.changes), proposal.changes
    assert len(labels) >= 3  # rule, summary, the moved golden case

    # The proposer cannot approve: no button, and the service refuses.
    detail = reverse("admin:incentives_changeproposal_change", args=[proposal.pk])
    page = client.get(detail)
    assert 'data-testid="approve-disabled"' in page.content.decode()
    refused = client.post(detail, {"action": "approve", "effective_on": LATER.isoformat()})
    assert "另一位" in text_of(refused) or "another catalogue admin" in text_of(refused)
    proposal.refresh_from_db()
    assert proposal.status == "pending"

    client.force_login(approver)
    response = client.post(detail, {"action": "approve", "effective_on": LATER.isoformat()})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "approved" and proposal.decided_by == approver
    assert apply_due_proposals() == 0, "not before its date"
    assert item.rules.count() == 1

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "today", lambda: LATER)
        assert apply_due_proposals() == 1
    proposal.refresh_from_db()
    assert proposal.status == "applied"
    old, new = item.rules.order_by("pk")
    assert old.params["amount"] == 200000 and old.effective_to == LATER - datetime.timedelta(1)
    assert new.params["amount"] == 250000 and new.effective_from == LATER
    item.refresh_from_db()
    assert "25万元" in item.summary
    # The old case still holds under the old rule; the moved case guards the new one.
    cases = {c.name: c for c in item.golden_cases.all()}
    assert cases["新认定高企"].expected_amount == Decimal(200000)
    moved = [c for name, c in cases.items() if name.startswith("新认定高企") and c.on_date == LATER]
    assert len(moved) == 1 and moved[0].expected_amount == Decimal(250000)
    assert (
        moved[0].facts["hitech_certified_on"]
        == (LATER - (datetime.date(2020, 6, 1) - datetime.date(2020, 3, 1))).isoformat()
    )
    # The history of the rule says why.
    assert "市政府常务会议" in (new.history.first().history_change_reason or "")

    # The item's history page shows the change in words: who, when, why.
    history = client.get(reverse("admin:incentives_incentiveitem_history", args=[item.pk]))
    text = text_of(history)
    assert "市政府常务会议决定提高奖励标准" in text
    assert "25万元" in text and "甲管理" in text and "乙管理" in text


def test_approved_for_today_it_takes_effect_at_once(client, proposer, approver, item):
    data = to_25_wan(item, effective_on=TODAY.isoformat())
    client.force_login(proposer)
    client.post(reverse("admin:incentives_incentiveitem_editor", args=[item.pk]), data)
    proposal = ChangeProposal.objects.get()
    proposals.approve(proposal=proposal, by=approver)
    proposal.refresh_from_db()
    assert proposal.status == "applied"
    assert [r.params["amount"] for r in item.rules.order_by("pk")] == [200000, 250000]


def test_no_one_approves_their_own_change_not_even_in_the_database(proposer, approver, item):
    proposal = proposed(item, by=proposer)
    with pytest.raises(proposals.ProposalError):
        proposals.approve(proposal=proposal, by=proposer)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeProposal.objects.filter(pk=proposal.pk).update(status="approved", decided_by=proposer)
    # One open proposal per item.
    with pytest.raises(proposals.ProposalError):
        proposed(item, by=approver)


def test_a_condition_change_updates_a_case_in_place_once_confirmed(proposer, approver, item):
    forms_ = editor.EditorForms(item)
    index = next(
        i for i, f in enumerate(forms_.conditions.forms) if f.fact_key == "hitech_certified_on"
    )
    case = GoldenCase.objects.get(item=item, name="认定已超过一年")
    data = editor_data(
        item,
        **{
            f"conditions-{index}-value": "730",
            "effective_on": TODAY.isoformat(),
            "confirm": [case.pk],
            "reason": "认定后两年内均可申请",
        },
    )
    forms_ = editor.EditorForms(item, query(data))
    assert forms_.is_valid(), forms_.errors()
    seen = proposals.preview(item, forms_.edit())
    changed = {row.case.name for row in seen.changed_rows}
    assert changed == {"认定已超过一年"}, changed
    proposal = proposals.propose(
        item=item,
        by=proposer,
        edit=forms_.edit(),
        confirmed_ids=forms_.confirmed,
        reason=forms_.reason,
    )
    assert any("730" in c["new"] for c in proposal.changes), proposal.changes
    proposals.approve(proposal=proposal, by=approver)
    case.refresh_from_db()
    assert case.expected_verdict == "eligible" and case.expected_amount == Decimal(200000)
    assert item.conditions.get(fact="hitech_certified_on").value == 730
    assert GoldenCase.objects.filter(item=item).count() == 4


def test_a_rejected_or_withdrawn_proposal_changes_nothing(proposer, approver, item):
    proposal = proposed(item, by=proposer)
    with pytest.raises(proposals.ProposalError):
        proposals.reject(proposal=proposal, by=approver, note="")
    proposals.reject(proposal=proposal, by=approver, note="金额待财政局确认")
    proposal.refresh_from_db()
    assert proposal.status == "rejected"
    assert item.rules.get().params["amount"] == 200000
    again = proposed(item, by=proposer)
    with pytest.raises(proposals.ProposalError):
        proposals.withdraw(proposal=again, by=approver)
    proposals.withdraw(proposal=again, by=proposer)
    assert item.rules.get().params["amount"] == 200000


def test_a_change_made_meanwhile_stops_the_proposal_from_taking_effect(proposer, approver, item):
    proposal = proposed(item, by=proposer)
    proposals.approve(proposal=proposal, by=approver)
    # Someone loads a corrected catalogue before the date: the proposal no longer fits.
    IncentiveItem.objects.filter(pk=item.pk).update(summary="另一段摘要")
    applied, failed = proposals.apply_due(today=LATER)
    assert applied == [] and failed == [proposal]
    proposal.refresh_from_db()
    assert proposal.status == "failed" and proposal.decision_note
    assert item.rules.get().params["amount"] == 200000


# --- the old ways in are closed ---------------------------------------------------------------


def test_rules_conditions_and_cases_cannot_be_changed_outside_the_editor(client, proposer, item):
    client.force_login(proposer)
    rule = item.rules.get()
    url = reverse("admin:incentives_awardrule_change", args=[rule.pk])
    response = client.post(url, {"params": '{"kind": "fixed", "amount": 250000}'})
    assert response.status_code == 403
    condition = item.conditions.first()
    assert (
        client.post(reverse("admin:incentives_condition_delete", args=[condition.pk])).status_code
        == 403
    )
    case = item.golden_cases.first()
    assert (
        client.post(
            reverse("admin:incentives_goldencase_delete", args=[case.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    history = rule.history.first()
    revert = reverse(
        "admin:incentives_awardrule_simple_history", args=[rule.pk, history.history_id]
    )
    assert client.post(revert, {}).status_code == 403
    assert item.rules.get().params["amount"] == 200000
    assert item.golden_cases.count() == 4


@pytest.mark.parametrize(
    ("text", "stale"),
    [
        ("一次性奖励20万元", True),
        ("一次性奖励20.0万元", True),
        ("奖励200000元", True),
        ("奖励200,000元", True),
        ("奖励120万元", False),
        ("奖励20.5万元", False),
        ("奖励25万元", False),
    ],
)
def test_the_old_figure_is_found_in_the_text_and_nothing_else(text, stale):
    found = proposals.stale_figures(
        {"kind": "fixed", "amount": 200000}, {"kind": "fixed", "amount": 250000}, text
    )
    assert bool(found) is stale, (text, found)


def test_the_editor_page_needs_a_catalogue_admin(client, make_user, item):
    client.force_login(make_user(Role.BUREAU))
    response = client.get(reverse("admin:incentives_incentiveitem_editor", args=[item.pk]))
    assert response.status_code in (302, 403)
    assert not AwardRule.objects.filter(item=item, params__amount=250000).exists()


def test_the_other_admin_finds_the_proposal_on_their_home_page(client, proposer, approver, item):
    proposed(item, by=proposer)
    client.force_login(approver)
    page = client.get(reverse("portal:catalogue_admin_home")).content.decode()
    section = page.split('data-testid="proposals-to-approve"', 1)[1].split("</section>", 1)[0]
    assert "新认定高新技术企业奖励" in section.split("</ul>", 1)[0]
    client.force_login(proposer)
    page = client.get(reverse("portal:catalogue_admin_home")).content.decode()
    section = page.split('data-testid="proposals-to-approve"', 1)[1].split("</section>", 1)[0]
    assert "<ul" not in section, "one's own proposal is not offered for one's approval"


def test_proposals_and_their_decisions_are_in_the_audit_log(proposer, approver, item):
    from audit.log import audit_rows

    proposal = proposed(item, by=proposer)
    proposals.approve(proposal=proposal, by=approver)
    rows = [row for row in audit_rows() if row.object.startswith("修改提案")]
    assert len(rows) >= 2, "proposed, then approved (and in effect)"
    assert any(row.who.startswith("甲管理") for row in rows)
    assert any(row.who.startswith("乙管理") and "已批准" in row.change for row in rows), rows
    assert any("提出人: 甲管理" in row.change for row in rows), rows


@pytest.mark.parametrize(
    "hostile",
    [
        {"kind": "no-such-kind"},
        {"rule-amount": "-5"},
        {"rule-amount": "1e400"},
        {"rule-amount": "abc"},
        {"effective_on": "2020-01-01"},
        {"effective_on": "not a date"},
        {"confirm": ["abc", "99999999"]},
        {"conditions-TOTAL_FORMS": "100000"},
        {"conditions-TOTAL_FORMS": "x"},
        {"conditions-0-fact": "no_such_fact"},
        {"conditions-0-op": "drop table"},
        {"conditions-1-value": "-1"},
        {"summary": ""},
        {"add_condition": "1", "conditions-TOTAL_FORMS": "abc"},
    ],
)
def test_hostile_editor_posts_are_refused_in_words_never_a_500(client, proposer, item, hostile):
    client.force_login(proposer)
    data = {**editor_data(item, **{"rule-amount": "25"}), **hostile}
    for name in ("editor", "editor_preview", "editor_form"):
        url = reverse(f"admin:incentives_incentiveitem_{name}", args=[item.pk])
        response = client.post(url, data)
        assert response.status_code < 500, (name, hostile)
    assert not ChangeProposal.objects.exists()
    assert item.rules.get().params["amount"] == 200000
