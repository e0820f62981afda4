"""The whole journey in Chromium: the enterprise applies → the reviewer asks for a supplement →
the enterprise resubmits → 会签 by the 工信局 → the head approves → 公示 → 兑现, each notice
appearing in the right inbox."""

import datetime
import functools
import re

import pytest

from tests.browser.steps import login, screenshot

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def inbox_text(page, base):
    page.goto(f"{base}/inbox/")
    return page.get_by_test_id("inbox").inner_text()


shot = functools.partial(screenshot, prefix="journey")


def test_apply_supplement_cosign_approve_publicize_pay(
    browser, live_server, transactional_db, tmp_path
):
    from django.core.management import call_command

    from accounts import services as account_services
    from accounts.models import Role
    from applications.models import Application
    from demo import accounts as demo_accounts
    from organisations.models import Bureau
    from tests import factories

    call_command("load_catalogue", verbosity=0)
    accounts = {a["username"]: a for a in demo_accounts.demo_load()}
    qiye = accounts["qiye"]["user"]
    today = datetime.date.today()
    factories.qualification(
        qiye.enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=today - datetime.timedelta(days=20),
        expires_on=today + datetime.timedelta(days=1000),
    )
    account_services.user_save(
        username="gongxin",
        password="Gongxin-demo-2026",
        role=Role.BUREAU,
        bureau=Bureau.objects.get(city__name="唐山市", name="市工业和信息化局"),
        bureau_position="reviewer",
        full_name="工信局审核员",
    )
    base = live_server.url
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pdf = tmp_path / "证明材料.pdf"
    pdf.write_bytes(PDF)

    # The enterprise applies: fills in the contact and the materials, checks everything on the
    # confirmation page and agrees to the 承诺书 before it is sent.
    login(page, base, "qiye", "Qiye-demo-2026")
    page.goto(f"{base}/policies/ts2019-hitech-new/")
    page.get_by_test_id("apply").click()
    page.wait_for_load_state("networkidle")
    page.locator("[name=case-contact_name]").fill("王经理")
    page.locator("[name=case-contact_phone]").fill("0315 2345678")
    for upload in page.locator("input[type=file]").all():
        upload.set_input_files(str(pdf))
    shot(page, "0-edit")
    page.get_by_test_id("submit").click()
    page.wait_for_load_state("networkidle")
    confirmation = page.get_by_test_id("confirmation").inner_text()
    assert "新认定高新技术企业奖励" in confirmation and "20万元" in confirmation
    assert "王经理" in confirmation and "0315-2345678" in confirmation
    assert confirmation.count("证明材料.pdf") == 2  # each material with its file name
    shot(page, "0-confirmation")
    page.get_by_test_id("send").click()  # without the 承诺书: refused, nothing sent
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("confirmation").is_visible()
    assert Application.objects.get(enterprise=qiye.enterprise).state == "draft"
    page.get_by_test_id("declare").check()
    page.get_by_test_id("send").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("state").inner_text() == "已提交"
    reference = Application.objects.get(enterprise=qiye.enterprise).reference
    assert reference.startswith(f"唐山-{today.year}-")
    assert "证明材料.pdf" in page.get_by_test_id("case-materials").inner_text()
    assert "市科学技术局" in page.get_by_test_id("case-bureaus").inner_text()
    assert re.search(r"\d{4}-\d{2}-\d{2}", page.get_by_test_id("decision-expected").inner_text())
    # 申报 again on the item page now leads to the case (查看申报), not to a second one.
    page.goto(f"{base}/policies/ts2019-hitech-new/")
    assert reference in page.get_by_test_id("apply-case").inner_text()
    page.get_by_test_id("apply").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("reference").inner_text() == reference
    shot(page, "1-submitted")

    # The reviewer of the lead bureau is told, and asks for a supplement.
    login(page, base, "shenhe", "Shenhe-demo-2026")
    assert page.get_by_test_id("inbox-unread").is_visible()
    assert reference in inbox_text(page, base)
    page.goto(f"{base}/cases/{reference}/")
    form = page.get_by_test_id("action-request_supplement").locator("xpath=..")
    form.locator("textarea[name=comment]").fill("请补充高企证书的清晰扫描件")
    page.get_by_test_id("action-request_supplement").click()
    page.wait_for_load_state("networkidle")
    assert "补正" in page.get_by_test_id("state").inner_text()

    # The enterprise reads the request and resubmits.
    login(page, base, "qiye", "Qiye-demo-2026")
    assert "请补充" in inbox_text(page, base)
    page.goto(f"{base}/cases/{reference}/edit/")
    assert "清晰扫描件" in page.get_by_test_id("supplement-request").inner_text()
    page.locator("input[type=file]").last.set_input_files(str(pdf))
    page.get_by_test_id("submit").click()
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("declare").check()
    page.get_by_test_id("send").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("state").inner_text() == "已重新提交"

    # The reviewer accepts and asks the 工信局 (only) for co-review.
    login(page, base, "shenhe", "Shenhe-demo-2026")
    page.goto(f"{base}/cases/{reference}/")
    page.get_by_test_id("action-accept").click()
    page.wait_for_load_state("networkidle")
    boxes = page.locator("input[name=cosign_bureaus]")
    for n in range(boxes.count()):
        box = boxes.nth(n)
        if "工业和信息化局" not in box.locator("xpath=..").inner_text():
            box.uncheck()
    page.get_by_test_id("action-request_cosign").click()
    page.wait_for_load_state("networkidle")
    assert "会签" in page.get_by_test_id("state").inner_text()
    shot(page, "2-cosign-requested")

    # The 工信局 is told and agrees.
    login(page, base, "gongxin", "Gongxin-demo-2026")
    assert "会签" in inbox_text(page, base)
    page.goto(f"{base}/cases/{reference}/")
    page.get_by_test_id("cosign-opinion").select_option("agree")
    page.get_by_test_id("cosign-submit").click()
    page.wait_for_load_state("networkidle")
    assert "同意" in page.get_by_test_id("cosigns").inner_text()

    # The head decides: the amount must fit the rule.
    login(page, base, "kezhang", "Kezhang-demo-2026")
    page.goto(f"{base}/cases/{reference}/")
    page.get_by_test_id("approve-amount").fill("250000")
    page.get_by_test_id("action-approve").click()
    page.wait_for_load_state("networkidle")
    assert "按规则应为20万元" in page.content()
    page.get_by_test_id("approve-amount").fill("200000")
    page.get_by_test_id("action-approve").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("state").inner_text() == "已审核通过"

    # 公示, then 兑现 once the publicity is over.
    login(page, base, "shenhe", "Shenhe-demo-2026")
    page.goto(f"{base}/cases/{reference}/")
    page.get_by_test_id("action-publicize").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/publicity/")
    assert qiye.enterprise.name in page.content()
    shot(page, "3-publicity")
    Application.objects.filter(reference=reference).update(
        publicity_ends=today - datetime.timedelta(days=1)
    )
    page.goto(f"{base}/cases/{reference}/")
    page.locator("input[name=paid_on]").fill(today.isoformat())
    page.locator("input[name=payment_reference]").fill("TSCZ-2026-0088")
    page.get_by_test_id("action-disburse").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("state").inner_text() == "已兑现"

    # The enterprise sees every decision in its inbox and the amount on its case.
    login(page, base, "qiye", "Qiye-demo-2026")
    inbox = inbox_text(page, base)
    for words in ("已受理", "审核通过", "公示", "兑现"):
        assert words in inbox, words
    page.goto(f"{base}/cases/{reference}/")
    assert "200000.00" in page.get_by_test_id("approved-amount").inner_text()
    shot(page, "4-paid")
    page.close()
