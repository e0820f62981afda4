"""Demo cases for the embedded run command, so the bureau queue and the leadership dashboard
have something to show: cases of the demo enterprises under items they match, spread over this
year and the last, at every stage of the workflow, with their events, grants and budgets.

The cases are written directly (backdated), not through the workflow, and no notification is
sent. They are recorded as created by the catalogue admin's demo account. Loading again changes
nothing once demo cases exist (their case numbers start with DEMO).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from applications import ledger, services
from applications.models import GRANTED_STATES, Application, CaseEvent, ItemBudget, State
from incentives.models import Grant, Match, MatchStatus
from portal import clock

PREFIX = "DEMO"
# (final state, share): most cases are paid or on their way; some are refused or withdrawn.
OUTCOMES = [
    (State.DISBURSED, 30),
    (State.PUBLICIZED, 8),
    (State.APPROVED, 8),
    (State.REJECTED, 8),
    (State.COSIGN, 6),
    (State.SUPPLEMENT, 6),
    (State.ACCEPTED, 14),
    (State.SUBMITTED, 14),
    (State.WITHDRAWN, 6),
]
PATH = {
    State.SUBMITTED: [],
    State.WITHDRAWN: [("withdraw", State.WITHDRAWN)],
    State.ACCEPTED: [("accept", State.ACCEPTED)],
    State.SUPPLEMENT: [("accept", State.ACCEPTED), ("supplement", State.SUPPLEMENT)],
    State.COSIGN: [("accept", State.ACCEPTED), ("cosign", State.COSIGN)],
    State.REJECTED: [("accept", State.ACCEPTED), ("reject", State.REJECTED)],
    State.APPROVED: [("accept", State.ACCEPTED), ("approve", State.APPROVED)],
    State.PUBLICIZED: [
        ("accept", State.ACCEPTED),
        ("approve", State.APPROVED),
        ("publicize", State.PUBLICIZED),
    ],
    State.DISBURSED: [
        ("accept", State.ACCEPTED),
        ("approve", State.APPROVED),
        ("publicize", State.PUBLICIZED),
        ("disburse", State.DISBURSED),
    ],
}
GRANTED = set(GRANTED_STATES)


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    )


@transaction.atomic
def demo_cases_load(*, recorder, count: int = 160, seed: int = 7, today=None) -> int:
    """Create the demo cases unless they exist; returns how many were created."""
    if Application.objects.filter(reference__startswith=PREFIX).exists():
        return 0
    today = today or clock.today()
    rng = random.Random(seed)  # noqa: S311 - invented demo data, not secrets
    calendar = services.calendar()
    # Enterprises that qualify (or likely do: a reviewer judges the rest) for money.
    matches = list(
        Match.objects.filter(
            Q(amount__gt=0) | Q(maximum__gt=0),
            status__in=[MatchStatus.ELIGIBLE, MatchStatus.LIKELY_ELIGIBLE],
        )
        .select_related("item", "enterprise")
        .order_by("enterprise_id", "item_id")
    )
    rng.shuffle(matches)
    states = [s for s, share in OUTCOMES for _ in range(share)]
    created, used_by_item = 0, {}
    seen = set()
    for match in matches:
        if created >= count:
            break
        bureaus = services.routing_bureaus(item=match.item)
        if not bureaus:
            continue
        state = rng.choice(states)
        # Submitted some day of the last 14 months; open cases are recent.
        back = (
            rng.randint(1, 60)
            if state in {State.SUBMITTED, State.ACCEPTED}
            else rng.randint(20, 420)
        )
        submitted = calendar.previous_working_day(today - datetime.timedelta(days=back))
        period = str(submitted.year)
        # One case per slot of the ledger: a once-only award is demonstrated once.
        slot = "once" if match.item.pays == "once" else period
        if (match.enterprise_id, match.item_id, slot) in seen:
            continue
        seen.add((match.enterprise_id, match.item_id, slot))
        amount = Decimal(match.amount or match.maximum)
        case = Application.objects.create(
            reference=f"{PREFIX}{created + 1:06d}",
            enterprise=match.enterprise,
            item=match.item,
            period=period,
            state=state,
            form_data={},
            bank_account="6222 0000 0000 0000" if state in GRANTED else "",
            created_by=recorder,
            submitted_at=_moment(submitted, rng),
        )
        case.lead_bureaus.set(bureaus)
        events = [("submit", State.DRAFT, State.SUBMITTED, submitted, None)]
        day, previous = submitted, State.SUBMITTED
        for action, to_state in PATH[state]:
            step = {
                "accept": rng.randint(1, 5),
                "supplement": rng.randint(2, 10),
                "cosign": rng.randint(2, 10),
                "approve": rng.randint(8, 45),
                "reject": rng.randint(8, 45),
                "publicize": rng.randint(1, 3),
                "disburse": rng.randint(7, 40),
                "withdraw": rng.randint(1, 10),
            }[action]
            day = calendar.add_working_days(day, step)
            if day > today:
                day = today
            events.append(
                (action, previous, to_state, day, amount if action == "approve" else None)
            )
            if action == "accept":
                case.accepted_on = day
                case.deadline = calendar.add_working_days(day, services.processing_days(case.item))
            elif action in {"approve", "reject"}:
                case.decided_at = _moment(day, rng)
                if action == "approve":
                    case.approved_amount = amount
            elif action == "publicize":
                case.publicity_ends = calendar.add_working_days(day, 5)
            elif action == "disburse":
                case.paid_on = day
                case.payment_reference = f"DEMO-PAY-{created + 1:06d}"
            previous = to_state
        case.save()
        for action, from_state, to_state, day, event_amount in events:
            event = CaseEvent.objects.create(
                application=case,
                action=action,
                from_state=from_state,
                to_state=to_state,
                actor=None if action in {"submit", "withdraw"} else recorder,
                comment="演示数据" if action != "submit" else "",
                amount=event_amount,
            )
            CaseEvent.objects.filter(pk=event.pk).update(at=_moment(day, rng))
        if state in GRANTED:
            Grant.objects.create(
                enterprise=case.enterprise,
                item=case.item,
                granted_on=case.decided_at.date(),
                amount=amount,
                source=Grant.Source.APPLICATION,
                reference=case.reference,
                slot=ledger.application_slot(case),
            )
            key = (case.item_id, case.decided_at.year)
            used_by_item[key] = used_by_item.get(key, Decimal(0)) + amount
        created += 1
    for (item_id, year), used in used_by_item.items():
        # A budget a little above what was used, rounded to 10万元, so "left" is not zero.
        total = ((used * Decimal("1.4")) / 100000).to_integral_value() * 100000 + 100000
        ItemBudget.objects.update_or_create(
            item_id=item_id, year=year, defaults={"total": total, "used": used}
        )
    return created
