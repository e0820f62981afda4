"""Access-matrix rows of the account verification pages (see access_parts/__init__.py).

ent_a's administrator has sent the documents for verification: bureau X (唐山 科技局, which
verifies the city's enterprises) decides; reviewer_y's 财政局 does not verify, so the request is
no request to it (404); the documents open for the deciding bureau and ent_a's administrator
only. Anyone may file a claim; ent_a's administrator deactivates ent_a's colleague."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import Role
from enterprises.models import AccountClaim
from tests import factories
from tests.applications.conftest import PDF
from tests.security.access import BUREAU_STAFF, BUREAU_X, ENTERPRISES, EVERYONE, IDENTITIES, only

DECIDERS = set(BUREAU_X)
FILE_VIEWERS = DECIDERS | {"ent_a"}

ROWS: dict = {
    "enterprises:claim": ("get", None, EVERYONE),
    "enterprises:verification": ("get", None, only(ENTERPRISES)),
    "enterprises:verification_queue": ("get", None, only(BUREAU_STAFF)),
    "enterprises:verification_detail": (
        "get",
        lambda w: {"pk": w["claim"].pk},
        only(DECIDERS, hidden={"reviewer_y"}),
    ),
    "enterprises:verification_file": (
        "get",
        lambda w: {"pk": w["claim"].pk, "which": "licence"},
        only(FILE_VIEWERS, hidden=set(IDENTITIES) - FILE_VIEWERS - {"anonymous"}),
    ),
    "accounts:colleague_active": (
        "post",
        lambda w: {"pk": w["colleague"].pk},
        only({"ent_a"}, hidden={"ent_b"}),
    ),
}
ADMIN_ALLOWED: set[str] = set()


def build(world: dict) -> dict:
    admin = world["users"]["ent_a"]
    # ent_a acts already (verified); its earlier registration request stays on record.
    claim = AccountClaim.objects.create(
        enterprise=admin.enterprise,
        kind=AccountClaim.Kind.REGISTRATION,
        user=admin,
        claimant_name="矩阵管理员",
        claimant_email=admin.email,
        company_name=admin.enterprise.name,
        licence=default_storage.save("claims/matrix/licence.pdf", ContentFile(PDF)),
        authorisation=default_storage.save("claims/matrix/authorisation.pdf", ContentFile(PDF)),
    )
    colleague = factories.user(Role.ENTERPRISE, enterprise=admin.enterprise)
    return {"claim": claim, "colleague": colleague}
