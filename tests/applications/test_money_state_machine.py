"""The money invariants under random walks (issue 12, "How it is checked").

A Hypothesis state machine drives random sequences of steps by random actors through the real
services on PostgreSQL: enterprises of 唐山 and 酒泉 (and a 唐山 institution) start cases for
their own city's items and for the other city's, and claim again after a decision; they attach
materials, submit, confirm 免申即享 offers, resubmit and withdraw; reviewers and heads of both
cities (and a head of a bureau that leads nothing here) accept, return, ask for 补正 and 会签,
approve amounts drawn from the boundaries (0, the exact amount, bound ± 0.01, the 双人复核
threshold, the budget left, 999999999999.99, random), sign off or decline as the same or another
head, reject, publicise and pay; anonymous visitors object during 公示 and heads uphold or
dismiss; time passes the publicity window. Any step may be refused with ``ApplicationError`` —
a valid outcome — and nothing else may be raised. After every step the database must show:

1. no enterprise holds two live grants of an item that pays once, none two in one slot, no case
   is paid twice, no yearly item twice in one period and no per-project item twice for one
   project (however its name is spaced);
2. every live grant goes to an enterprise the item's plan serves;
3. every live grant is above zero, within the upper bound of the rule in effect on its date (a
   fixed award exactly its amount, a range not below its floor) and within the item's yearly
   budget (and a rule without a top pays only against a budget);
4. no budget is overspent or below zero, and what it says is used is what the live grants sum to;
5. every reversal is the decision of a lead bureau of the case, with a reason, and an
   ``uphold_objection`` event by that person on the case;
6. a case's state never changes without an event by a person entitled to the step (the 免申即享
   offer, by the system, excepted; the events chain from state to state up to the case's own),
   and no head signs off the amount they proposed;
7. the ledger and the cases agree: a live grant stands for a decided case of that amount, and
   above the 双人复核 threshold it follows a second head's sign-off.

Each example runs in a savepoint rolled back in ``teardown``, so each starts from the same
clean world (the actors and the catalogue, set up once per test). Figures go to stdout,
``var/test-logs/money_state_machine.txt`` and ``var/reliability/money_state_machine.json``
(printed by ``scripts/reliability_figures.py``).
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import BureauPosition, Role
from applications import casework, services, workflow
from applications.models import (
    EDITABLE_STATES,
    GRANTED_STATES,
    OPEN_STATES,
    Application,
    CaseEvent,
    ItemBudget,
    Objection,
    State,
)
from incentives import matching
from incentives import services as catalogue_services
from incentives.catalogue.files import PROJECT_INPUT
from incentives.models import AssignmentRole, Grant, IncentiveItem, PaysOnce
from incentives.plans import plan_for
from incentives.rules import rule_in_effect, rule_upper_bound
from incentives.selectors import item_bureaus
from tests import factories
from tests.applications.conftest import attach_all

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "var" / "test-logs" / "money_state_machine.txt"
FIGURES = ROOT / "var" / "reliability" / "money_state_machine.json"

# About 60–120 s on PostgreSQL on a 2-core machine.
SEQUENCES, STEPS = 60, 40
SETTINGS = settings(
    max_examples=SEQUENCES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)

# The items: a once-only award with a budget (also offered 免申即享), a yearly one, a range with
# only a budget for top, a cap, and another city's provincial award (推荐上报).
ITEMS = {  # the once-only item last: its 免申即享 offers open enough cases of it
    "range": "ts2019-achievement-projects",
    "cap": "ts2019-major-project",
    "yearly": "ts2019-hitech-renewal",
    "other_city": "jq-hitech-new",
    "once": "ts2019-hitech-new",
}
ONCE_BUDGET = Decimal(500_000)  # room for two awards of 20万
MAX_OPEN_CASES = 5  # at a time in a walk, so that its steps go deep rather than wide

ENTERPRISES = ["ts_a", "ts_b", "ts_c", "ts_renewal", "ts_institution", "jq_a", "jq_b"]
STAFF = [
    "ts_reviewer",
    "ts_head1",
    "ts_head2",
    "jq_reviewer",
    "jq_head1",
    "jq_head2",
    "ts_finance_head",  # head of a bureau that leads none of these items
    "anonymous",
    "own_enterprise",
]
# Who takes a bureau's step: one of the case's own lead bureau (by city), or anybody.
BUREAU_ACTOR = st.one_of(st.sampled_from(["reviewer", "head", "head2"]), st.sampled_from(STAFF))
ENTERPRISE_ACTOR = st.one_of(st.just("own"), st.sampled_from([*ENTERPRISES, "ts_reviewer"]))
COMMENT = st.sampled_from(["材料需核实", "证书存疑，请复核", "", "  "])
AMOUNT = st.one_of(
    st.sampled_from(
        [
            "none",
            "0",
            "exact",
            "bound-0.01",
            "bound",
            "bound+0.01",
            "threshold",
            "threshold+0.01",
            "budget left",
            "budget left+0.01",
            "999999999999.99",
        ]
    ),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5_000_000), places=2),
)
# ``fit``: when the drawn case is not in a state the step can start from, take the oldest case
# that is (so that random walks get deep); with False the drawn case is tried as it is.
FIT = st.booleans()
PROJECTS = ["项目甲", "  项目甲 ", "项目乙"]
DECIDED_OR_CLOSED = (
    *GRANTED_STATES,
    State.REJECTED,
    State.RETURNED,
    State.WITHDRAWN,
)
RARELY = st.sampled_from([False, False, False, True])  # for a step that ends a case
PREPARE = st.sampled_from([True, True, True, False])  # fill the form and attach, mostly


def when(*states):
    """Offer a rule only while some case of the example is in one of these states (the drawn
    case itself may be in any state)."""
    return precondition(lambda self: any(self._states()[state] for state in states))


def _project(case: Application | None) -> str:
    """The project a claim names, as the document means it (spacing and case aside)."""
    name = str(((case.form_data if case else None) or {}).get(PROJECT_INPUT) or "")
    return " ".join(name.split()).casefold()


def _reason(error: Exception) -> str:
    """A refusal's message without its case numbers, dates and amounts, to count by reason."""
    text = re.sub(r"SQ[0-9A-F]{12}", "SQ…", str(error))
    text = re.sub(r"\d[\d,.:\-]*", "#", text)
    return text[:48]


