"""The official list journey in Chromium: the head of 唐山's 科技局 uploads a list of 30 newly
recognised 高新技术企业, reads the dry run, confirms it; each enterprise then finds the 免申即享
offer of 唐山's 20万 award for a new 高企 in its inbox."""

import datetime
import functools

import pytest

from tests.browser.steps import login, screenshot

pytestmark = pytest.mark.browser
HEADER = "统一社会信用代码,企业名称,资质,层级,认定日期,证书编号,批次/文号"


shot = functools.partial(screenshot, prefix="official-list")


def test_a_list_of_30_new_hitech_enterprises_opens_their_offers(
    browser, live_server, transactional_db, tmp_path
):
    from django.core.management import call_command

    from accounts.models import BureauPosition, Role
    from applications.models import Application, State
    from incentives.models import IncentiveItem
    from official_lists.models import OfficialList
    from tests import factories

    call_command("load_catalogue", verbosity=0)
    # The catalogue has the 20万 for a new 高企 as "review"; 免申即享 is what this journey is
    # about, so the item is made "no_application" here (as tests/applications/test_workflow.py).
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    item.delivery = "no_application"
    item.save(update_fields=["delivery"])
    head = factories.user(
        Role.BUREAU, username="kezhang", bureau_position=BureauPosition.HEAD, full_name="科长"
    )
    admins = [
        factories.enterprise_admin(
            name=f"唐山高企{n:02d}科技有限公司",
            username=f"gaoqi{n:02d}",
            email=f"gq{n}@qiye.example.cn",
        )
        for n in range(1, 31)
    ]
    recognised = datetime.date.today() - datetime.timedelta(days=15)
    lines = [HEADER] + [
        f"{a.enterprise.credit_code},{a.enterprise.name},高新技术企业,国家级,"
        f"{recognised:%Y/%-m/%-d},GR2026130{n:04d},冀科高〔2026〕3号"
        for n, a in enumerate(admins, start=1)
    ]
    path = tmp_path / "高企名单.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))  # as Excel in China saves it

    base = live_server.url
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    login(page, base, "kezhang", head.raw_password)
    page.goto(f"{base}/bureau/")
    page.get_by_test_id("official-lists-link").click()
    page.get_by_test_id("list-upload").click()
    page.locator("[name=title]").fill("河北省2026年第一批高新技术企业名单")
    page.locator("[name=batch]").fill("冀科高〔2026〕3号")
    page.locator("[name=file]").set_input_files(str(path))
    page.get_by_test_id("list-upload-form").locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("list-confirm-card").is_visible()
    assert page.get_by_test_id("outcome-matched").inner_text().strip().endswith("30")
    assert page.get_by_test_id("list-row").count() == 30
    shot(page, "dry-run")
    assert not Application.objects.exists()  # the dry run opens nothing

    page.get_by_test_id("list-confirm").click()
    page.wait_for_load_state("networkidle")
    effects = page.get_by_test_id("list-effects").inner_text()
    assert "30" in effects, effects
    shot(page, "confirmed")
    listed = OfficialList.objects.get()
    assert listed.state == "confirmed" and listed.applied["offers"] == 30
    assert Application.objects.filter(item=item, state=State.OFFERED).count() == 30

    login(page, base, "gaoqi07", factories.PASSWORD)
    page.goto(f"{base}/inbox/")
    inbox = page.get_by_test_id("inbox").inner_text()
    assert item.name in inbox and "免申即享" in inbox, inbox
    shot(page, "enterprise-inbox")
    assert "20万元" in inbox  # the newly-eligible notice says how much
    page.get_by_test_id("inbox").locator("[data-testid^=inbox-case]").first.click()
    page.wait_for_load_state("networkidle")
    shot(page, "enterprise-offer")
    offer = Application.objects.get(enterprise=admins[6].enterprise, item=item)
    assert offer.reference in page.content()
    page.goto(f"{base}/enterprise/profile/")
    assert "冀科高〔2026〕3号" in page.get_by_test_id("qualification-verified").inner_text()
    page.close()
