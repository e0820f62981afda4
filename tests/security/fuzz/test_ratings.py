"""Fuzzed forms of 好差评: the enterprise's rating (its own ended case, another enterprise's, case
numbers no case has), the head's rectification and reply (a reviewer's post is refused), and the
dashboard's satisfaction filters. Never a server error; a refused form says why; nothing is
stored that breaks the rules."""

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Role
from applications import services as case_services
from incentives.models import IncentiveItem
from ratings import services as rating_services
from ratings.forms import RatingForm, RectificationForm
from ratings.models import POOR_LEVELS, Rating, Rectification
from tests import factories
from tests.applications.conftest import attach_all
from tests.security.fuzz.helpers import (
    FUZZ,
    FUZZ_SETTINGS,
    RAW_QUERY,
    assert_says_why,
    draw_payload,
    plausible,
    rolled_back,
    send,
    web_client,
)


def _end(case, reviewer, head):
    case = case_services.transition(application_id=case.pk, user=reviewer, action="accept")
    return case_services.transition(
        application_id=case.pk, user=head, action="reject", comment="不符合条件"
    )


@pytest.fixture
def ended(submitted, reviewer, head):
    return _end(submitted, reviewer, head)


@pytest.fixture
def others_case(make_user, reviewer, head):
    """Another enterprise's ended case (its reference is what the fuzz guesses)."""
    other = factories.newly_certified_admin(make_user)
    case = case_services.application_start(
        user=other, item=IncentiveItem.objects.get(key="ts2019-hitech-new")
    )
    attach_all(case, other)
    case = case_services.transition(application_id=case.pk, user=other, action="submit")
    return _end(case, reviewer, head)


@FUZZ_SETTINGS
@given(data=st.data())
def test_rating_form(admin, admin_client, ended, others_case, data):
    whose = data.draw(st.sampled_from(["own", "own", "own", "other", "fuzz"]))
    reference = {
        "own": ended.reference,
        "other": others_case.reference,
        "fuzz": quote(data.draw(FUZZ), safe="") or "x",
    }[whose]
    base = plausible(RatingForm())
    base.update(reason=["等待时间太长", ""], comment=["办事高效", ""])
    payload = draw_payload(data, base)
    with rolled_back():
        response = send(admin_client, "rating", "post", f"/cases/{reference}/rate/", data=payload)
        if whose == "other":
            assert response.status_code == 404
        if response.status_code == 200:
            assert_says_why(response, required=True)
        assert not Rating.objects.filter(application=others_case).exists()
        for rating in Rating.objects.all():
            assert rating.level in range(1, 6)
            assert rating.level not in POOR_LEVELS or rating.reason.strip()
            assert "\x00" not in rating.comment + rating.reason


@pytest.fixture
def poor(admin, ended):
    rating = rating_services.rating_give(
        application_id=ended.pk, user=admin, level=1, reason="窗口无人"
    )
    return rating.rectification


@FUZZ_SETTINGS
@given(data=st.data())
def test_rectification_form(staff_clients, poor, data):
    who = data.draw(st.sampled_from(["head", "head", "head", "reviewer"]))
    pk = data.draw(st.sampled_from([str(poor.pk), str(poor.pk), "0", "9" * 30, "-1"]))
    payload = draw_payload(data, plausible(RectificationForm()))
    url = f"/bureau/ratings/rectify/{pk}/"
    with rolled_back():
        response = send(staff_clients[who], "rectification", "post", url, data=payload)
        if who == "reviewer" and pk == str(poor.pk):
            assert response.status_code == 403
        if response.status_code == 200:
            assert_says_why(response, required=True)
        row = Rectification.objects.get(pk=poor.pk)
        if row.done:
            assert who == "head" and row.rectified.strip() and row.reply.strip()


@pytest.fixture
def leadership_client(make_user, poor):
    return web_client(make_user(Role.LEADERSHIP))


@FUZZ_SETTINGS
@given(data=st.data())
def test_satisfaction_filters(leadership_client, data):
    client = leadership_client
    with rolled_back():
        if data.draw(st.booleans()):
            query = {"QUERY_STRING": data.draw(RAW_QUERY)}
            response = send(client, "satisfaction", "get", "/leadership/satisfaction/", **query)
        else:
            base = {"city": ["", "1", "999999"], "year": ["", "2026"], "export": ["", "xlsx"]}
            payload = draw_payload(data, base)
            response = send(
                client, "satisfaction", "get", "/leadership/satisfaction/", data=payload
            )
        assert response.status_code == 200