class World:
    """The actors and items every example starts from (made once per test)."""

    def __init__(self, make_user):
        today = timezone.localdate()
        self._rules: dict[int, list] = {}
        self.items = {label: IncentiveItem.objects.get(key=key) for label, key in ITEMS.items()}
        once = self.items["once"]
        # The catalogue update reads 20万 for a new 高企 as once per enterprise; say so here
        # until the seed files do (then this changes nothing). The invariants read ``pays``.
        once.pays = PaysOnce.ONCE
        once.delivery = "no_application"
        once.yearly_budget = ONCE_BUDGET
        once.save(update_fields=["pays", "delivery", "yearly_budget"])
        for label in ("range", "cap"):
            kind = (rule_in_effect(self.rules(self.items[label]), today) or {}).get("kind")
            assert kind in ("range", "cap_only"), (label, kind)
        assert self.items["other_city"].funding_level == "provincial"

        def qualify(user, recognition):
            factories.qualification(
                user.enterprise,
                kind="hitech",
                recognition=recognition,
                recognized_on=today - datetime.timedelta(days=30),
                expires_on=today + datetime.timedelta(days=1000),
                source="verified",
            )
            return user

        def company(city, recognition="new"):
            return qualify(
                make_user(Role.ENTERPRISE, city=city, is_enterprise_admin=True), recognition
            )

        institution = factories.enterprise_admin(kind=factories.INSTITUTION, name="测试事业单位")
        self.users = {
            "ts_a": company("唐山市"),
            "ts_b": company("唐山市"),
            "ts_c": company("唐山市"),
            "ts_renewal": company("唐山市", "renewal"),
            "ts_institution": qualify(institution, "new"),
            "jq_a": company("酒泉市"),
            "jq_b": company("酒泉市"),
        }
        ts_lead = casework.routing_bureaus(item=once)[0]
        jq_lead = casework.routing_bureaus(item=self.items["other_city"])[0]
        for prefix, bureau in (("ts", ts_lead), ("jq", jq_lead)):
            city = bureau.city.name
            self.users[f"{prefix}_reviewer"] = make_user(
                Role.BUREAU, city=city, bureau_name=bureau.name
            )
            for n in (1, 2):
                self.users[f"{prefix}_head{n}"] = make_user(
                    Role.BUREAU,
                    city=city,
                    bureau_name=bureau.name,
                    bureau_position=BureauPosition.HEAD,
                )
        self.users["ts_finance_head"] = make_user(
            Role.BUREAU, bureau_name="市财政局", bureau_position=BureauPosition.HEAD
        )
        self.users["anonymous"] = AnonymousUser()
        self.staff_by_city = {
            ts_lead.city_id: {
                "reviewer": self.users["ts_reviewer"],
                "head": self.users["ts_head1"],
                "head2": self.users["ts_head2"],
            },
            jq_lead.city_id: {
                "reviewer": self.users["jq_reviewer"],
                "head": self.users["jq_head1"],
                "head2": self.users["jq_head2"],
            },
        }
        # One person in each unit a 会签 may ask (the items' responsible units in their city).
        self.cosigners = {}
        for item in self.items.values():
            city_id = item.measure.document.region_id
            for bureau in item_bureaus(item, AssignmentRole.RESPONSIBLE):
                if bureau.city_id == city_id and bureau.pk not in self.cosigners:
                    self.cosigners[bureau.pk] = make_user(
                        Role.BUREAU, city=bureau.city.name, bureau_name=bureau.name
                    )
        for name in ENTERPRISES:
            matching.enterprise_recompute(enterprise_id=self.users[name].enterprise_id)
        self.owner = {self.users[n].enterprise_id: self.users[n] for n in ENTERPRISES}

    def rules(self, item) -> list:
        """The item's award rules as data (they do not change during the test)."""
        if item.pk not in self._rules:
            self._rules[item.pk] = [r.as_rule() for r in item.rules.all()]
        return self._rules[item.pk]


