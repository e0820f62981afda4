"""我的政策 says the same whether a verdict was stored or derived.

An item out of force on the day stores no match (``incentives.shown``): its verdict is the
item's, derived when the page is shown. These tests store those verdicts as the code before did
(one row per enterprise and item) and compare the page, the API and the case page's verdict with
and without them: byte for byte, apart from the form tokens."""

import datetime
import re

import pytest
from django.urls import reverse

from applications.models import Application
from applications.selectors import case_match
from incentives import matching, plans, shown
from incentives.models import IncentiveItem, Match
from portal import clock
from tests import factories

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+"')


def page(client) -> str:
    return TOKEN.sub("", client.get(reverse("incentives:my_policies")).content.decode())


def newly_recognised(enterprise) -> None:
    """A 高新技术企业 certificate of a month ago: eligible for the 唐山 award for new ones."""
    today = clock.today()
    factories.qualification(
        enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=today - datetime.timedelta(days=30),
        expires_on=today + datetime.timedelta(days=1000),
    )


def store_derived_rows(enterprise, on) -> int:
    """Store every derived verdict as a row, as the code before this split did."""
    rows = [
        plan.match_row(enterprise.pk, plan.evaluate({}, on=on), on)
        for plan in plans.plans_for_enterprise(enterprise)
        if plan.out_of_force(on)
    ]
    Match.objects.bulk_create(rows)
    return len(rows)


@pytest.mark.parametrize("city", ["廊坊市", "唐山市"])
def test_my_policies_is_the_same_with_stored_or_derived_verdicts(client, city):
    user = factories.enterprise_admin(city=city)
    enterprise = user.enterprise
    newly_recognised(enterprise)
    matching.enterprise_recompute(enterprise_id=enterprise.pk)
    client.force_login(user)
    derived_page = page(client)
    derived_api = client.get("/api/v1/my/matches/").json()
    derived = [m for m in shown.enterprise_matches(enterprise=enterprise) if m.derived]
    assert derived, "the city has items out of force"
    assert not Match.objects.filter(
        enterprise=enterprise, item_id__in=[m.item_id for m in derived]
    ).exists()
    assert {m.status for m in derived} == {"not_in_force"}
    for m in derived:  # each explained, with the item's own reason
        assert m.reasons and m.reasons[0] in derived_page

    assert store_derived_rows(enterprise, clock.today()) == len(derived)
    assert page(client) == derived_page
    assert client.get("/api/v1/my/matches/").json() == derived_api
    # The next recompute deletes the stored copies again; the page does not change.
    matching.enterprise_recompute(enterprise_id=enterprise.pk)
    assert not Match.objects.filter(
        enterprise=enterprise, item_id__in=[m.item_id for m in derived]
    ).exists()
    assert page(client) == derived_page


def test_an_item_ending_today_shows_as_ended_before_the_nightly_run(client):
    """Its row was stored yesterday (eligible); today the page shows the item's end, as it will
    after the nightly run has deleted the row — and a case on the item shows the same."""
    user = factories.enterprise_admin(city="唐山市")
    enterprise = user.enterprise
    today = clock.today()
    newly_recognised(enterprise)
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    matching.enterprise_recompute(enterprise_id=enterprise.pk)
    assert Match.objects.get(enterprise=enterprise, item=item).status == "eligible"
    item.valid_to = today - datetime.timedelta(days=1)
    item.save()
    client.force_login(user)
    before_the_night = page(client)
    (shown_now,) = [m for m in shown.enterprise_matches(enterprise=enterprise) if m.item == item]
    assert shown_now.status == "not_in_force" and shown_now.derived
    case = Application.objects.create(
        enterprise=enterprise, item=item, period="2026", created_by=user
    )
    assert case_match(application=case).status == "not_in_force"
    matching.enterprise_recompute(enterprise_id=enterprise.pk)  # the nightly run's effect
    assert not Match.objects.filter(enterprise=enterprise, item=item).exists()
    assert page(client) == before_the_night
    assert case_match(application=case).status == "not_in_force"
