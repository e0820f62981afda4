"""Services of the site: they write. Views, commands and tasks call these."""

from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from portal.models import Bureau, BureauAlias, BureauPosition, Enterprise, Region, Role, User

CATALOGUE_ADMIN_GROUP = "政策管理员"
# Models a catalogue admin edits in the admin site; the catalogue issue adds its own models here.
CATALOGUE_ADMIN_MODELS = (
    "portal.region",
    "portal.bureau",
    "portal.bureaualias",
    "incentives.fact",
    "incentives.policydocument",
    "incentives.measure",
    "incentives.incentiveitem",
    "incentives.awardrule",
    "incentives.condition",
    "incentives.goldencase",
    "incentives.assignment",
    "incentives.crossitemlimit",
)


def email_send(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> None:
    """Queue an e-mail for delivery by a Celery worker once the current transaction commits."""
    from portal.tasks import deliver_email

    deliver_email.delay_on_commit(subject=subject, body=body, to=list(to), html_body=html_body)


def email_deliver(*, subject: str, body: str, to: list[str], html_body: str | None = None) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()


def sessions_clear_expired() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def organisations_load(*, path: Path) -> dict[str, int]:
    """Create or update regions, bureaus and aliases from a data file; running it twice changes
    nothing the second time."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    counts = {"regions": 0, "bureaus": 0, "aliases": 0}

    def region(name: str, level: str, parent: Region | None, code: str) -> Region:
        obj, _ = Region.objects.update_or_create(
            name=name, parent=parent, defaults={"level": level, "code": code or ""}
        )
        counts["regions"] += 1
        return obj

    for province_data in data["provinces"]:
        province = region(province_data["name"], Region.Level.PROVINCE, None, province_data["code"])
        for city_data in province_data.get("cities", []):
            city = region(city_data["name"], Region.Level.CITY, province, city_data["code"])
            for district in city_data.get("districts", []):
                region(district["name"], Region.Level.DISTRICT, city, district.get("code", ""))
            for bureau_data in city_data.get("bureaus", []):
                bureau, _ = Bureau.objects.update_or_create(
                    city=city,
                    name=bureau_data["name"],
                    defaults={
                        key: bureau_data.get(key, "") for key in ("email", "phone", "address")
                    },
                )
                counts["bureaus"] += 1
                for alias in bureau_data.get("aliases", []):
                    BureauAlias.objects.update_or_create(
                        city=city, name=alias, defaults={"bureau": bureau}
                    )
                    counts["aliases"] += 1
    return counts


def catalogue_admin_group_sync() -> Group:
    """The group whose members may edit the catalogue in the admin site."""
    group, _ = Group.objects.get_or_create(name=CATALOGUE_ADMIN_GROUP)
    wanted = Permission.objects.none()
    for label in CATALOGUE_ADMIN_MODELS:
        app_label, model = label.split(".")
        wanted |= Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model
        )
    group.permissions.set(wanted)
    return group


@transaction.atomic
def user_save(
    *,
    username: str,
    password: str | None,
    role: str,
    full_name: str = "",
    email: str = "",
    enterprise: Enterprise | None = None,
    bureau: Bureau | None = None,
    bureau_position: str = "",
    is_enterprise_admin: bool = False,
) -> User:
    """Create an account, or bring an existing one with this username to the given role.

    A password of None keeps the current one."""
    user = User.objects.filter(username=username).first() or User(username=username)
    user.full_name = full_name
    user.email = email
    user.role = role
    user.enterprise = enterprise if role == Role.ENTERPRISE else None
    user.bureau = bureau if role == Role.BUREAU else None
    user.bureau_position = bureau_position if role == Role.BUREAU else ""
    user.is_enterprise_admin = is_enterprise_admin and role == Role.ENTERPRISE
    # Catalogue admins edit the catalogue in the admin site; nobody else gets in there.
    user.is_staff = role == Role.CATALOGUE_ADMIN or user.is_superuser
    if password is not None:
        user.set_password(password)
    user.full_clean()
    user.save()
    if role == Role.CATALOGUE_ADMIN:
        user.groups.add(catalogue_admin_group_sync())
    else:
        user.groups.remove(*Group.objects.filter(name=CATALOGUE_ADMIN_GROUP))
    return user


# Demo data: one enterprise of 唐山 and one account per kind of user. Only for the embedded setup.
DEMO_ENTERPRISE = {
    "credit_code": "91130200MA0DEM0134",
    "name": "唐山示例智能装备有限公司（演示）",
    "city": "唐山市",
    "district": "路北区",
}
DEMO_BUREAU = ("唐山市", "市科学技术局")
DEMO_ACCOUNTS: list[dict[str, Any]] = [
    {
        "username": "qiye",
        "password": "Qiye-demo-2026",
        "role": Role.ENTERPRISE,
        "is_enterprise_admin": True,
        "full_name": "王经理",
        "email": "qiye@example.cn",
    },
    {
        "username": "shenhe",
        "password": "Shenhe-demo-2026",
        "role": Role.BUREAU,
        "bureau_position": BureauPosition.REVIEWER,
        "full_name": "李审核",
        "email": "shenhe@example.cn",
    },
    {
        "username": "kezhang",
        "password": "Kezhang-demo-2026",
        "role": Role.BUREAU,
        "bureau_position": BureauPosition.HEAD,
        "full_name": "张科长",
        "email": "kezhang@example.cn",
    },
    {
        "username": "guanli",
        "password": "Guanli-demo-2026",
        "role": Role.CATALOGUE_ADMIN,
        "full_name": "赵管理",
        "email": "guanli@example.cn",
    },
    {
        "username": "lingdao",
        "password": "Lingdao-demo-2026",
        "role": Role.LEADERSHIP,
        "full_name": "陈主任",
        "email": "lingdao@example.cn",
    },
]


@transaction.atomic
def demo_load() -> list[dict[str, Any]]:
    """Create (or reset) the demo enterprise and accounts; returns the accounts for printing."""
    city = Region.objects.get(name=DEMO_ENTERPRISE["city"], level=Region.Level.CITY)
    district = Region.objects.get(name=DEMO_ENTERPRISE["district"], parent=city)
    enterprise, _ = Enterprise.objects.update_or_create(
        credit_code=DEMO_ENTERPRISE["credit_code"],
        defaults={"name": DEMO_ENTERPRISE["name"], "city": city, "district": district},
    )
    bureau = Bureau.objects.get(city__name=DEMO_BUREAU[0], name=DEMO_BUREAU[1])
    accounts = []
    for account in DEMO_ACCOUNTS:
        user = user_save(
            enterprise=enterprise if account["role"] == Role.ENTERPRISE else None,
            bureau=bureau if account["role"] == Role.BUREAU else None,
            **account,
        )
        accounts.append({**account, "user": user})
    return accounts


def enterprise_profile_changed(*, enterprise: Enterprise) -> None:
    """Call after any change of an enterprise's profile: its matches are recomputed by a worker
    once the change is committed (policy finds the enterprise)."""
    from incentives.tasks import recompute_enterprise_matches

    recompute_enterprise_matches.delay_on_commit(enterprise.pk)
