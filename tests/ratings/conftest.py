"""Fixtures of 好差评: the 唐山 科技局's reviewer and head, an enterprise whose case ends, and
helpers that end a case the way the bureau does (不予支持, or 兑现 after 公示)."""

import datetime
from decimal import Decimal

import pytest

from applications import services
from applications.models import Application, CaseEvent
from incentives.models import IncentiveItem
from organisations.models import Bureau
from tests.applications.conftest import (  # noqa: F401 - fixtures shared with the case tests
    commit_callbacks_run_at_once,
    head,
    hitech_item,
    qualified,
    reviewer,
    submitted,
)


def act(application, user, action, **kwargs):
    return services.transition(application_id=application.pk, user=user, action=action, **kwargs)


def reject(application, staff, chief):
    application = act(application, staff, "accept")
    return act(application, chief, "reject", comment="不符合首次认定条件")


def disburse(application, staff, chief):
    application = act(application, staff, "accept")
    application = act(application, chief, "approve", amount=Decimal(200000))
    application = act(application, staff, "publicize")
    Application.objects.filter(pk=application.pk).update(
        publicity_ends=datetime.date.today() - datetime.timedelta(days=1)
    )
    return act(
        application, staff, "disburse", paid_on=datetime.date.today(), payment_reference="GK1"
    )


@pytest.fixture
def ended(submitted, reviewer, head):  # noqa: F811 - the imported fixtures
    """The 高企 case, not supported (不予支持): it may be rated."""
    return reject(submitted, reviewer, head)


def ended_row(user, *, item_key="ts2019-hitech-new", bureau=None, period="2024", state="rejected"):
    """An ended case of ``user``'s enterprise made as a row with the events the workflow leaves:
    the figures tests need many ended cases, and walking each through the workflow would only
    repeat what the workflow tests prove."""
    item = IncentiveItem.objects.get(key=item_key)
    case = Application.objects.create(
        enterprise=user.enterprise, item=item, period=period, state=state, created_by=user
    )
    case.lead_bureaus.add(bureau or Bureau.objects.get(name="市科学技术局", city__name="唐山市"))
    CaseEvent.objects.create(
        application=case, action="accept", from_state="submitted", to_state="accepted"
    )
    CaseEvent.objects.create(application=case, action="end", from_state="accepted", to_state=state)
    return case
