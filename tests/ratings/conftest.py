"""Fixtures of 好差评: the 唐山 科技局's reviewer and head, an enterprise whose case ends, and
helpers that end a case the way the bureau does (不予支持, or 兑现 after 公示)."""

import datetime
from decimal import Decimal

import pytest

from applications import services
from applications.models import Application
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
