"""The enterprise's home says what to do next (issue 15): how many items it may claim and how
much, which profile facts would decide more items, its open cases with their next step, 补正
waiting, unread notices."""

import datetime

from django.urls import reverse

from accounts.models import Role
from incentives import matching
from incentives.models import EnterpriseNotice, IncentiveItem
from tests import factories


def test_the_home_counts_claims_money_cases_and_notices(client, make_user):
    user = factories.newly_certified_admin(make_user)
    matching.enterprise_recompute(enterprise_id=user.enterprise_id)
    EnterpriseNotice.objects.create(
        enterprise=user.enterprise,
        item=IncentiveItem.objects.get(key="ts2019-hitech-new"),
        kind=EnterpriseNotice.Kind.WINDOW_OPEN,
        key="window:test",
        message="申报窗口已开放",
    )
    client.force_login(user)
    page = client.get(reverse("portal:enterprise_home")).content.decode()
    summary = page.split('data-testid="enterprise-summary"', 1)[1]
    claimable = summary.split('data-testid="claimable"', 1)[1].split("<", 1)[0]
    assert "项" in claimable and int("".join(c for c in claimable if c.isdigit())) >= 1
    money = summary.split('data-testid="claimable-money"', 1)[1].split("</div>", 1)[0]
    assert "万元" in money, "the 20万 award at least"
    unread = EnterpriseNotice.objects.filter(enterprise=user.enterprise, read_at=None).count()
    assert unread >= 2, "the new-award notice and the window"
    assert f"{unread} 条未读" in summary.split('data-testid="unread"', 1)[1].split("</div>", 1)[0]
    # Facts the profile lacks are named, by label, with how many items they decide.
    missing = page.split('data-testid="missing-facts"', 1)[1].split("</ul>", 1)[0]
    assert "影响" in missing and "_" not in missing.split("<span>", 1)[1].split("</span>")[0]


def test_an_open_case_shows_its_next_step_and_the_expected_decision(client, make_user):
    from applications import services as application_services
    from applications.models import State

    user = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    case = application_services.application_start(
        user=user, item=IncentiveItem.objects.get(key="ts2019-hitech-new")
    )
    client.force_login(user)
    page = client.get(reverse("portal:enterprise_home")).content.decode()
    cases = page.split('data-testid="case-list"', 1)[1].split("</div>\n</div>", 1)[0]
    assert case.reference in cases and "完善申报材料并提交" in cases
    type(case).objects.filter(pk=case.pk).update(
        state=State.SUPPLEMENT, accepted_on=datetime.date.today()
    )
    page = client.get(reverse("portal:enterprise_home")).content.decode()
    assert 'data-testid="supplements"' in page
    cases = page.split('data-testid="case-list"', 1)[1]
    assert "补正" in cases and "预计" in cases and "前作出决定" in cases
