"""Fixtures for official lists: the 唐山 科技局 head and reviewer, and lists written as bureaus
write them (CSV in UTF-8 or GBK, .xlsx)."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import BureauPosition, Role
from official_lists import services
from tests import factories

HEADER = ["统一社会信用代码", "企业名称", "资质", "层级", "认定日期", "证书编号", "批次/文号"]
RECENT = datetime.date.today() - datetime.timedelta(days=20)


@pytest.fixture(autouse=True)
def commit_callbacks_run_at_once(monkeypatch):
    """Each test runs in one transaction that is never committed: run "after commit" at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def head(make_user):
    return make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD, email="kz@kjj.example.cn")


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER)


def row(
    code, name, kind="高新技术企业", level="国家级", day=RECENT, cert="", batch="冀科高〔2026〕3号"
):
    return [
        code,
        name,
        kind,
        level,
        day.isoformat() if hasattr(day, "isoformat") else day,
        cert,
        batch,
    ]


def csv_file(rows, *, header=HEADER, encoding="utf-8", name="list.csv") -> SimpleUploadedFile:
    text = "\r\n".join(",".join(str(c) for c in line) for line in [header, *rows]) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, *, header=HEADER, name="list.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for line in rows:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        name,
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def upload(by, rows, **kwargs):
    return services.list_upload(
        by=by,
        title="河北省2026年第一批高新技术企业名单",
        batch="冀科高〔2026〕3号",
        upload=csv_file(rows, **kwargs),
    )


def new_code(division="130203"):
    """A valid code of a company registered in 路北区 (唐山) unless ``division`` says otherwise."""
    return factories.credit_code(division=division)
