"""The run command's e-mail: each message saved whole under var/mail/, one line in the log."""

import email
import logging

from django.core import mail
from django.core.mail import get_connection


def test_an_email_is_saved_whole_and_logged_in_one_line(tmp_path, settings, caplog):
    settings.EMAIL_FILE_PATH = tmp_path
    connection = get_connection("portal.mail.SavedAndLoggedBackend")
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        sent = mail.EmailMessage(
            "您的申报已受理",
            "正文：申报编号 TS-2026-0001",
            to=["cfo@qiye.example.cn"],
            connection=connection,
        ).send()
    assert sent == 1
    (saved,) = tmp_path.glob("*.eml")
    body = email.message_from_bytes(saved.read_bytes()).get_payload(decode=True).decode()
    assert "TS-2026-0001" in body
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.mail"]
    assert len(lines) == 1 and "cfo@qiye.example.cn" in lines[0] and "您的申报已受理" in lines[0]
    assert "Content-Type" not in lines[0]
