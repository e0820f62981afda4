"""Log in and out, change the password, reset it by e-mail."""

import re

from django.core import mail
from django.urls import reverse

from accounts.models import Role


def test_wrong_password_is_refused_with_a_chinese_message(client, make_user):
    user = make_user(Role.ENTERPRISE)
    response = client.post(reverse("login"), {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()  # Django's own zh-hans message
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(client, make_user):
    user = make_user(Role.LEADERSHIP)
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("portal:leadership_home")).status_code == 302


def test_password_change_needs_the_old_password_and_takes_effect(client, make_user):
    user = make_user(Role.ENTERPRISE)
    client.force_login(user)
    wrong = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "Zhong-guo-2026x",
            "new_password2": "Zhong-guo-2026x",
        },
    )
    assert wrong.status_code == 200
    assert "旧密码不正确" in wrong.content.decode()

    ok = client.post(
        reverse("password_change"),
        {
            "old_password": user.raw_password,
            "new_password1": "Zhong-guo-2026x",
            "new_password2": "Zhong-guo-2026x",
        },
    )
    assert ok.status_code == 302
    client.post(reverse("logout"))
    assert client.login(username=user.username, password="Zhong-guo-2026x")


def test_too_short_new_password_is_refused(client, make_user):
    user = make_user(Role.ENTERPRISE)
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": user.raw_password, "new_password1": "abc12", "new_password2": "abc12"},
    )
    assert response.status_code == 200
    assert "密码太短，至少需要 10 个字符" in response.content.decode()


def test_password_reset_by_email_sets_a_new_password(
    client, make_user, django_capture_on_commit_callbacks
):
    user = make_user(Role.ENTERPRISE, email="owner@qiye.example.cn")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("password_reset"), {"email": "owner@qiye.example.cn"})
    assert response.status_code == 302
    assert len(callbacks) == 1  # the e-mail is queued only once the request's transaction commits
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@qiye.example.cn"]
    assert "重置" in message.subject
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Xin-mi-ma-2026", "new_password2": "Xin-mi-ma-2026"}
    )
    assert done.status_code == 302
    assert client.login(username=user.username, password="Xin-mi-ma-2026")

    # The link works once only.
    again = client.get(link, follow=True)
    assert "此链接已过期或已被使用" in again.content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(
    client, organisations
):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.cn"}, follow=True)
    assert response.status_code == 200
    assert "请查收邮件" in response.content.decode()
    assert mail.outbox == []
