"""One inbox (issue 15): case notices and the enterprise's policy notices together, newest first,
with the bell counting both; opening a notice marks it read and opens what it is about."""

import pytest
from django.urls import reverse

from accounts.models import Role
from incentives.models import EnterpriseNotice, IncentiveItem


@pytest.fixture
def enterprise_user(make_user):
    return make_user(Role.ENTERPRISE, is_enterprise_admin=True)


def test_policy_notices_reach_the_inbox_and_the_bell(client, enterprise_user):
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    notice = EnterpriseNotice.objects.create(
        enterprise=enterprise_user.enterprise,
        item=item,
        kind=EnterpriseNotice.Kind.NEWLY_ELIGIBLE,
        key="eligible:ts2019-hitech-new",
        message="贵企业现已符合“新认定高新技术企业奖励”的条件，预计可获20万元。",
    )
    client.force_login(enterprise_user)
    page = client.get(reverse("applications:inbox")).content.decode()
    assert "预计可获20万元" in page and 'data-testid="inbox-policy-unread"' in page
    assert 'data-testid="inbox-unread">1<' in page, "the bell counts the policy notice"

    response = client.get(reverse("applications:inbox_open", args=["policy", notice.pk]))
    assert response.status_code == 302 and response["Location"].endswith(
        "/policies/ts2019-hitech-new/"
    )
    notice.refresh_from_db()
    assert notice.read_at is not None
    page = client.get(reverse("applications:inbox")).content.decode()
    assert 'data-testid="inbox-policy"' in page and 'data-testid="inbox-unread"' not in page


def test_no_one_opens_another_enterprises_notice(client, enterprise_user, make_user):
    other = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    notice = EnterpriseNotice.objects.create(
        enterprise=other.enterprise,
        item=IncentiveItem.objects.get(key="ts2019-hitech-new"),
        kind=EnterpriseNotice.Kind.WINDOW_OPEN,
        key="window:x",
        message="申报窗口已开放",
    )
    client.force_login(enterprise_user)
    assert (
        client.get(reverse("applications:inbox_open", args=["policy", notice.pk])).status_code
        == 404
    )
    assert client.get(reverse("applications:inbox_open", args=["case", 999999])).status_code == 404
    assert client.get("/inbox/nonsense/1/").status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_covers_both_kinds(client, enterprise_user):
    EnterpriseNotice.objects.create(
        enterprise=enterprise_user.enterprise,
        item=IncentiveItem.objects.get(key="ts2019-hitech-new"),
        kind=EnterpriseNotice.Kind.WINDOW_OPEN,
        key="window:y",
        message="申报窗口已开放",
    )
    client.force_login(enterprise_user)
    client.post(reverse("applications:inbox"))
    assert not EnterpriseNotice.objects.filter(read_at__isnull=True).exists()
