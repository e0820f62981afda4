"""政策咨询 in Chromium (issue 16): a visitor asks about 新认定高新技术企业奖励 on the item page,
leaving a name, a phone and an e-mail, and lands on a private link; the reviewer of the lead
bureau (唐山市科学技术局) finds it in the queue, answers it and publishes it in words without the
visitor's identity; the private link shows the answer, and the item page shows the 常见问题
without the visitor's name, phone or e-mail."""

import functools

import pytest

from tests.browser.steps import login, screenshot

pytestmark = pytest.mark.browser
ITEM = "ts2019-hitech-new"
VISITOR = {"name": "王小明", "phone": "13912340000", "email": "wangxm@163.com"}


shot = functools.partial(screenshot, prefix="question")


def test_a_visitors_question_is_answered_and_published(browser, live_server, transactional_db):
    from django.core.management import call_command

    from consultations.models import Question
    from demo import accounts as demo_accounts

    call_command("load_catalogue", verbosity=0)
    demo_accounts.demo_load()
    base = live_server.url
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})

    # The visitor asks on the item page.
    page.goto(f"{base}/policies/{ITEM}/")
    assert page.get_by_test_id("faq-entry").count() == 0
    page.get_by_test_id("ask-link").click()
    page.wait_for_load_state("networkidle")
    assert "唐山市科学技术局" in page.locator("main").inner_text()
    page.locator("[name=text]").fill(
        f"我是{VISITOR['name']}，电话{VISITOR['phone']}。高企认定奖励每年什么时候申报？"
    )
    page.locator("[name=name]").fill(VISITOR["name"])
    page.locator("[name=phone]").fill(VISITOR["phone"])
    page.locator("[name=email]").fill(VISITOR["email"])
    shot(page, "ask")
    page.get_by_test_id("ask-submit").click()
    page.wait_for_load_state("networkidle")
    private_link = page.url
    question = Question.objects.get()
    assert private_link.endswith(f"/questions/{question.token}/")
    assert page.get_by_test_id("waiting").is_visible()
    shot(page, "private-link-waiting")

    # The reviewer of the lead bureau answers it from the queue and publishes it.
    login(page, base, "shenhe", "Shenhe-demo-2026")
    page.goto(f"{base}/bureau/")
    page.get_by_test_id("questions-card").click()
    page.wait_for_load_state("networkidle")
    row = page.get_by_test_id("question-row").first
    assert VISITOR["name"] in row.inner_text()
    row.get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    assert VISITOR["phone"] in page.get_by_test_id("asker").inner_text()
    page.locator("[name=answer]").fill("每年5月集中申报，认定证书下发后即可在线申请。")
    page.get_by_test_id("answer-submit").click()
    page.wait_for_load_state("networkidle")
    assert "每年5月集中申报" in page.get_by_test_id("bureau-answer").inner_text()
    # The prefilled question still names the visitor: publishing it is refused, saying why.
    page.get_by_test_id("publish-submit").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#div_id_published_question, .alert-danger, .invalid-feedback").count()
    assert not Question.objects.get().is_published
    page.locator("[name=published_question]").fill("高企认定奖励每年什么时候申报？")
    page.get_by_test_id("publish-submit").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("published-note").is_visible()
    shot(page, "bureau-published")

    # The visitor's private link shows the answer.
    page.context.clear_cookies()
    page.goto(private_link)
    assert "每年5月集中申报" in page.get_by_test_id("answer").inner_text()
    shot(page, "private-link-answered")

    # The item page shows the FAQ, and nothing of the visitor.
    page.goto(f"{base}/policies/{ITEM}/")
    faq = page.get_by_test_id("faq-entry")
    assert faq.count() == 1
    assert "高企认定奖励每年什么时候申报？" in faq.inner_text()
    assert "每年5月集中申报" in faq.inner_text()
    html = page.content()
    for identity in VISITOR.values():
        assert identity not in html
    page.get_by_test_id("item-questions").scroll_into_view_if_needed()
    shot(page, "item-faq")
    page.close()
