"""Accounts and headers: repeated failed logins are throttled with a clear message; every page
carries a content security policy that allows no inline script and nothing from elsewhere."""

import pytest
from django.urls import reverse

from accounts.models import Role

pytestmark = pytest.mark.django_db


def test_repeated_failed_logins_lock_the_pair_out_with_a_clear_message(client, make_user, settings):
    user = make_user(Role.ENTERPRISE)
    wrong = {"username": user.username, "password": "wrong-password"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login"), wrong).status_code == 200  # the usual message
    assert client.post(reverse("login"), wrong).status_code == 429  # the limit is reached
    # Now even the right password is refused until the cool-off ends.
    locked = client.post(
        reverse("login"), {"username": user.username, "password": user.raw_password}
    )
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录失败次数过多" in page and "15分钟" in page
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client, make_user, settings):
    user = make_user(Role.ENTERPRISE)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": user.username, "password": "wrong-password"})
    assert (
        client.post(
            reverse("login"), {"username": user.username, "password": user.raw_password}
        ).status_code
        == 302
    )


def test_other_users_are_not_locked_by_someone_elses_failures(client, make_user, settings):
    victim, other = make_user(Role.ENTERPRISE), make_user(Role.ENTERPRISE)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(reverse("login"), {"username": victim.username, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": other.username, "password": other.raw_password}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "path", ["/", "/policies/", "/accounts/login/", "/calculator/", "/api/v1/items/"]
)
def test_every_page_carries_a_strict_content_security_policy(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(client, make_user):
    client.force_login(make_user(Role.CATALOGUE_ADMIN))
    for path in (
        "/",
        "/policies/",
        "/policies/ts2019-hitech-new/",
        "/calculator/",
        "/manage/recompute/",
    ):
        page = client.get(path).content.decode()
        assert " style=" not in page, path
        for chunk in page.split("<script")[1:]:
            assert chunk.split(">", 1)[0].strip().startswith("src="), (path, chunk[:80])


def test_only_the_api_docs_page_relaxes_the_policy_for_its_own_script(client):
    assert "'unsafe-inline'" in client.get("/api/docs/")["Content-Security-Policy"]
