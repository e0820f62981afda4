"""Batch steps from the bureau queue: 受理, 公示 or 登记兑现 over the cases ticked. Each case goes
through ``services.transition`` on its own (its own transaction, lock, guards, event and
notices), so one refusal leaves the others done and nothing half-done."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from applications import selectors, services, workflow
from applications.models import Application

BATCH_ACTIONS = ("accept", "publicize", "disburse")


@dataclass(frozen=True)
class BatchOutcome:
    """What happened to one case of a batch: done, or refused with the reason in words."""

    case_id: int
    application: Application | None
    done: bool
    reason: str = ""


def cases_transition(
    *,
    user,
    action: str,
    case_ids: list[int],
    paid_on: datetime.date | None = None,
    payment_reference: str = "",
) -> list[BatchOutcome]:
    """Take one step on each case the user may open; a case they may not open is refused
    without saying anything about it."""
    if action not in BATCH_ACTIONS:
        raise services.ApplicationError(_("This step is not taken in a batch."))
    visible = {
        a.pk: a
        for a in selectors.visible_applications(user=user)
        .filter(pk__in=case_ids)
        .select_related("enterprise", "item")
    }
    outcomes = []
    for case_id in case_ids:
        application = visible.get(case_id)
        if application is None:
            outcomes.append(
                BatchOutcome(case_id, None, False, _("No such case among those you may open."))
            )
            continue
        try:
            services.transition(
                application_id=case_id,
                user=user,
                action=action,
                paid_on=paid_on,
                payment_reference=payment_reference,
            )
        except services.ApplicationError as error:
            outcomes.append(BatchOutcome(case_id, application, False, str(error)))
        else:
            application.refresh_from_db(fields=["state"])
            outcomes.append(BatchOutcome(case_id, application, True))
    return outcomes


def step_label(action: str) -> str:
    return str(workflow.TRANSITIONS[action].label)
