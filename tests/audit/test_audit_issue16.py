"""The audit log holds the decisions of issue 16 too: official lists (uploaded, by whom) beside
account claims and ratings."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import BureauPosition, Role
from audit.log import audit_rows
from official_lists import services
from tests import factories

pytestmark = pytest.mark.django_db
HEADER = "统一社会信用代码,企业名称,资质,层级,认定日期,证书编号,批次/文号\n"


def test_an_uploaded_list_is_in_the_audit_log_with_who(make_user):
    reviewer = make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER)
    text = (
        HEADER
        + f"{factories.credit_code()},唐山审计科技有限公司,高新技术企业,国家级,2026-03-01,,\n"
    )
    services.list_upload(
        by=reviewer,
        title="审计测试名单",
        batch="唐科〔2026〕9号",
        upload=SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv"),
    )
    rows = [row for row in audit_rows() if "审计测试名单" in row.object]
    assert len(rows) == 1
    assert rows[0].who == str(reviewer) or reviewer.username in rows[0].who
    assert "唐科〔2026〕9号" in rows[0].object
