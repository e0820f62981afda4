"""Invariants the database itself keeps."""

# Rows are written with objects.create on purpose here: the services refuse these states before the
# database sees them, and these tests are about the database's own constraints.

import pytest
from django.db import IntegrityError, transaction

from accounts.models import BureauPosition, Role, User
from enterprises.models import Enterprise
from organisations.models import Bureau, Region


def test_an_enterprise_user_must_belong_to_an_enterprise(organisations):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="orphan", role=Role.ENTERPRISE)


def test_bureau_staff_need_a_bureau_and_a_position(organisations):
    bureau = Bureau.objects.get(city__name="唐山市", name="市科学技术局")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="no-position", role=Role.BUREAU, bureau=bureau)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="no-bureau", role=Role.BUREAU, bureau_position="head")
    User.objects.create(
        username="ok", role=Role.BUREAU, bureau=bureau, bureau_position=BureauPosition.HEAD
    )


def test_other_roles_cannot_hold_an_enterprise_or_bureau(organisations, make_user):
    enterprise = make_user(Role.ENTERPRISE).enterprise
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="leader", role=Role.LEADERSHIP, enterprise=enterprise)


def test_one_enterprise_per_credit_code(organisations):
    city = Region.objects.get(name="唐山市")
    Enterprise.objects.create(credit_code="914403001922038216", name="甲", city=city)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.create(credit_code="914403001922038216", name="乙", city=city)


def test_bureaus_belong_to_a_city(organisations):
    tangshan = Region.objects.get(name="唐山市")
    langfang = Region.objects.get(name="廊坊市")
    Bureau.objects.create(city=langfang, name="市测试新设局")
    Bureau.objects.create(city=tangshan, name="市测试新设局")  # 廊坊's is not 唐山's
    with pytest.raises(IntegrityError), transaction.atomic():
        Bureau.objects.create(city=tangshan, name="市测试新设局")


def test_only_provinces_are_top_level_regions(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(name="无上级的市", level=Region.Level.CITY)
