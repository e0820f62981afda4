"""Fixtures of the form fuzz tests: the people who fill in the forms (an enterprise administrator
whose enterprise holds a 高企 certificate, the 唐山 科技局's reviewer and head, a catalogue
administrator), their logged-in clients and a submitted case; and the summary written after the
run."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import BureauPosition, Role
from applications import services as case_services
from incentives.models import IncentiveItem
from tests import factories
from tests.security.fuzz.helpers import (
    EXAMPLES,
    PDF,
    SERVER_ERRORS,
    STATUSES,
    SUMMARY,
    web_client,
)


@pytest.fixture(scope="session", autouse=True)
def summary():
    """After the run, what was fuzzed and how the pages answered, for the docs."""
    yield
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "forms": len(EXAMPLES),
        "examples": sum(EXAMPLES.values()),
        "server_errors": len(SERVER_ERRORS),
        "examples_per_form": dict(sorted(EXAMPLES.items())),
        "statuses": {
            f"{form} {status}": n for (form, status), n in sorted(STATUSES.items(), key=str)
        },
    }
    SUMMARY.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


@pytest.fixture
def admin(make_user):
    """An enterprise administrator whose enterprise newly holds a 高企 certificate."""
    return factories.newly_certified_admin(make_user)


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER, email="s@kjj.example.cn")


@pytest.fixture
def head(make_user):
    return make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD, email="k@kjj.example.cn")


@pytest.fixture
def admin_client(admin):
    return web_client(admin)


@pytest.fixture
def staff_clients(reviewer, head):
    return {"reviewer": web_client(reviewer), "head": web_client(head)}


@pytest.fixture
def submitted(admin):
    """A 高企 case with all its materials, submitted to the 唐山 科技局."""
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    application = case_services.application_start(user=admin, item=item)
    for label in item.materials or []:
        stored = case_services.file_upload(
            enterprise=application.enterprise,
            user=admin,
            label=label,
            upload=SimpleUploadedFile(f"{label}.pdf", PDF, content_type="application/pdf"),
        )
        case_services.material_attach(
            application=application, user=admin, label=label, enterprise_file=stored
        )
    return case_services.transition(application_id=application.pk, user=admin, action="submit")


@pytest.fixture
def catalogue_admin(make_user):
    return make_user(Role.CATALOGUE_ADMIN, email="zc@kjj.example.cn")


@pytest.fixture
def catalogue_admin_client(catalogue_admin):
    return web_client(catalogue_admin)
