"""Fixtures of 政策咨询: the 唐山 科技局 (lead of 高企 认定奖励) with a reviewer and a head, a
reviewer of another bureau, an enterprise user, and helpers that ask the way the pages do."""

import pytest

from accounts.models import BureauPosition, Role
from consultations import services
from incentives.models import IncentiveItem
from tests import factories

ITEM = "ts2019-hitech-new"


@pytest.fixture(autouse=True)
def commit_callbacks_run_at_once(monkeypatch):
    """Each test runs in one transaction that never commits: run "after commit" at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def item(db):
    return IncentiveItem.objects.get(key=ITEM)


@pytest.fixture
def reviewer(make_user):
    return make_user(
        Role.BUREAU,
        bureau_position=BureauPosition.REVIEWER,
        email="shenhe@kjj.tangshan.gov.cn",
        full_name="审核员",
    )


@pytest.fixture
def head(make_user):
    return make_user(
        Role.BUREAU,
        bureau_position=BureauPosition.HEAD,
        email="kezhang@kjj.tangshan.gov.cn",
        full_name="科长",
    )


@pytest.fixture
def other_reviewer(make_user):
    return make_user(Role.BUREAU, bureau_name="市财政局", email="czj@tangshan.gov.cn")


@pytest.fixture
def enterprise_user(make_user):
    return factories.newly_certified_admin(make_user)


def ask_as_visitor(item, **fields):
    values = {
        "text": "高新技术企业认定奖励什么时候申报？",
        "name": "张三",
        "phone": "13812345678",
        "email": "zhangsan@qq.com",
        "client_ip": "10.0.0.1",
    } | fields
    return services.question_ask(item=item, **values)
