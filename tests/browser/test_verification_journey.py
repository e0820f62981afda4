"""Who acts for an enterprise, in Chromium: a company registers and cannot submit while it awaits
verification; it sends its 营业执照 and 授权委托书 and the 唐山 科技局 verifies it, after which it
can. A second person registering the same code is offered the claim, files a dispute with
evidence, and the bureau transfers the administration: the holder is told and closed, the
claimant receives the link and becomes the administrator."""

import functools
import re

import pytest

from portal.validators import credit_code_check_character, org_code_check_character
from tests.browser.steps import login, screenshot

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def credit_code() -> str:
    org8 = "MA0HEY1F"
    first17 = "91130203" + org8 + org_code_check_character(org8)
    return first17 + credit_code_check_character(first17)


shot = functools.partial(screenshot, prefix="verification")


def register(page, base, code, *, username, email):
    page.goto(f"{base}/register/")
    page.locator("[name=credit_code]").fill(code)
    page.locator("[name=name]").fill("唐山核验新材料有限公司")
    page.locator("[name=city]").select_option(label="唐山市")
    page.locator("[name=district]").select_option(label="路北区")
    page.locator("[name=username]").fill(username)
    page.locator("[name=full_name]").fill("钱核验")
    page.locator("[name=email]").fill(email)
    page.locator("[name=mobile]").fill("13903152026")
    page.locator("[name=password1]").fill("Heyan-2026-xc-pass")
    page.locator("[name=password2]").fill("Heyan-2026-xc-pass")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")


def test_register_verify_then_dispute_and_transfer(
    browser, live_server, transactional_db, tmp_path, django_capture_on_commit_callbacks
):
    from django.core import mail
    from django.core.management import call_command

    from accounts import services as account_services
    from accounts.models import Role, User
    from applications.models import Application
    from enterprises.models import AccountClaim, Enterprise
    from organisations.models import Bureau

    call_command("load_catalogue", verbosity=0)
    account_services.user_save(
        username="kjjheyan",
        password="Kjj-heyan-2026-pass",
        role=Role.BUREAU,
        bureau=Bureau.objects.get(city__name="唐山市", name="市科学技术局"),
        bureau_position="reviewer",
        full_name="科技局核验员",
    )
    base = live_server.url
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    licence, letter = tmp_path / "营业执照.pdf", tmp_path / "授权委托书.pdf"
    licence.write_bytes(PDF)
    letter.write_bytes(PDF)
    code = credit_code()

    # 1. The company registers: it lands on the verification page, awaiting verification.
    register(page, base, code, username="heyan", email="qian@heyan.example.cn")
    assert "/enterprise/verification/" in page.url
    assert "待核验" in page.get_by_test_id("verification-status").inner_text()

    # It may prepare an application, but the page says why it cannot be submitted.
    page.goto(f"{base}/policies/ts2019-hitech-new/")
    page.get_by_test_id("apply").click()
    page.wait_for_load_state("networkidle")
    assert "待核验" in page.get_by_test_id("problems").inner_text()
    page.get_by_test_id("submit").click()
    page.wait_for_load_state("networkidle")
    assert Application.objects.get(enterprise__credit_code=code).state == "draft"
    shot(page, "0-refused-while-awaiting")

    # 2. It sends the 营业执照 and 授权委托书.
    page.goto(f"{base}/enterprise/verification/")
    page.locator("[name=licence]").set_input_files(str(licence))
    page.locator("[name=authorisation]").set_input_files(str(letter))
    page.locator("[name=statement]").fill("法定代表人授权钱核验管理本企业账户")
    page.get_by_test_id("verification-form").locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "主管部门" in page.get_by_test_id("verification-status").inner_text() or (
        "已提交" in page.content()
    )

    # 3. The 科技局 verifies it, with the documents beside the registry data.
    login(page, base, "kjjheyan", "Kjj-heyan-2026-pass")
    page.goto(f"{base}/bureau/")
    page.get_by_test_id("verifications-link").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="唐山核验新材料有限公司").click()
    page.wait_for_load_state("networkidle")
    assert code in page.content() and "营业执照.pdf" in page.content()
    shot(page, "1-bureau-checks")
    page.locator("[name=decision][value=approve]").check()
    page.get_by_test_id("decision-form").locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert Enterprise.objects.get(credit_code=code).account_status == "verified"

    # Now the enterprise's application has nothing in the way of verification.
    login(page, base, "heyan", "Heyan-2026-xc-pass")
    page.goto(f"{base}/enterprise/verification/")
    assert "已核验" in page.get_by_test_id("verification-status").inner_text()
    page.goto(f"{base}/applications/")
    assert page.get_by_test_id("verification-banner").count() == 0

    # 4. Someone else registers the same code: the form offers the claim, and does not say
    #    who holds it. They file a dispute with their evidence.
    page.context.clear_cookies()
    register(page, base, code, username="zhenzheng", email="sun@heyan.example.cn")
    assert "/register/" in page.url
    assert "heyan" not in page.locator("main").inner_text()
    page.get_by_test_id("claim-link").locator("a").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[name=credit_code]").input_value() == code
    page.locator("[name=company_name]").fill("唐山核验新材料有限公司")
    page.locator("[name=claimant_name]").fill("孙法定")
    page.locator("[name=claimant_mobile]").fill("13803150000")
    page.locator("[name=claimant_email]").fill("sun@heyan.example.cn")
    page.locator("[name=licence]").set_input_files(str(licence))
    page.locator("[name=authorisation]").set_input_files(str(letter))
    page.locator("[name=statement]").fill("本公司法定代表人从未授权他人注册")
    page.get_by_test_id("claim-form").locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "sun@heyan.example.cn" in page.get_by_test_id("claim-filed").inner_text()
    claim = AccountClaim.objects.get(kind="dispute")

    # 5. The bureau transfers the administration; both sides are told.
    login(page, base, "kjjheyan", "Kjj-heyan-2026-pass")
    page.goto(f"{base}/bureau/verifications/{claim.pk}/")
    assert "heyan" in page.content()  # the bureau sees who holds it
    shot(page, "2-dispute")
    page.locator("[name=decision][value=approve]").check()
    mail.outbox.clear()
    page.get_by_test_id("decision-form").locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    holder = User.objects.get(username="heyan")
    assert not holder.is_active and not holder.is_enterprise_admin
    invitation_mail = next(m for m in mail.outbox if "/invitations/" in m.body)
    assert invitation_mail.to == ["sun@heyan.example.cn"]
    link = re.search(r"(/invitations/\S+/)", invitation_mail.body).group(1)

    page.context.clear_cookies()
    page.goto(f"{base}{link}")
    page.locator("[name=username]").fill("sunfading")
    page.locator("[name=full_name]").fill("孙法定")
    page.locator("[name=password1]").fill("Sun-fading-2026-pass")
    page.locator("[name=password2]").fill("Sun-fading-2026-pass")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    claimant = User.objects.get(username="sunfading")
    assert claimant.is_enterprise_admin and claimant.enterprise.credit_code == code
    login(page, base, "sunfading", "Sun-fading-2026-pass")
    page.goto(f"{base}/enterprise/profile/")
    assert "管理员" in page.content() and "已停用" in page.content()
    shot(page, "3-transferred")
