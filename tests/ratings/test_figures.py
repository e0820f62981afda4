"""Satisfaction figures with a known set of ratings: exact counts, averages, 满意率 and the share
of poor ratings rectified on time — by bureau, by item, in total, and filtered by city and year —
on the selectors, the bureau page and the leadership dashboard."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from incentives.models import IncentiveItem
from organisations.models import Bureau, Region
from ratings import selectors, services
from ratings.models import Rectification
from tests.ratings.conftest import ended_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(make_user, head):
    """Bureau X (唐山市科学技术局), item A: latest ratings 5, 4, 3 (after a poor 2 answered on
    time) and 1 (poor, overdue). 唐山市财政局, another item: 5 and 4, the 4 from a 廊坊 company."""
    tangshan = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    langfang = make_user(Role.ENTERPRISE, is_enterprise_admin=True, city="廊坊市")
    finance = Bureau.objects.get(name="市财政局", city__name="唐山市")
    other_item = _other_item()

    def rate(user, level, reason="", **row):
        case = ended_row(user, **row)
        return case, services.rating_give(
            application_id=case.pk, user=user, level=level, reason=reason
        )

    rate(tangshan, 5, period="2021")
    rate(tangshan, 4, period="2022")
    case, poor = rate(tangshan, 2, "等太久", period="2023")
    services.rectification_reply(
        rectification_id=poor.rectification.pk, user=head, rectified="压缩时限", reply="已改进"
    )
    services.rating_give(application_id=case.pk, user=tangshan, level=3)
    _case, overdue = rate(tangshan, 1, "无人答复", period="2024")
    # Time passes: the rectification's date is behind us, unanswered.
    Rectification.objects.filter(pk=overdue.rectification.pk).update(
        due_on=datetime.date.today() - datetime.timedelta(days=3)
    )
    rate(tangshan, 5, item_key=other_item, bureau=finance, period="2021")
    rate(langfang, 4, item_key=other_item, bureau=finance, period="2021")
    return {"finance": finance}


def _other_item():
    return IncentiveItem.objects.exclude(key="ts2019-hitech-new").order_by("pk").first().key


def test_the_total(rated):
    total = selectors.satisfaction(today=datetime.date.today())[0]
    assert total.count == 6
    assert total.levels == {5: 2, 4: 2, 3: 1, 1: 1}
    assert total.average == round(22 / 6, 2)
    assert total.satisfied_rate == 66.7
    assert (total.poor, total.due, total.on_time, total.open) == (2, 2, 1, 1)
    assert total.on_time_rate == 50.0


def test_by_bureau_and_by_item(rated):
    rows = {r.name: r for r in selectors.satisfaction(by="bureau", today=datetime.date.today())}
    x, finance = rows["唐山市科学技术局"], rows["唐山市财政局"]
    assert (x.count, x.average, x.satisfied_rate, x.poor, x.on_time_rate) == (
        4,
        3.25,
        50.0,
        2,
        50.0,
    )
    assert (finance.count, finance.average, finance.satisfied_rate, finance.poor) == (
        2, 4.5, 100.0, 0,
    )  # fmt: skip
    assert finance.on_time_rate is None
    items = selectors.satisfaction(by="item", today=datetime.date.today())
    assert [r.count for r in items] == [4, 2]


def test_filtered_by_city_and_bureau(rated):
    tangshan = Region.objects.get(name="唐山市")
    total = selectors.satisfaction(today=datetime.date.today(), city_id=tangshan.pk)[0]
    assert total.count == 5
    only_finance = selectors.satisfaction(
        today=datetime.date.today(), bureau_id=rated["finance"].pk
    )[0]
    assert only_finance.count == 2
    none = selectors.satisfaction(today=datetime.date.today(), year=1999)[0]
    assert (none.count, none.satisfied_rate, none.on_time_rate) == (0, None, None)


def test_the_dashboard_page_shows_them(rated, client, make_user):
    client.force_login(make_user(Role.LEADERSHIP))
    page = client.get(reverse("dashboard:satisfaction")).content.decode()
    assert 'data-testid="satisfied-rate">66.7%' in page
    assert 'data-testid="on-time-rate">50.0%' in page
    assert "唐山市科学技术局" in page and "唐山市财政局" in page
    tangshan = Region.objects.get(name="唐山市")
    page = client.get(reverse("dashboard:satisfaction"), {"city": tangshan.pk}).content.decode()
    assert 'data-testid="level-5">2<' in page and 'data-testid="level-4">1<' in page
    export = client.get(reverse("dashboard:satisfaction"), {"export": "xlsx"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    bad = client.get(reverse("dashboard:satisfaction"), {"city": "x\x00", "year": "nineteen"})
    assert bad.status_code == 200


def test_the_bureau_page_shows_its_own(rated, client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("ratings:bureau")).content.decode()
    assert 'data-testid="satisfied-rate">50.0%' in page
    assert 'data-testid="level-1">1<' in page
    assert "唐山市财政局" not in page


def test_the_public_bureau_page_publishes_its_satisfaction(rated, client):
    bureau = Bureau.objects.get(name="市科学技术局", city__name="唐山市")
    page = client.get(reverse("incentives:bureau", args=[bureau.pk])).content.decode()
    shown = page.split('data-testid="bureau-satisfaction">')[1].split("</p>")[0]
    # Its four latest ratings: 5, 4, 3, 1 → 50.0 % satisfied; two poor, one rectified on time.
    assert "4" in shown and shown.count("50.0%") == 2
    finance = client.get(reverse("incentives:bureau", args=[rated["finance"].pk])).content.decode()
    assert "100.0%" in finance.split('data-testid="bureau-satisfaction">')[1].split("</p>")[0]
