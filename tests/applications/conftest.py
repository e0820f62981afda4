"""Fixtures for cases: an enterprise that qualifies, the 唐山 科技局 reviewer and head, and a
helper that walks a case through the workflow the way the views do."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import BureauPosition, Role
from applications import services
from incentives.models import IncentiveItem
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def commit_callbacks_run_at_once(monkeypatch):
    """Each test runs inside one transaction that is never committed, so "after commit" would
    never come: run those callbacks at once. The outbox tests check the real ordering with
    committed transactions."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def qualified(make_user):
    """An enterprise admin whose enterprise newly holds a 高企 certificate (e-mail set)."""
    return factories.newly_certified_admin(make_user)


@pytest.fixture
def reviewer(make_user):
    return make_user(
        Role.BUREAU, bureau_position=BureauPosition.REVIEWER, email="shenhe@kjj.example.cn"
    )


@pytest.fixture
def head(make_user):
    return make_user(
        Role.BUREAU, bureau_position=BureauPosition.HEAD, email="kezhang@kjj.example.cn"
    )


@pytest.fixture
def hitech_item():
    return IncentiveItem.objects.get(key="ts2019-hitech-new")


def attach_all(application, user):
    for label in application.item.materials or []:
        stored = services.file_upload(
            enterprise=application.enterprise,
            user=user,
            label=label,
            upload=SimpleUploadedFile(f"{label}.pdf", PDF, content_type="application/pdf"),
        )
        services.material_attach(
            application=application, user=user, label=label, enterprise_file=stored
        )


@pytest.fixture
def submitted(qualified, hitech_item):
    application = services.application_start(user=qualified, item=hitech_item)
    attach_all(application, qualified)
    return services.transition(application_id=application.pk, user=qualified, action="submit")
