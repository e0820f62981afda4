"""The enterprise administrator invites colleagues by e-mail; the link creates their account."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Role, User


@pytest.fixture
def admin(make_user):
    return make_user(
        Role.ENTERPRISE, is_enterprise_admin=True, full_name="王管理", email="wang@qiye.example.cn"
    )


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def visitor():
    """A second browser, for the invited colleague."""
    return Client()


def invite(client, email, capture):
    with capture(execute=True):
        return client.post(reverse("accounts:invitation_create"), {"email": email})


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)


ACCOUNT = {
    "username": "tongshi",
    "full_name": "李同事",
    "password1": "Tong-shi-mi-ma-2026",
    "password2": "Tong-shi-mi-ma-2026",
}


def test_invitation_is_mailed_after_commit_and_listed_as_pending(
    admin_client, admin, django_capture_on_commit_callbacks
):
    response = invite(admin_client, "Li@Tongshi.Example.cn", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    invitation = Invitation.objects.get(enterprise=admin.enterprise)
    assert invitation.email == "li@tongshi.example.cn"
    assert invitation.invited_by == admin
    assert invitation.accepted_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["li@tongshi.example.cn"]
    assert admin.enterprise.name in message.subject
    assert link_in(message) == reverse("accounts:invitation_accept", args=[invitation.token])

    profile = admin_client.get(reverse("enterprises:profile")).content.decode()
    assert "li@tongshi.example.cn" in profile


def test_the_mail_leaves_only_when_the_transaction_commits(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(reverse("accounts:invitation_create"), {"email": "li@tongshi.example.cn"})
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_accepting_creates_a_colleague_who_is_not_admin_and_logs_them_in(
    visitor, admin_client, admin, django_capture_on_commit_callbacks
):
    invite(admin_client, "li@tongshi.example.cn", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])

    form = visitor.get(link)
    assert form.status_code == 200
    assert admin.enterprise.name in form.content.decode()
    response = visitor.post(link, ACCOUNT)

    assert response.status_code == 302
    colleague = User.objects.get(username="tongshi")
    assert colleague.role == Role.ENTERPRISE
    assert colleague.enterprise == admin.enterprise
    assert not colleague.is_enterprise_admin
    assert colleague.email == "li@tongshi.example.cn"
    assert colleague.full_name == "李同事"
    assert int(visitor.session["_auth_user_id"]) == colleague.pk
    assert Invitation.objects.get().accepted_at is not None
    # The colleague reads the profile and may not change it.
    assert visitor.get(reverse("enterprises:profile")).status_code == 200
    assert visitor.get(reverse("enterprises:qualification_add")).status_code == 403


def test_a_used_link_is_refused_with_a_clear_message(
    visitor, admin_client, django_capture_on_commit_callbacks
):
    invite(admin_client, "li@tongshi.example.cn", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    assert visitor.post(link, ACCOUNT).status_code == 302
    visitor.post(reverse("logout"))

    again = visitor.get(link)
    assert again.status_code == 410
    assert 'data-testid="invitation-refused"' in again.content.decode()
    second = visitor.post(link, {**ACCOUNT, "username": "tongshi2"})
    assert second.status_code == 410
    assert not User.objects.filter(username="tongshi2").exists()


def test_an_expired_link_is_refused_and_creates_nobody(
    visitor, admin_client, django_capture_on_commit_callbacks
):
    invite(admin_client, "li@tongshi.example.cn", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    Invitation.objects.update(created_at=Invitation.objects.get().created_at - timedelta(days=8))

    assert visitor.get(link).status_code == 410
    refused = visitor.post(link, ACCOUNT)
    assert refused.status_code == 410
    assert refused.context["reason"]  # says it expired and whom to ask
    assert not User.objects.filter(username="tongshi").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_unknown_token_is_not_found(client, db):
    assert (
        client.get(reverse("accounts:invitation_accept", args=["no-such-token"])).status_code == 404
    )


@pytest.mark.parametrize("token", ["\x00", "abc\x00def"])
def test_a_token_with_a_nul_character_is_not_found(client, db, token):
    """Regression: PostgreSQL refuses a NUL in a compared string (a 500 before)."""
    url = reverse("accounts:invitation_accept", args=[token])
    assert client.get(url).status_code == 404
    assert client.post(url, {"username": "tongshi"}).status_code == 404


def test_a_weak_password_keeps_the_invitation_open(
    visitor, admin_client, django_capture_on_commit_callbacks
):
    invite(admin_client, "li@tongshi.example.cn", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    response = visitor.post(link, {**ACCOUNT, "password1": "abc12", "password2": "abc12"})
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert 'value="tongshi"' in response.content.decode()
    assert Invitation.objects.get().accepted_at is None


def test_inviting_again_renews_the_pending_invitation(
    admin_client, django_capture_on_commit_callbacks, visitor
):
    invite(admin_client, "li@tongshi.example.cn", django_capture_on_commit_callbacks)
    invite(admin_client, "li@tongshi.example.cn", django_capture_on_commit_callbacks)

    assert Invitation.objects.count() == 1
    first, second = link_in(mail.outbox[0]), link_in(mail.outbox[1])
    assert first != second
    assert visitor.get(first).status_code == 404  # the old link no longer works
    assert visitor.get(second).status_code == 200


def test_a_colleagues_address_is_not_invited_twice(
    admin_client, admin, make_user, django_capture_on_commit_callbacks
):
    make_user(Role.ENTERPRISE, enterprise=admin.enterprise, email="li@tongshi.example.cn")
    response = invite(admin_client, "li@tongshi.example.cn", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_only_the_admin_invites_and_withdraws(
    visitor, admin_client, admin, make_user, django_capture_on_commit_callbacks
):
    invite(admin_client, "li@tongshi.example.cn", django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    colleague = make_user(Role.ENTERPRISE, enterprise=admin.enterprise)
    visitor.force_login(colleague)
    assert invite(visitor, "x@example.cn", django_capture_on_commit_callbacks).status_code == 403
    withdraw = reverse("accounts:invitation_revoke", args=[invitation.pk])
    assert visitor.post(withdraw).status_code == 403
    # Another enterprise's admin cannot withdraw it either.
    visitor.force_login(make_user(Role.ENTERPRISE, is_enterprise_admin=True))
    assert visitor.post(withdraw).status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()

    assert admin_client.post(withdraw).status_code == 302
    assert not Invitation.objects.exists()
