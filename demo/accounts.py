"""The demo enterprise and one account per kind of user, for the embedded setup only."""

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from accounts import services as account_services
from accounts.models import BureauPosition, Role
from enterprises.models import AccountClaim, AccountStatus, Enterprise
from organisations.models import Bureau, Region

# Demo data: one enterprise of 唐山 and one account per kind of user. Only for the embedded setup.
DEMO_ENTERPRISE = {
    "credit_code": "91130200MA0DEM0134",
    "name": "唐山示例智能装备有限公司（演示）",
    "city": "唐山市",
    "district": "路北区",
}


DEMO_BUREAU = ("唐山市", "市科学技术局")

# A company that has just registered: its account awaits the 科技局's verification, with its
# 营业执照 and 授权委托书 sent (a blank PDF each), so the bureau's demo accounts find one to decide.
DEMO_NEWCOMER = {
    "credit_code": "91130203MA0XNC0H49",
    "name": "唐山新注册精密制造有限公司（演示）",
    "city": "唐山市",
    "district": "路北区",
}
DEMO_NEWCOMER_ACCOUNT: dict[str, Any] = {
    "username": "xinqiye",
    "password": "Xinqiye-demo-2026",
    "role": Role.ENTERPRISE,
    "is_enterprise_admin": True,
    "full_name": "赵新",
    "email": "xinqiye@example.cn",
    "mobile": "13903150101",
}
BLANK_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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
        # A second head of the bureau: approvals above 100万 need one (双人复核).
        "username": "fukezhang",
        "password": "Fukezhang-demo-2026",
        "role": Role.BUREAU,
        "bureau_position": BureauPosition.HEAD,
        "full_name": "刘副科长",
        "email": "fukezhang@example.cn",
    },
    {
        "username": "guanli",
        "password": "Guanli-demo-2026",
        "role": Role.CATALOGUE_ADMIN,
        "full_name": "赵管理",
        "email": "guanli@example.cn",
    },
    {
        # A second catalogue admin: a change to an item's money needs another admin's approval.
        "username": "guanli2",
        "password": "Guanli2-demo-2026",
        "role": Role.CATALOGUE_ADMIN,
        "full_name": "钱管理",
        "email": "guanli2@example.cn",
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
        defaults={
            "name": DEMO_ENTERPRISE["name"],
            "city": city,
            "district": district,
            # The demo company's accounts act at once, as if the bureau had verified them.
            "account_status": AccountStatus.VERIFIED,
        },
    )
    bureau = Bureau.objects.get(city__name=DEMO_BUREAU[0], name=DEMO_BUREAU[1])
    accounts = []
    for account in DEMO_ACCOUNTS:
        user = account_services.user_save(
            enterprise=enterprise if account["role"] == Role.ENTERPRISE else None,
            bureau=bureau if account["role"] == Role.BUREAU else None,
            **account,
        )
        accounts.append({**account, "user": user})
    accounts.append(_newcomer_load())
    return accounts


def _newcomer_load() -> dict[str, Any]:
    """The enterprise awaiting verification and its pending request (kept as the bureau left
    it when the demo is loaded again)."""
    city = Region.objects.get(name=DEMO_NEWCOMER["city"], level=Region.Level.CITY)
    enterprise, _ = Enterprise.objects.get_or_create(
        credit_code=DEMO_NEWCOMER["credit_code"],
        defaults={
            "name": DEMO_NEWCOMER["name"],
            "city": city,
            "district": Region.objects.get(name=DEMO_NEWCOMER["district"], parent=city),
            "account_status": AccountStatus.AWAITING,
        },
    )
    user = account_services.user_save(enterprise=enterprise, **DEMO_NEWCOMER_ACCOUNT)
    if not enterprise.account_claims.exists():
        AccountClaim.objects.create(
            enterprise=enterprise,
            kind=AccountClaim.Kind.REGISTRATION,
            user=user,
            claimant_name=user.full_name,
            claimant_mobile=user.mobile,
            claimant_email=user.email,
            company_name=enterprise.name,
            statement="法定代表人授权赵新管理本企业账户（演示）",
            licence=default_storage.save("claims/demo/licence.pdf", ContentFile(BLANK_PDF)),
            licence_name="营业执照.pdf",
            authorisation=default_storage.save(
                "claims/demo/authorisation.pdf", ContentFile(BLANK_PDF)
            ),
            authorisation_name="授权委托书.pdf",
        )
    return {**DEMO_NEWCOMER_ACCOUNT, "user": user}
