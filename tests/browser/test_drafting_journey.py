"""A catalogue admin drafts a new document from its text in Chromium (issue 14, item 4): pastes
it, reviews the draft in words — the head, the measures, each amount as an item with a rule, the
annex's units resolved — drops an item that is not one, corrects an amount in 万元 without JSON,
and publishes; only then is the document on the public pages."""

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.steps import login
from tests.incentives.test_drafting import ANNEX, BODY, HEAD

pytestmark = pytest.mark.browser


def test_a_document_drafted_from_its_text_is_reviewed_edited_and_published(
    browser, live_server, transactional_db
):
    from django.core.management import call_command

    from demo import accounts as demo_accounts
    from incentives.models import IncentiveItem

    call_command("load_catalogue", verbosity=0)
    demo_accounts.demo_load()
    base = live_server.url
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    login(page, base, "guanli", "Guanli-demo-2026")

    page.goto(f"{base}/admin/incentives/documentdraft/add/")
    page.get_by_label("所属城市").select_option(label="唐山市")
    page.get_by_label("文件文本").fill(HEAD + BODY + ANNEX)
    page.get_by_role("button", name="起草").click()
    page.wait_for_load_state("networkidle")
    head = page.get_by_test_id("draft-head").inner_text()
    assert "唐政发〔2031〕7号" in head and "唐山市试验性科技奖补办法" in head
    items = page.get_by_test_id("draft-item")
    assert items.count() >= 6
    assert "20万元" in items.first.inner_text()
    assert "市科学技术局" in page.get_by_test_id("draft-measure").first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "draft-review.png"), full_page=True)

    # Not live: the public catalogue does not know it.
    public = browser.new_page(locale="zh-CN")
    public.goto(f"{base}/policies/?q=试验性企业")
    assert "试验性企业" not in public.locator("main").inner_text()

    # Drop the second item (复审 5万), set the first to 25万, save — no JSON.
    count = items.count()
    items.nth(1).get_by_role("checkbox").uncheck()
    items.first.get_by_label("金额（万元）").fill("25")
    page.get_by_test_id("draft-save-items").click()
    page.wait_for_load_state("networkidle")
    items = page.get_by_test_id("draft-item")
    assert items.count() == count - 1
    assert "25万元" in items.first.inner_text()

    page.get_by_role("button", name="发布").click()
    page.wait_for_load_state("networkidle")
    published = IncentiveItem.objects.filter(measure__document__doc_number="唐政发〔2031〕7号")
    assert published.count() == count - 1
    public.goto(f"{base}/policies/?q=试验性企业")
    assert "试验性企业" in public.locator("main").inner_text()
    public.close()
    page.close()
