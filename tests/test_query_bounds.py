"""The pages of the load benchmark (docs/benchmarks.md) issue as many queries with many
enterprises, cases, matches and notices as with three (fifteen here): no query per row."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import BureauPosition, Role
from applications.models import Application
from applications.services import routing_bureaus
from incentives import matching
from incentives.models import EnterpriseNotice, IncentiveItem
from tests import factories

pytestmark = pytest.mark.django_db
ITEM = "ts2019-hitech-new"


@pytest.fixture
def world(make_user):
    """An enterprise user and a reviewer of 唐山's 科技局, and a way to add enterprises (each with
    a 高企 certificate, a submitted case routed to the bureau and its matches) and notices."""
    today = datetime.date.today()
    user = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    reviewer = make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER)
    item = IncentiveItem.objects.get(key=ITEM)
    bureaus = routing_bureaus(item=item)
    assert reviewer.bureau in bureaus
    state = {"added": 0}

    def grow(count: int) -> None:
        for _ in range(count):
            n = state["added"] = state["added"] + 1
            other = make_user(Role.ENTERPRISE).enterprise
            for enterprise in (other, user.enterprise if n == 1 else None):
                if enterprise is not None:
                    factories.qualification(
                        enterprise,
                        kind="hitech",
                        recognition="new",
                        recognized_on=today - datetime.timedelta(days=30),
                        expires_on=today + datetime.timedelta(days=1000),
                    )
            for enterprise in (other, user.enterprise):
                case = Application.objects.create(
                    enterprise=enterprise,
                    item=item,
                    period=str(1000 + n),
                    state="submitted",
                    created_by=user,
                    submitted_at=datetime.datetime.now(tz=datetime.UTC),
                )
                case.lead_bureaus.set(bureaus)
            EnterpriseNotice.objects.create(
                enterprise=user.enterprise, item=item, kind="window_open", key=f"k{n}", message="m"
            )
        matching.all_recompute()

    return {"user": user, "reviewer": reviewer, "grow": grow}


PAGES = {
    "catalogue list": (None, lambda c: c.get(reverse("incentives:catalogue"))),
    "item page": (None, lambda c: c.get(reverse("incentives:item", args=[ITEM]))),
    "my policies": ("user", lambda c: c.get(reverse("incentives:my_policies"))),
    "bureau queue": ("reviewer", lambda c: c.get(reverse("applications:queue"))),
    "calculator API": (
        None,
        lambda c: c.post(
            "/api/v1/calculator/",
            json.dumps({"city": "唐山市", "facts": {"hitech_valid": True, "revenue": 30000000}}),
            content_type="application/json",
        ),
    ),
}


def _queries(client, world, page: str) -> int:
    who, request = PAGES[page]
    if who:
        client.force_login(world[who])
    request(client)  # sessions, caches and the like settle on the first request
    with CaptureQueriesContext(connection) as queries:
        response = request(client)
    assert response.status_code == 200, page
    return len(queries.captured_queries)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_queries_do_not_grow_with_the_data(client, world, page):
    world["grow"](3)
    few = _queries(client, world, page)
    world["grow"](12)
    assert _queries(client, world, page) == few
