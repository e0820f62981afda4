"""Test data made the way users make it.

Profile rows are written through the services the pages call: an enterprise is registered with
its first account (``enterprises.services.enterprise_register``), qualifications and yearly
figures are recorded by that account (``qualification_save``, ``yearly_figures_save``), the
basic data by ``profile_update``, other accounts by ``accounts.services.user_save`` (the admin
site's and the commands' service). So a test cannot hold what no user could enter: an enterprise
without a district or an administrator, a certificate that expires before it was issued, two rows
for one year.

Every argument has a plain default; pass only what the test is about.
"""

import datetime
import itertools

from accounts import services as account_services
from accounts.models import BureauPosition, Role, User
from enterprises import services as enterprise_services
from enterprises.models import AccountStatus, Enterprise, FactSource, Qualification, YearlyFigures
from organisations.models import Bureau, Region
from portal.validators import credit_code_check_character, org_code_check_character

PASSWORD = "correct-horse-42"
SERIAL = itertools.count(1)

COMPANY = "91"  # 工商 registration, a company
INSTITUTION = "12"  # 机构编制 registration, a public institution (事业单位)


def credit_code(serial: int | None = None, *, division: str = "130200", kind: str = COMPANY) -> str:
    """A valid 统一社会信用代码 (both check characters right), unique within the test run."""
    org8 = f"FX{next(SERIAL) if serial is None else serial:06d}"
    first17 = kind + division + org8 + org_code_check_character(org8)
    return first17 + credit_code_check_character(first17)


def _city(city: str | Region) -> Region:
    if isinstance(city, Region):
        return city
    return Region.objects.get(name=city, level=Region.Level.CITY)


def enterprise_admin(
    *,
    city: str | Region = "唐山市",
    district: str | Region | None = None,
    name: str = "",
    code: str = "",
    kind: str = COMPANY,
    username: str = "",
    password: str = PASSWORD,
    full_name: str = "",
    email: str = "",
    verified: bool = True,
    **profile,
) -> User:
    """Register an enterprise as its first account does on the registration page, and return that
    account (the enterprise's administrator; ``.enterprise`` is the enterprise, ``.raw_password``
    its password). Unless ``verified=False`` a bureau is taken to have verified the account, as
    for every enterprise that acts on the portal. The district defaults to the city's first;
    ``kind`` is the credit code's first two characters (``INSTITUTION`` for a 事业单位). Basic
    profile data (industry, scale, employees …) given as keywords is then saved by
    ``profile_update``."""
    n = next(SERIAL)
    region = _city(city)
    if district is None:  # the city's first district with a code of its own
        district = (
            region.children.filter(level=Region.Level.DISTRICT)
            .exclude(code="")
            .order_by("code")
            .first()
        )
    elif not isinstance(district, Region):
        district = Region.objects.get(name=district, parent=region)
    user = enterprise_services.enterprise_register(
        credit_code=code or credit_code(n, division=region.code or "130200", kind=kind),
        name=name or f"测试企业{n}",
        city=region,
        district=district,
        username=username or f"qiye{n}",
        full_name=full_name or f"管理员{n}",
        email=email or f"admin{n}@qiye.example.cn",
        password=password,
    )
    user.raw_password = password
    if verified:
        Enterprise.objects.filter(pk=user.enterprise_id).update(
            account_status=AccountStatus.VERIFIED
        )
        user.enterprise.account_status = AccountStatus.VERIFIED
    if profile:
        profile_update(user.enterprise, by=user, **profile)
    return user


def enterprise(**kwargs) -> Enterprise:
    """A registered enterprise (see ``enterprise_admin`` for the arguments)."""
    return enterprise_admin(**kwargs).enterprise


def admin_of(enterprise: Enterprise) -> User:
    """The account that keeps the enterprise's profile."""
    admin = enterprise.users.filter(is_enterprise_admin=True, is_active=True).order_by("pk").first()
    assert admin is not None, f"{enterprise} has no administrator: make it with factories"
    return admin


def profile_update(enterprise: Enterprise, *, by: User | None = None, **values) -> Enterprise:
    """Change the named basic data of the profile (the others keep their values), as the
    enterprise's administrator does on the profile page."""
    updated = enterprise_services.profile_update(
        enterprise=enterprise, by=by or admin_of(enterprise), values=values
    )
    enterprise.refresh_from_db()
    return updated


