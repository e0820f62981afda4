"""A password-reset e-mail travels through real Redis to a real Celery worker, which hands it to
a real SMTP server; the link in it then sets a new password."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role

pytestmark = pytest.mark.redis


def test_password_reset_mail_is_delivered_by_a_worker(
    client, transactional_db, make_user, smtp_server, celery_worker_process
):
    _, mailbox = smtp_server
    user = make_user(Role.ENTERPRISE, email="finance@qiye.example.cn")

    response = client.post(reverse("password_reset"), {"email": "finance@qiye.example.cn"})
    assert response.status_code == 302

    messages = mailbox.wait_for(1, timeout=60)
    assert celery_worker_process.poll() is None, "the worker died"
    assert len(messages) == 1, "no mail reached the SMTP server within 60 s"
    message = messages[0]
    assert message["To"] == "finance@qiye.example.cn"
    assert "重置" in str(message["Subject"])
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", body).group(1)

    form_page = client.get(link, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Worker-sent-2026", "new_password2": "Worker-sent-2026"},
    )
    assert done.status_code == 302
    assert client.login(username=user.username, password="Worker-sent-2026")

    # Exactly one message: the task ran once.
    assert len(mailbox.wait_for(2, timeout=2)) == 1
