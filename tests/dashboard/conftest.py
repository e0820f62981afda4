"""Fixtures for the dashboard: enterprises registered in a district with qualifications (through
the services, tests/factories.py), cases built with known dates and amounts (written directly, the
way the demo does, so the dates can lie in the past), and viewers of each role."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from applications.models import Application, ItemBudget, State
from incentives.models import IncentiveItem
from organisations.models import Bureau, Region
from tests import factories


@pytest.fixture(autouse=True)
def commit_callbacks_run_at_once(monkeypatch):
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def tangshan():
    return Region.objects.get(name="唐山市", level=Region.Level.CITY)


@pytest.fixture
def district(tangshan):
    return Region.objects.get(name="路北区", parent=tangshan)


@pytest.fixture
def other_district(tangshan):
    return Region.objects.get(name="路南区", parent=tangshan)


@pytest.fixture
def make_enterprise():
    """A registered enterprise of ``city`` (in its first district unless one is given) holding
    the ``(kind, recognized_on, expires_on)`` qualifications."""
    serial = iter(range(500_000, 600_000))

    def make(*, city, district=None, qualifications=()):
        enterprise = factories.enterprise(
            city=city, district=district, name=f"看板测试企业{next(serial)}"
        )
        for kind, recognized_on, expires_on in qualifications:
            factories.qualification(
                enterprise, kind=kind, recognized_on=recognized_on, expires_on=expires_on
            )
        return enterprise

    return make


@pytest.fixture
def viewer(make_user):
    return make_user(Role.LEADERSHIP)


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.CATALOGUE_ADMIN)


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


@pytest.fixture
def make_case(make_user):
    """A case with the given dates, written directly; ``bureaus`` are its lead bureaus."""
    counter = iter(range(1, 10_000))
    recorder = make_user(Role.CATALOGUE_ADMIN)

    def make(
        *,
        enterprise,
        item_key="ts2019-hitech-new",
        state,
        submitted,
        decided=None,
        paid=None,
        deadline=None,
        amount=None,
        bureaus=("市科学技术局",),
    ):
        case = Application.objects.create(
            reference=f"T{next(counter):08d}",
            enterprise=enterprise,
            item=IncentiveItem.objects.get(key=item_key),
            period=str(submitted.year),
            state=state,
            created_by=recorder,
            submitted_at=at(submitted),
            decided_at=at(decided) if decided else None,
            paid_on=paid,
            deadline=deadline,
            approved_amount=Decimal(amount) if amount is not None else None,
        )
        case.lead_bureaus.set(Bureau.objects.filter(city__name="唐山市", name__in=bureaus))
        return case

    return make


@pytest.fixture
def budget():
    return ItemBudget.objects.create(
        item=IncentiveItem.objects.get(key="ts2019-hitech-new"),
        year=2026,
        total=Decimal(1_000_000),
        used=Decimal(200_000),
    )


__all__ = ["State", "at"]
