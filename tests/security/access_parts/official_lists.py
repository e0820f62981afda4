"""Access-matrix rows of the official lists pages (see access_parts/__init__.py).

A dry-run list of bureau X (唐山 科技局), uploaded by its reviewer: every bureau of 唐山 may read
it (reviewer_y is 唐山's 财政局), only bureau X's head confirms it, its head or its uploader
withdraws it; a list of another city is no list at all (404)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from official_lists import services
from tests import factories
from tests.security.access import BUREAU_STAFF, only

ROWS: dict = {
    "official_lists:index": ("get", None, only(BUREAU_STAFF)),
    "official_lists:upload": ("get", None, only(BUREAU_STAFF)),
    "official_lists:detail": ("get", lambda w: {"pk": w["official_list"].pk}, only(BUREAU_STAFF)),
    "official_lists:confirm": ("post", lambda w: {"pk": w["official_list"].pk}, only({"head_x"})),
    "official_lists:withdraw": (
        "get",
        lambda w: {"pk": w["official_list"].pk},
        only({"head_x", "reviewer_x"}),
    ),
}
ADMIN_ALLOWED: set[str] = set()

HEADER = "统一社会信用代码,企业名称,资质,层级,认定日期,证书编号,批次/文号\n"


def build(world: dict) -> dict:
    code = factories.credit_code()
    text = HEADER + f"{code},唐山矩阵科技有限公司,高新技术企业,国家级,2026-03-01,,\n"
    official_list = services.list_upload(
        by=world["users"]["reviewer_x"],
        title="矩阵测试名单",
        batch="唐科〔2026〕1号",
        upload=SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv"),
    )
    return {"official_list": official_list}
