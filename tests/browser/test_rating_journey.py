"""好差评 in Chromium: a case ends (the reviewer accepts, the head does not support it) → the
enterprise is invited and rates it 不满意 (refused without a reason, then with one) → the head is
told, records the rectification and replies (a reviewer only reads it) → the enterprise sees the
reply and rates again, once → the leadership dashboard shows the bureau's satisfaction."""

import datetime
import functools
from urllib.parse import unquote

import pytest

from tests.browser.steps import login, screenshot
from tests.browser.test_application_journey import PDF, inbox_text

pytestmark = pytest.mark.browser


shot = functools.partial(screenshot, prefix="rating")


def settle(page):
    page.wait_for_load_state("networkidle")


def test_poor_rating_rectified_replied_and_rated_again(browser, live_server, transactional_db):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from applications import services
    from demo import accounts as demo_accounts
    from incentives.models import IncentiveItem
    from ratings.models import Rating
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
    # The application itself is the other journey's: here it is sent through the services.
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    case = services.application_start(user=qiye, item=item)
    for label in item.materials or []:
        stored = services.file_upload(
            enterprise=qiye.enterprise,
            user=qiye,
            label=label,
            upload=SimpleUploadedFile(f"{label}.pdf", PDF, content_type="application/pdf"),
        )
        services.material_attach(application=case, user=qiye, label=label, enterprise_file=stored)
    case = services.transition(application_id=case.pk, user=qiye, action="submit")
    reference = case.reference
    base = live_server.url
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})

    # The case ends: the reviewer accepts, the head does not support it.
    login(page, base, "shenhe", "Shenhe-demo-2026")
    page.goto(f"{base}/cases/{reference}/")
    page.get_by_test_id("action-accept").click()
    settle(page)
    login(page, base, "kezhang", "Kezhang-demo-2026")
    page.goto(f"{base}/cases/{reference}/")
    reject = page.locator("form", has=page.get_by_test_id("action-reject"))
    reject.locator("textarea[name=comment]").fill("研发投入占比不足")
    page.get_by_test_id("action-reject").click()
    settle(page)
    assert page.get_by_test_id("state").inner_text() == "不予支持"

    # The enterprise is invited (inbox), and 我的申报 and the case page offer the rating.
    login(page, base, "qiye", "Qiye-demo-2026")
    assert reference in inbox_text(page, base)
    page.goto(f"{base}/applications/")
    assert page.get_by_test_id(f"rate-{reference}").is_visible()
    page.goto(f"{base}/cases/{reference}/")
    page.get_by_test_id("rate-button").click()
    settle(page)
    page.locator("input[name=level][value='2']").check()
    page.locator("[name=comment]").fill("审核意见说得不清楚")
    page.locator("main form button[type=submit]").click()
    settle(page)
    assert page.locator(".invalid-feedback").count() >= 1  # 不满意 needs a reason
    assert not Rating.objects.exists()
    page.locator("input[name=level][value='2']").check()
    page.locator("[name=reason]").fill("不予支持的理由没有说明依据哪一条")
    shot(page, "1-form")
    page.locator("main form button[type=submit]").click()
    settle(page)
    assert unquote(page.url).endswith(f"/cases/{reference}/")
    assert page.get_by_test_id("rating-waiting").is_visible()
    assert page.get_by_test_id("rate-button").count() == 0

    # A reviewer reads the complaint but may not answer it.
    login(page, base, "shenhe", "Shenhe-demo-2026")
    page.goto(f"{base}/bureau/ratings/rectify/")
    page.get_by_role("link", name=reference).click()
    settle(page)
    assert page.get_by_test_id("read-only").is_visible()
    assert "依据哪一条" in page.get_by_test_id("poor-rating").inner_text()

    # The head is told, records the rectification and replies.
    login(page, base, "kezhang", "Kezhang-demo-2026")
    assert reference in inbox_text(page, base)
    page.goto(f"{base}/bureau/ratings/rectify/")
    shot(page, "2-to-rectify")
    page.get_by_role("link", name=reference).click()
    settle(page)
    page.locator("[name=rectified]").fill("不予支持的告知书今后逐条写明依据的条款")
    page.locator("[name=reply]").fill("依据是第三条第二款：研发费用占比须达到5%。已改进告知书。")
    page.get_by_test_id("rectification-form").locator("button[type=submit]").click()
    settle(page)
    assert page.get_by_test_id("rectification-done").is_visible()
    shot(page, "3-rectified")

    # The enterprise sees the reply and rates again — once.
    login(page, base, "qiye", "Qiye-demo-2026")
    page.goto(f"{base}/cases/{reference}/")
    assert "第三条第二款" in page.get_by_test_id("rating-reply").inner_text()
    page.get_by_test_id("rate-button").click()
    settle(page)
    page.locator("input[name=level][value='4']").check()
    page.locator("main form button[type=submit]").click()
    settle(page)
    assert page.get_by_test_id("rating-2").is_visible()
    assert page.get_by_test_id("rate-button").count() == 0
    shot(page, "4-rated-again")
    assert list(Rating.objects.values_list("round", "level")) == [(1, 2), (2, 4)]

    # The leadership dashboard: the bureau's satisfaction counts the latest rating.
    login(page, base, "lingdao", "Lingdao-demo-2026")
    page.goto(f"{base}/leadership/satisfaction/")
    row = page.get_by_test_id("by-bureau").inner_text()
    assert "唐山市科学技术局" in row
    assert page.get_by_test_id("satisfied-rate").inner_text() == "100.0%"
    assert page.get_by_test_id("on-time-rate").inner_text() == "100.0%"
    shot(page, "5-dashboard")
    page.close()