def _stand_in_for_a_bureau(row, source: str) -> None:
    """No service records a bureau's verification (or an import) of a fact yet: every service
    writes ``declared``. Tests of what only verified facts do (免申即享) set the source here, the
    one place that does, after the row was saved through the service."""
    if source != FactSource.DECLARED:
        type(row).objects.filter(pk=row.pk).update(source=source)
        row.source = source


def qualification(
    enterprise: Enterprise,
    *,
    by: User | None = None,
    kind: str = "hitech",
    level: str = "",
    recognition: str = "new",
    certificate_number: str = "",
    recognized_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    moved_in_from_other_province: bool = False,
    source: str = FactSource.DECLARED,
) -> Qualification:
    """Record a qualification as the enterprise's administrator does on the profile page
    (recognised 30 days ago unless ``recognized_on`` says otherwise)."""
    recognized_on = recognized_on or datetime.date.today() - datetime.timedelta(days=30)
    row = enterprise_services.qualification_save(
        enterprise=enterprise,
        by=by or admin_of(enterprise),
        kind=kind,
        level=level,
        recognition=recognition,
        certificate_number=certificate_number,
        recognized_on=recognized_on,
        expires_on=expires_on,
        moved_in_from_other_province=moved_in_from_other_province,
    )
    _stand_in_for_a_bureau(row, source)
    return row


def newly_certified_admin(make_user, **account) -> User:
    """An enterprise administrator (with an e-mail) whose enterprise was newly recognised as a
    高新技术企业 30 days ago, the certificate verified by a bureau: the claimant most tests of
    the 20万 award need."""
    user = make_user(
        Role.ENTERPRISE, is_enterprise_admin=True, email="cfo@qiye.example.cn", **account
    )
    today = datetime.date.today()
    qualification(
        user.enterprise,
        recognized_on=today - datetime.timedelta(days=30),
        expires_on=today + datetime.timedelta(days=1000),
        source=FactSource.VERIFIED,
    )
    return user


def figures(
    enterprise: Enterprise,
    year: int,
    *,
    by: User | None = None,
    source: str = FactSource.DECLARED,
    **values,
) -> YearlyFigures:
    """Record one year's figures as the enterprise's administrator does on the profile page:
    ``values`` are yearly facts (``revenue``, ``rd_expense`` …, amounts in yuan); those not
    given are unknown."""
    row = enterprise_services.yearly_figures_save(
        enterprise=enterprise, by=by or admin_of(enterprise), year=year, values=values
    )
    _stand_in_for_a_bureau(row, source)
    return row


def user(
    role: str = Role.ENTERPRISE,
    *,
    username: str = "",
    password: str = PASSWORD,
    city: str = "唐山市",
    enterprise: Enterprise | None = None,
    is_enterprise_admin: bool = False,
    bureau_name: str = "市科学技术局",
    bureau_position: str = "",
    **fields,
) -> User:
    """An account made as the admin site and the commands make one (``user_save``);
    ``.raw_password`` is its password.

    An enterprise account without an enterprise: an administrator registers a new one (as on the
    registration page); anyone else is a colleague in a newly registered enterprise, which has its
    own administrator. A bureau account works at ``bureau_name`` of ``city``, as a reviewer unless
    ``bureau_position`` says otherwise."""
    username = username or f"user{next(SERIAL)}"
    if role == Role.ENTERPRISE and enterprise is None:
        if is_enterprise_admin:
            admin = enterprise_admin(
                city=city,
                username=username,
                password=password,
                full_name=fields.pop("full_name", ""),
                email=fields.pop("email", ""),
            )
            if not fields:
                return admin
            fields = {"full_name": admin.full_name, "email": admin.email} | fields
            enterprise = admin.enterprise
        else:
            enterprise = enterprise_admin(city=city).enterprise
    if role == Role.BUREAU:
        fields["bureau"] = Bureau.objects.get(city__name=city, name=bureau_name)
        fields["bureau_position"] = bureau_position or BureauPosition.REVIEWER
    made = account_services.user_save(
        username=username,
        password=password,
        role=role,
        enterprise=enterprise,
        is_enterprise_admin=is_enterprise_admin,
        **fields,
    )
    made.raw_password = password
    return made
