"""Two catalogue admins in Chromium (issue 14): the first changes 新认定高新技术企业奖励 from 20万
to 25万 in the rule editor — sees the golden case change in the live preview, confirms the new
result, is told the summary still says 20万, gives a reason — and proposes it; they cannot approve
it themselves. The second approves it for tomorrow. Until then the public page, the calculator and
我的政策 say 20万; on that day the change takes effect and they say 25万, and the item's history
shows the change in words."""

import datetime
import functools

import pytest

from tests.browser.steps import login, screenshot

pytestmark = pytest.mark.browser


shot = functools.partial(screenshot, prefix="rule-editor")


def hitech_line(page) -> str:
    return (
        page.locator(".list-group-item")
        .filter(has_text="新认定高新技术企业奖励")
        .first.inner_text()
    )


def test_two_admins_change_the_hitech_award_to_25_wan(
    browser, live_server, transactional_db, monkeypatch
):
    from django.core.management import call_command

    from demo import accounts as demo_accounts
    from incentives import matching
    from incentives.models import ChangeProposal, IncentiveItem
    from incentives.tasks import apply_due_proposals
    from organisations.models import Region
    from portal import clock
    from tests import factories

    call_command("load_catalogue", verbosity=0)
    accounts = {a["username"]: a for a in demo_accounts.demo_load()}
    qiye = accounts["qiye"]["user"]
    today = datetime.date.today()
    tomorrow = today + datetime.timedelta(days=1)
    factories.qualification(
        qiye.enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=today - datetime.timedelta(days=20),
        expires_on=today + datetime.timedelta(days=1000),
    )
    matching.enterprise_recompute(enterprise_id=qiye.enterprise_id)
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    base = live_server.url
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})

    # The first admin opens the item's rule editor from the admin site.
    login(page, base, "guanli", "Guanli-demo-2026")
    page.goto(f"{base}/admin/incentives/incentiveitem/{item.pk}/change/")
    page.get_by_role("link", name="修改奖励规则、申报条件或限额").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_label("奖励方式").input_value() == "fixed"
    amount = page.get_by_label("金额（万元）")
    assert amount.input_value() == "20"
    assert "测算日前N天之内" in page.get_by_test_id("condition-row").nth(1).inner_text()

    # 25万: the live preview shows the golden case that changes, and the stale summary.
    amount.fill("25")
    page.get_by_label("生效日期").fill(tomorrow.isoformat())
    changed = page.get_by_test_id("golden-case-changed")
    changed.first.wait_for()
    assert "25万元" in changed.first.inner_text() and "20万元" in changed.first.inner_text()
    assert page.get_by_test_id("rule-words").inner_text().endswith("25万元")
    assert "20万元" in page.get_by_test_id("stale-text").inner_text()
    shot(page, "preview")

    # Accept the case's new result, update the summary, keep the quote (the document's words).
    changed.first.get_by_role("checkbox").check()
    page.get_by_label("摘要").fill("首次通过认定的高新技术企业，由市财政一次性奖励25万元。")
    page.get_by_label("文字保留原金额的理由").fill("原文摘录保留文件原话")
    page.get_by_label("修改原因").fill("市政府常务会议决定提高奖励标准")
    page.get_by_test_id("editor-ready").wait_for()
    page.get_by_test_id("propose").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("proposal-status").inner_text() == "待批准"
    changes = page.get_by_test_id("proposal-changes").inner_text()
    assert "定额奖补：20万元" in changes and "定额奖补：25万元" in changes
    # The proposer cannot approve their own proposal.
    assert page.get_by_test_id("approve-disabled").is_disabled()
    assert page.get_by_test_id("approve").count() == 0
    shot(page, "proposed")
    proposal = ChangeProposal.objects.get()
    assert item.rules.get().params["amount"] == 200000, "nothing changes before approval"

    # The second admin approves it with tomorrow as its date.
    login(page, base, "guanli2", "Guanli2-demo-2026")
    page.goto(f"{base}/admin/incentives/changeproposal/")
    page.get_by_role("link", name="新认定高新技术企业奖励").first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("生效日期").fill(tomorrow.isoformat())
    page.get_by_test_id("approve").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("proposal-status").inner_text() == "已批准，待生效"
    proposal.refresh_from_db()
    assert proposal.decided_by.username == "guanli2" and proposal.effective_on == tomorrow

    # Today the portal still says 20万.
    page.goto(f"{base}/policies/ts2019-hitech-new/")
    assert page.get_by_test_id("award").inner_text() == "20万元"

    # Tomorrow: the nightly task puts it in effect and the matches are recomputed.
    monkeypatch.setattr(clock, "today", lambda: tomorrow)
    assert apply_due_proposals() == 1
    page.goto(f"{base}/policies/ts2019-hitech-new/")
    assert page.get_by_test_id("award").inner_text() == "25万元"
    shot(page, "public-page")

    tangshan = Region.objects.get(name="唐山市")
    page.goto(f"{base}/calculator/?city={tangshan.pk}&hitech=new")
    eligible = page.get_by_test_id("group-eligible")
    line = eligible.locator(".list-group-item").filter(has_text="新认定高新技术企业奖励")
    assert "25万元" in line.first.inner_text()

    login(page, base, "qiye", "Qiye-demo-2026")
    page.goto(f"{base}/enterprise/policies/")
    assert "25万元" in hitech_line(page)
    shot(page, "my-policies")

    # The item's history says what changed, who proposed and approved it, when and why.
    login(page, base, "guanli", "Guanli-demo-2026")
    page.goto(f"{base}/admin/incentives/incentiveitem/{item.pk}/history/")
    history = page.get_by_test_id("item-proposals").inner_text()
    for words in ("已生效", "赵管理", "钱管理", "市政府常务会议决定提高奖励标准", "25万元"):
        assert words in history, words
    shot(page, "history")
    page.close()