class MoneyMachine(RuleBasedStateMachine):
    world: World
    sequences = 0
    steps = 0
    violations = 0
    refusals: Counter
    grants: Counter
    tried: Counter
    taken: Counter

    cases = Bundle("cases")

    def __init__(self):
        super().__init__()
        self.first_step = type(self).steps
        # Each example in a savepoint rolled back in teardown: the same clean world each time.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.case_ids: list[int] = []
        self._state_cache: Counter | None = None
        self._snapshot: Snapshot | None = None
        self.offers = 0

    def teardown(self):
        # Hypothesis also starts walks it abandons before their first step: not counted.
        type(self).sequences += type(self).steps > self.first_step
        labels = {key: label for label, key in ITEMS.items()}
        for key, reversed_at in Grant.objects.values_list("item__key", "reversed_at"):
            type(self).grants[labels.get(key, key)] += 1
            type(self).grants["reversed"] += reversed_at is not None
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # -- helpers ----------------------------------------------------------------------------

    def _attempt(self, action: str, call):
        """Take a step; a refusal (``ApplicationError``) is a valid outcome, nothing else is."""
        type(self).steps += 1
        type(self).tried[action] += 1
        self._state_cache = self._snapshot = None
        try:
            result = call()
        except services.ApplicationError as refusal:
            type(self).refusals[_reason(refusal)] += 1
            return None
        type(self).taken[action] += 1
        return result

    def _states(self) -> Counter:
        """How many of the example's cases are in each state (cached until the next step)."""
        if self._state_cache is None:
            self._state_cache = Counter(
                Application.objects.filter(pk__in=self.case_ids).values_list("state", flat=True)
            )
        return self._state_cache

    def _case(self, case_id: int, fit: bool, action_or_states) -> Application:
        """The drawn case; with ``fit``, the oldest case whose state the step can start from
        if the drawn one's is not."""
        states = (
            workflow.TRANSITIONS[action_or_states].sources
            if isinstance(action_or_states, str)
            else action_or_states
        )
        cases = Application.objects.select_related("item__measure__document", "enterprise")
        application = cases.get(pk=case_id)
        if fit and application.state not in states:
            fitting = cases.filter(pk__in=self.case_ids, state__in=list(states)).order_by("pk")
            application = fitting.first() or application
        return application

    def _bureau_actor(self, who: str, application: Application):
        if who in ("reviewer", "head", "head2"):
            city_id = application.item.measure.document.region_id
            return self.world.staff_by_city[city_id][who]
        if who == "own_enterprise":
            return self.world.owner[application.enterprise_id]
        return self.world.users[who]

    def _enterprise_actor(self, who: str, application: Application):
        if who == "own":
            return self.world.owner[application.enterprise_id]
        return self.world.users[who]

    def _step(self, application: Application, action: str, actor, **kwargs):
        return self._attempt(
            action,
            lambda: services.transition(
                application_id=application.pk, user=actor, action=action, **kwargs
            ),
        )

    def _prepare(self, application: Application) -> None:
        """What the enterprise does in the form before submitting: fill the claim's inputs and
        attach the materials it lacks (only while the case is editable)."""
        if application.state not in EDITABLE_STATES:
            return
        self._snapshot = None
        owner = self.world.owner[application.enterprise_id]
        declared = catalogue_services.item_declared(item=application.item)
        form = dict(application.form_data or {})
        for input_ in application.item.inputs or []:
            key = input_["key"]
            if form.get(key) in (None, ""):
                kind = (declared.get(key) or {}).get("type")
                choices = (declared.get(key) or {}).get("choices") or [""]
                if key == PROJECT_INPUT:
                    # The enterprise's 1st, 4th… claim of the item names 项目甲, the 2nd the
                    # same project spelt differently, the 3rd another project.
                    earlier = Application.objects.filter(
                        enterprise_id=application.enterprise_id,
                        item_id=application.item_id,
                        pk__lt=application.pk,
                    ).count()
                    form[key] = PROJECTS[earlier % len(PROJECTS)]
                    continue
                form[key] = {
                    "bool": True,
                    "int": 1,
                    "money": "200000",
                    "decimal": "200000",
                    "percent": "10",
                    "date": timezone.localdate().isoformat(),
                    "choice": (choices[0] if isinstance(choices, list) else next(iter(choices))),
                }.get(kind, "项目甲")
        if form != (application.form_data or {}):
            services.application_update(application=application, user=owner, form_data=form)
        have = set(application.materials.values_list("label", flat=True))
        if set(application.item.materials or []) - have:
            attach_all(application, owner)

    def _amount(self, label, application: Application) -> Decimal | None:
        if not isinstance(label, str):
            return label
        if label == "none":
            return None
        if label in ("0", "999999999999.99"):
            return Decimal(label)
        item = application.item
        rule = rule_in_effect(self.world.rules(item), timezone.localdate())
        bounds = casework.amount_bounds(application)
        low, high = (bounds[0], bounds[1]) if not isinstance(bounds, str) else (None, None)
        top = rule_upper_bound(rule) if rule else None
        if top is None:
            top = high or item.yearly_budget or Decimal(1_000_000)
        budget = ItemBudget.objects.filter(item=item, year=timezone.localdate().year).first()
        left = budget.remaining if budget else (item.yearly_budget or top)
        base, plus = label.split("+") if "+" in label else (label, "0")
        base, minus = base.split("-") if "-" in base else (base, "0")
        value = {
            "exact": (low if low is not None and low == high else (high or low or top)),
            "bound": top,
            "threshold": casework.second_review_above(item),
            "budget left": left,
        }[base]
        return value + Decimal(plus) - Decimal(minus)

    # -- enterprises ----------------------------------------------------------------------

    @precondition(lambda self: sum(self._states()[s] for s in OPEN_STATES) < MAX_OPEN_CASES)
    @rule(target=cases, who=st.sampled_from(ENTERPRISES), item=st.sampled_from(list(ITEMS)))
    def start(self, who, item):
        return self._start(self.world.users[who], self.world.items[item])

    def _start(self, user, item, label="start"):
        application = self._attempt(label, lambda: services.application_start(user=user, item=item))
        if application is None or application.pk in self.case_ids:
            return multiple()
        self.case_ids.append(application.pk)
        return application.pk

    @when(*DECIDED_OR_CLOSED)
    @rule(target=cases, case=cases, fit=FIT)
    def claim_again(self, case, fit):
        """The enterprise of a decided or closed case claims the same item again."""
        application = self._case(case, fit, DECIDED_OR_CLOSED)
        owner = self.world.owner[application.enterprise_id]
        return self._start(owner, application.item, "claim again")

    @precondition(lambda self: self.offers < 1)
    @rule(target=cases)
    def offer(self):
        """免申即享: the system opens cases where verified data prove eligibility (once in a
        walk: each offer that is withdrawn comes back, and would crowd out the rest)."""
        self.offers += 1
        self._attempt("offer", services.applications_offer)
        new = list(
            Application.objects.filter(state=State.OFFERED)
            .exclude(pk__in=self.case_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.case_ids.extend(new)
        type(self).taken["offered cases"] += len(new)
        return multiple(*new)

    @when(State.DRAFT)
    @rule(case=cases, who=ENTERPRISE_ACTOR, prepare=PREPARE, fit=FIT)
    def submit(self, case, who, prepare, fit):
        application = self._case(case, fit, "submit")
        if prepare:
            self._prepare(application)
        self._step(application, "submit", self._enterprise_actor(who, application))

    @when(State.OFFERED)
    @rule(
        case=cases, who=ENTERPRISE_ACTOR, bank=st.sampled_from(["6222 0000 1111 2222", ""]), fit=FIT
    )
    def confirm(self, case, who, bank, fit):
        application = self._case(case, fit, "confirm")
        self._prepare(application)
        self._step(
            application, "confirm", self._enterprise_actor(who, application), bank_account=bank
        )

    @when(State.SUPPLEMENT)
    @rule(case=cases, who=ENTERPRISE_ACTOR, fit=FIT)
    def resubmit(self, case, who, fit):
        application = self._case(case, fit, "resubmit")
        self._step(application, "resubmit", self._enterprise_actor(who, application))

    @when(*workflow.BEFORE_DECISION)
    @rule(case=cases, who=ENTERPRISE_ACTOR, fit=RARELY)
    def withdraw(self, case, who, fit):
        application = self._case(case, fit, "withdraw")
        self._step(application, "withdraw", self._enterprise_actor(who, application))

    # -- the bureaus ------------------------------------------------------------------------

    def _bureau_step(self, case, fit, action, who, **kwargs):
        application = self._case(case, fit, action)
        self._step(application, action, self._bureau_actor(who, application), **kwargs)

    @when(State.SUBMITTED, State.RESUBMITTED)
    @rule(case=cases, who=BUREAU_ACTOR, fit=FIT)
    def accept(self, case, who, fit):
        self._bureau_step(case, fit, "accept", who)

    @when(State.SUBMITTED)
    @rule(case=cases, who=BUREAU_ACTOR, comment=COMMENT, fit=FIT)
    def return_case(self, case, who, comment, fit):
        self._bureau_step(case, fit, "return", who, comment=comment)

    @when(State.SUBMITTED, State.ACCEPTED, State.RESUBMITTED)
    @rule(case=cases, who=BUREAU_ACTOR, comment=COMMENT, fit=FIT)
    def request_supplement(self, case, who, comment, fit):
        self._bureau_step(case, fit, "request_supplement", who, comment=comment)

    @when(State.ACCEPTED)
    @rule(case=cases, who=BUREAU_ACTOR, fit=FIT)
    def request_cosign(self, case, who, fit):
        self._bureau_step(case, fit, "request_cosign", who)

    @when(State.COSIGN)
    @rule(
        case=cases,
        # Anonymous visitors never reach a co-review (the page admits bureau staff only, and
        # the service reads the user's role).
        who=st.one_of(st.just("asked"), st.sampled_from([s for s in STAFF if s != "anonymous"])),
        opinion=st.sampled_from(["agree", "disagree", "maybe"]),
        fit=FIT,
    )
    def cosign_answer(self, case, who, opinion, fit):
        application = self._case(case, fit, (State.COSIGN,))
        request = application.cosigns.filter(answered_at__isnull=True).order_by("pk").first()
        request = request or application.cosigns.order_by("pk").last()
        if request is None:
            return
        user = (
            self.world.cosigners.get(request.bureau_id, self.world.users["ts_reviewer"])
            if who == "asked"
            else self._bureau_actor(who, application)
        )
        self._attempt(
            "cosign_answer",
            lambda: services.cosign_answer(
                request_id=request.pk, user=user, opinion=opinion, comment="意见"
            ),
        )

    @when(State.ACCEPTED, State.COSIGN)
    @rule(case=cases, who=BUREAU_ACTOR, amount=AMOUNT, fit=FIT)
    def approve(self, case, who, amount, fit):
        application = self._case(case, fit, "approve")
        self._step(
            application,
            "approve",
            self._bureau_actor(who, application),
            amount=self._amount(amount, application),
        )

    @when(State.SIGNOFF)
    @rule(case=cases, who=BUREAU_ACTOR, fit=FIT)
    def sign_off(self, case, who, fit):
        self._bureau_step(case, fit, "sign_off", who)

    @when(State.SIGNOFF)
    @rule(case=cases, who=BUREAU_ACTOR, comment=COMMENT, fit=FIT)
    def decline_sign_off(self, case, who, comment, fit):
        self._bureau_step(case, fit, "decline_sign_off", who, comment=comment)

    @when(State.ACCEPTED, State.COSIGN, State.SIGNOFF)
    @rule(case=cases, who=BUREAU_ACTOR, comment=COMMENT, fit=FIT)
    def reject(self, case, who, comment, fit):
        self._bureau_step(case, fit, "reject", who, comment=comment)

    @when(State.APPROVED)
    @rule(case=cases, who=BUREAU_ACTOR, fit=FIT)
    def publicize(self, case, who, fit):
        self._bureau_step(case, fit, "publicize", who)

    @when(State.PUBLICIZED)
    @rule(
        case=cases,
        sender=st.integers(min_value=1, max_value=3),
        text=st.sampled_from(["该企业高企证书存疑", "同一项目重复申报", ""]),
        contact=st.sampled_from(["13800000000", ""]),
        fit=FIT,
    )
    def object_during_publicity(self, case, sender, text, contact, fit):
        """An anonymous visitor objects during 公示."""
        application = self._case(case, fit, (State.PUBLICIZED,))
        self._object(application, sender, text, contact)

    def _object(self, application, sender, text, contact):
        self._attempt(
            "objection",
            lambda: services.objection_file(
                application_id=application.pk,
                text=text,
                contact=contact,
                address=f"10.0.0.{sender}",
            ),
        )

    def _objection_id(self, application: Application, elsewhere: bool) -> int | None:
        objections = Objection.objects.order_by("-pk")
        if not elsewhere:
            objections = objections.filter(application=application, status="pending")
        return objections.values_list("pk", flat=True).first()

    @when(State.PUBLICIZED)
    @rule(
        case=cases,
        who=BUREAU_ACTOR,
        uphold=st.booleans(),
        comment=COMMENT,
        elsewhere=st.booleans(),
        fit=FIT,
    )
    def decide_objection(self, case, who, uphold, comment, elsewhere, fit):
        """The lead bureau's head upholds an objection (the grant is reversed) or dismisses it."""
        action = "uphold_objection" if uphold else "dismiss_objection"
        application = self._case(case, fit, action)
        self._step(
            application,
            action,
            self._bureau_actor(who, application),
            comment=comment,
            objection_id=self._objection_id(application, elsewhere),
        )

    @when(State.PUBLICIZED)
    @rule(case=cases, fit=FIT)
    def publicity_passes(self, case, fit):
        """Time passes: the publicity window ended yesterday (the one direct write)."""
        self._pass_publicity(self._case(case, fit, (State.PUBLICIZED,)))

    def _pass_publicity(self, application):
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        self._snapshot = None
        type(self).steps += 1
        type(self).tried["publicity_passes"] += 1
        if Application.objects.filter(
            pk=application.pk, state=State.PUBLICIZED, publicity_ends__gt=yesterday
        ).update(publicity_ends=yesterday):
            type(self).taken["publicity_passes"] += 1

    @when(State.PUBLICIZED)
    @rule(case=cases, who=BUREAU_ACTOR, reference=st.sampled_from(["ZF-2026-0001", ""]), fit=FIT)
    def disburse(self, case, who, reference, fit):
        self._bureau_step(
            case,
            fit,
            "disburse",
            who,
            paid_on=timezone.localdate(),
            payment_reference=reference,
        )

    # -- the next step of a case, by whom it belongs to ----------------------------------------

    @when(*OPEN_STATES)
    @rule(case=cases, amount=st.one_of(st.just("exact"), AMOUNT))
    def advance(self, case, amount):
        """The drawn case, or the oldest open one if the drawn one is closed, takes its natural
        next step by the person entitled to it: the head approves the exact amount or one
        drawn from the boundaries; a claim that cannot be submitted is withdrawn (so that it
        does not block the walk); in 公示 an objection is filed, upheld the first time and
        dismissed the next, and time passes before payment. So random walks reach 公示,
        objections, reversals and payment; each step still goes through the services and may
        be refused."""
        application = self._case(case, True, OPEN_STATES)
        state, owner = application.state, self.world.owner[application.enterprise_id]
        staff = self.world.staff_by_city[application.item.measure.document.region_id]
        if state in (State.OFFERED, State.DRAFT):
            self._prepare(application)
            action = "confirm" if state == State.OFFERED else "submit"
            if not self._step(application, action, owner, bank_account="6222 0000 1111 2222"):
                self._step(application, "withdraw", owner)  # the enterprise gives up
        elif state == State.SUPPLEMENT:
            self._step(application, "resubmit", owner)
        elif state in (State.SUBMITTED, State.RESUBMITTED):
            self._step(application, "accept", staff["reviewer"])
        elif state == State.COSIGN and application.cosigns.filter(answered_at__isnull=True):
            request = application.cosigns.filter(answered_at__isnull=True).first()
            user = self.world.cosigners.get(request.bureau_id, staff["reviewer"])
            self._attempt(
                "cosign_answer",
                lambda: services.cosign_answer(
                    request_id=request.pk, user=user, opinion="agree", comment="同意"
                ),
            )
        elif state in (State.ACCEPTED, State.COSIGN):
            self._step(
                application, "approve", staff["head"], amount=self._amount(amount, application)
            )
        elif state == State.SIGNOFF:
            proposer = application.events.filter(action="approve").order_by("-pk").first()
            second = staff["head2"] if proposer.actor_id == staff["head"].pk else staff["head"]
            self._step(application, "sign_off", second)
        elif state == State.APPROVED:
            self._step(application, "publicize", staff["reviewer"])
        elif state == State.PUBLICIZED:
            objections = set(application.objections.values_list("status", flat=True))
            open_window = application.publicity_ends >= timezone.localdate()
            if Objection.Status.PENDING in objections:
                decision = "dismiss" if Objection.Status.UPHELD in objections else "uphold"
                self._step(
                    application,
                    f"{decision}_objection",
                    staff["head"],
                    comment="经核查，理由如下",
                    objection_id=self._objection_id(application, False),
                )
            elif open_window and Objection.Status.DISMISSED not in objections:
                self._object(application, 9, "该企业不符合条件", "13900000000")
            elif open_window:
                self._pass_publicity(application)
            else:
                self._step(
                    application,
                    "disburse",
                    staff["reviewer"],
                    paid_on=timezone.localdate(),
                    payment_reference="ZF-2026-0002",
                )

    # -- the invariants ---------------------------------------------------------------------

    def _hold(self, name: str, problems: list[str]) -> None:
        if problems:
            type(self).violations += 1
            raise AssertionError(f"{name}: " + "; ".join(problems[:5]))

    def _ledger(self) -> Snapshot:
        """What the database holds now, read once per step for all the invariants (each
        helper that writes drops the snapshot first)."""
        if self._snapshot is None:
            self._snapshot = Snapshot.read()
        return self._snapshot

    @invariant()
    def pays_as_often_as_the_document_says(self):
        now = self._ledger()
        once = Counter(
            (g.enterprise_id, g.item_id) for g in now.live if g.item.pays == PaysOnce.ONCE
        )
        slots = Counter((g.enterprise_id, g.item_id, g.slot) for g in now.live)
        paid = Counter(g.reference for g in now.live if g.reference)
        yearly = Counter(
            (g.enterprise_id, g.item_id, getattr(now.cases.get(g.reference), "period", None))
            for g in now.live
            if g.item.pays == PaysOnce.PER_PERIOD
        )
        projects = Counter(
            (g.enterprise_id, g.item_id, _project(now.cases.get(g.reference)))
            for g in now.live
            if g.item.pays == PaysOnce.PER_PROJECT
        )
        self._hold(
            "pays once",
            [f"once-only item paid twice: {k}" for k, n in once.items() if n > 1]
            + [f"two live grants in one slot: {k}" for k, n in slots.items() if n > 1]
            + [f"case {k} paid {n} times" for k, n in paid.items() if n > 1]
            + [f"yearly item paid twice in a period: {k}" for k, n in yearly.items() if n > 1]
            + [f"project paid twice: {k}" for k, n in projects.items() if n > 1 and k[2]],
        )

    @invariant()
    def grants_only_inside_the_items_scope(self):
        self._hold(
            "scope",
            [
                f"{g.item.key} granted to {g.enterprise.name} (city {g.enterprise.city_id}, "
                f"code {g.enterprise.credit_code})"
                for g in self._ledger().live
                if not plan_for(g.item).serves(g.enterprise)
            ],
        )

    @invariant()
    def amounts_within_the_rule_and_the_budget(self):
        problems = []
        spent: Counter = Counter()
        for grant in self._ledger().live:
            item = grant.item
            rule = rule_in_effect(self.world.rules(item), grant.granted_on)
            top = rule_upper_bound(rule) if rule else None
            if grant.amount <= 0:
                problems.append(f"{item.key}: a grant of {grant.amount}")
            if top is not None and grant.amount > top:
                problems.append(f"{item.key}: {grant.amount} above the rule's top {top}")
            kind = (rule or {}).get("kind")
            if kind == "fixed" and not rule.get("up_to") and grant.amount != top:
                problems.append(f"{item.key}: {grant.amount}, the rule gives exactly {top}")
            if kind == "range" and grant.amount < Decimal(str(rule.get("min") or 0)):
                problems.append(f"{item.key}: {grant.amount} below the rule's floor")
            if item.yearly_budget is not None and grant.amount > item.yearly_budget:
                problems.append(f"{item.key}: {grant.amount} above the budget")
            if top is None and item.yearly_budget is None:
                problems.append(f"{item.key}: paid {grant.amount} with no top and no budget")
            spent[(item, grant.granted_on.year)] += grant.amount
        problems += [
            f"{item.key} {year}: {total} granted, budget {item.yearly_budget}"
            for (item, year), total in spent.items()
            if item.yearly_budget is not None and total > item.yearly_budget
        ]
        self._hold("amounts", problems)

    @invariant()
    def budgets_never_overspent_nor_below_zero(self):
        now, problems = self._ledger(), []
        spent: Counter = Counter()
        for grant in now.live:
            spent[(grant.item_id, grant.granted_on.year)] += grant.amount
        for budget in now.budgets:
            if not Decimal(0) <= budget.used <= budget.total:
                problems.append(f"{budget.item.key} {budget.year}: {budget.used}/{budget.total}")
            if budget.used != spent[(budget.item_id, budget.year)]:
                problems.append(
                    f"{budget.item.key} {budget.year}: used {budget.used}, live grants "
                    f"{spent[(budget.item_id, budget.year)]}"
                )
        self._hold("budgets", problems)

    @invariant()
    def reversals_are_the_lead_bureaus_decisions(self):
        now, problems = self._ledger(), []
        for grant in now.grants:
            if grant.reversed_at is None:
                continue
            who, case = grant.reversed_by, now.cases.get(grant.reference)
            if case is None or who is None:
                problems.append(f"grant {grant.pk} reversed without a case or a person")
                continue
            if who.role != Role.BUREAU or who.bureau_id not in now.leads[case.pk]:
                problems.append(f"{case.reference} reversed by {who} (not of its lead bureau)")
            if not grant.reversal_reason.strip():
                problems.append(f"{case.reference} reversed without a reason")
            if not any(
                e.action == "uphold_objection" and e.actor_id == who.pk for e in now.events[case.pk]
            ):
                problems.append(f"{case.reference} reversed with no uphold_objection by {who}")
        self._hold("reversals", problems)

    @invariant()
    def every_state_change_is_an_entitled_persons_event(self):
        now, problems = self._ledger(), []
        for case in now.cases.values():
            leads = now.leads[case.pk]
            state, proposer = "", None
            for event in now.events[case.pk]:
                if event.from_state != state:
                    problems.append(
                        f"{case.reference}: {event.action} from {event.from_state}, but the "
                        f"case was {state or 'new'}"
                    )
                unattended = event.actor is None and event.action != "offer"
                if event.to_state != event.from_state and unattended:
                    problems.append(f"{case.reference}: {event.action} by nobody")
                step, actor = workflow.TRANSITIONS.get(event.action), event.actor
                if step is not None and actor is not None:
                    if step.actor == workflow.ENTERPRISE:
                        entitled = (
                            actor.role == Role.ENTERPRISE
                            and actor.enterprise_id == case.enterprise_id
                        )
                    else:
                        entitled = actor.role == Role.BUREAU and actor.bureau_id in leads
                        if step.actor == workflow.LEAD_HEAD:
                            entitled = entitled and actor.bureau_position == BureauPosition.HEAD
                    if not entitled:
                        problems.append(f"{case.reference}: {event.action} by {actor}")
                if event.action == "approve":
                    proposer = event.actor_id
                if event.action == "sign_off" and event.actor_id == proposer:
                    problems.append(f"{case.reference}: signed off by the proposer")
                state = event.to_state
            if state != case.state:
                problems.append(f"{case.reference}: is {case.state}, its events say {state}")
        self._hold("events", problems)

    @invariant()
    def the_ledger_and_the_cases_agree(self):
        now, problems = self._ledger(), []
        paid = Counter(g.reference for g in now.live)
        for grant in now.live:
            case = now.cases.get(grant.reference)
            if case is None:
                problems.append(f"live grant {grant.pk} without a case")
                continue
            if case.state not in GRANTED_STATES or case.approved_amount != grant.amount:
                problems.append(
                    f"{case.reference}: live grant {grant.amount} but the case is "
                    f"{case.state} with {case.approved_amount}"
                )
            if (case.enterprise_id, case.item_id) != (grant.enterprise_id, grant.item_id):
                problems.append(f"{case.reference}: the grant names another enterprise or item")
            if grant.amount > casework.second_review_above(case.item):
                decisions = [
                    e.action for e in now.events[case.pk] if e.action in ("approve", "sign_off")
                ]
                if decisions[-1:] != ["sign_off"]:
                    problems.append(f"{case.reference}: {grant.amount} without a second head")
        for reference, case in now.cases.items():
            if case.state in GRANTED_STATES and case.approved_amount and paid[reference] != 1:
                problems.append(
                    f"{reference}: {case.state} with {case.approved_amount}, "
                    f"{paid[reference]} live grants"
                )
        self._hold("ledger", problems)


@dataclass
class Snapshot:
    grants: list[Grant]
    live: list[Grant]
    cases: dict[str, Application]  # by case number (``Grant.reference``)
    leads: dict[int, set[int]]  # case id → its lead bureaus
    events: dict[int, list[CaseEvent]]  # case id → its events in order
    budgets: list[ItemBudget]

    @classmethod
    def read(cls) -> Snapshot:
        grants = list(Grant.objects.select_related("item", "enterprise", "reversed_by"))
        leads: dict[int, set[int]] = defaultdict(set)
        for case_id, bureau_id in Application.lead_bureaus.through.objects.values_list(
            "application_id", "bureau_id"
        ):
            leads[case_id].add(bureau_id)
        events: dict[int, list[CaseEvent]] = defaultdict(list)
        for event in CaseEvent.objects.select_related("actor").order_by("at", "pk"):
            events[event.application_id].append(event)
        return cls(
            grants=grants,
            live=[g for g in grants if g.reversed_at is None],
            cases={a.reference: a for a in Application.objects.select_related("item")},
            leads=leads,
            events=events,
            budgets=list(ItemBudget.objects.select_related("item")),
        )


def _summary(seconds: float) -> str:
    m = MoneyMachine
    grants = ", ".join(f"{label} {n}" for label, n in sorted(m.grants.items()))
    reasons = "; ".join(f"{reason}… ×{n}" for reason, n in m.refusals.most_common(12))
    taken = ", ".join(
        f"{action} {m.taken[action]}/{m.tried[action]}" if action in m.tried else f"{action} {n}"
        for action, n in sorted((m.taken | m.tried).items())
    )
    return (
        f"state machine: {m.sequences} sequences, {m.steps} steps, {m.violations} invariant "
        f"violations in {seconds:.0f} s; grants recorded: {grants}; steps taken/tried: {taken}; "
        f"refusals by reason "
        f"({sum(m.refusals.values())}): {reasons}"
    )


def test_money_invariants_hold_on_random_walks_through_the_services(make_user, capsys):
    MoneyMachine.world = World(make_user)
    MoneyMachine.sequences = MoneyMachine.steps = MoneyMachine.violations = 0
    MoneyMachine.refusals, MoneyMachine.grants = Counter(), Counter()
    MoneyMachine.tried, MoneyMachine.taken = Counter(), Counter()
    # One line per delivered notice would bury the figures in the log.
    celery_log = logging.getLogger("celery.app.trace")
    level = celery_log.level
    celery_log.setLevel(logging.WARNING)
    started = time.monotonic()
    try:
        run_state_machine_as_test(MoneyMachine, settings=SETTINGS)
    finally:
        celery_log.setLevel(level)
        seconds = time.monotonic() - started
        line = _summary(seconds)
        with capsys.disabled():
            print("\n" + line)
        LOG.parent.mkdir(parents=True, exist_ok=True)
        LOG.write_text(line + "\n", encoding="utf-8")
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        FIGURES.write_text(
            json.dumps(
                {
                    "state_machine": {
                        "sequences": MoneyMachine.sequences,
                        "steps": MoneyMachine.steps,
                        "violations": MoneyMachine.violations,
                        "refusals": sum(MoneyMachine.refusals.values()),
                        "seconds": round(seconds),
                    },
                    "grants_recorded": dict(sorted(MoneyMachine.grants.items())),
                    "steps_taken": dict(sorted(MoneyMachine.taken.items())),
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    # The machine's @invariant methods raise at the first step that breaks one (run above); this
    # says there were steps for them to check.
    assert MoneyMachine.steps > 0 and MoneyMachine.violations == 0
