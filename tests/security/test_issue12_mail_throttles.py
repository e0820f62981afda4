"""Issue 12 §6.4: nobody can make the portal send mail without limit.

Invitations: at most N per enterprise per hour and per day; the next one is refused on the form
with a reason and nothing is sent. Password resets: at most M mails per address per hour — past
that the page still says "sent" (it never says whether an account exists) but nothing is sent —
and at most K requests per client address per hour, refused on the form. The invitation mail
carries no text the inviter chose except the enterprise's name.
"""

from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Invitation, Role
from portal import throttles

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user(
        Role.ENTERPRISE,
        is_enterprise_admin=True,
        full_name="王管理 请访问 http://evil.example 领取补贴",
        email="wang@qiye.example.cn",
    )


@pytest.fixture
def invite(client, admin, django_capture_on_commit_callbacks):
    client.force_login(admin)

    def send(email):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("accounts:invitation_create"), {"email": email})

    return send


def test_the_invitation_past_the_hourly_limit_is_refused_and_not_sent(settings, admin, invite):
    settings.INVITATIONS_PER_ENTERPRISE_PER_HOUR = 3
    for n in range(3):
        assert invite(f"colleague{n}@qiye.example.cn").status_code == 302
    assert len(mail.outbox) == 3
    refused = invite("colleague9@qiye.example.cn")
    assert refused.status_code == 200
    assert "邀请发送过于频繁" in refused.content.decode()
    assert len(mail.outbox) == 3
    assert not Invitation.objects.filter(email="colleague9@qiye.example.cn").exists()


def test_renewing_one_invitation_again_and_again_counts_too(settings, invite):
    settings.INVITATIONS_PER_ENTERPRISE_PER_HOUR = 2
    assert invite("li@qiye.example.cn").status_code == 302
    assert invite("li@qiye.example.cn").status_code == 302
    assert invite("li@qiye.example.cn").status_code == 200
    assert len(mail.outbox) == 2


def test_the_daily_limit_holds_when_the_hour_turns(settings, invite):
    settings.INVITATIONS_PER_ENTERPRISE_PER_HOUR = 2
    settings.INVITATIONS_PER_ENTERPRISE_PER_DAY = 3
    start = 1_800_000_000 - 1_800_000_000 % throttles.DAY + 3600  # 01:00 UTC
    with mock.patch("portal.throttles.time.time", return_value=start):
        assert invite("a@qiye.example.cn").status_code == 302
        assert invite("b@qiye.example.cn").status_code == 302
        assert invite("c@qiye.example.cn").status_code == 200  # hour used up
    with mock.patch("portal.throttles.time.time", return_value=start + 3600):
        assert invite("d@qiye.example.cn").status_code == 302  # a new hour
        refused = invite("e@qiye.example.cn")  # but the day is used up
    assert refused.status_code == 200 and "邀请发送过于频繁" in refused.content.decode()
    assert len(mail.outbox) == 3


def test_another_enterprise_has_its_own_allowance(settings, invite, make_user, client):
    settings.INVITATIONS_PER_ENTERPRISE_PER_HOUR = 1
    assert invite("a@qiye.example.cn").status_code == 302
    other = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    client.force_login(other)
    assert (
        client.post(reverse("accounts:invitation_create"), {"email": "b@x.cn"}).status_code == 302
    )


def test_the_invitation_mail_carries_no_text_the_inviter_chose_but_the_enterprise_name(
    admin, invite
):
    invite("li@qiye.example.cn")
    (message,) = mail.outbox
    assert admin.enterprise.name in message.body
    assert "evil.example" not in message.body and "王管理" not in message.body
    assert "evil.example" not in message.subject


@pytest.fixture
def account(make_user):
    return make_user(Role.ENTERPRISE, email="owner@qiye.example.cn")


def reset(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def test_resets_past_the_limit_for_an_address_say_sent_but_send_nothing(
    settings, client, account, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 2
    with django_capture_on_commit_callbacks(execute=True):
        answers = [reset(client, "Owner@qiye.example.cn") for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert all(a["Location"] == reverse("password_reset_done") for a in answers)
    assert len(mail.outbox) == 2


def test_an_unknown_address_is_counted_the_same_way(settings, client, account):
    settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 1
    assert reset(client, "nobody@example.cn").status_code == 302
    assert reset(client, "nobody@example.cn").status_code == 302
    assert mail.outbox == []


def test_many_addresses_from_one_client_are_refused_on_the_form(
    settings, client, account, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESETS_PER_IP_PER_HOUR = 3
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            assert reset(client, f"someone{n}@example.cn").status_code == 302
        refused = reset(client, "owner@qiye.example.cn")
    assert refused.status_code == 200
    assert "重置密码的请求过多" in refused.content.decode()
    assert mail.outbox == []
    # Another client is not held back by the first.
    with django_capture_on_commit_callbacks(execute=True):
        assert reset(client, "owner@qiye.example.cn", REMOTE_ADDR="10.1.2.3").status_code == 302
    assert len(mail.outbox) == 1
