"""Each demo user logs in through the real login form in Chromium and sees their own home page in
Chinese. Screenshots land in var/screenshots/ for a person to look at."""

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


# username → (heading the home page must show, a navigation entry it must show)
JOURNEYS = {
    "qiye": ("唐山示例智能装备有限公司（演示）", "我的企业"),
    "shenhe": ("唐山市科学技术局", "部门工作台"),
    "kezhang": ("唐山市科学技术局", "本部门人员"),
    "guanli": ("政策目录管理", "管理后台"),
    "lingdao": ("领导总览", "领导总览"),
}


@pytest.mark.parametrize("username", list(JOURNEYS))
def test_each_demo_user_logs_in_and_sees_their_home_in_chinese(
    browser, live_server, transactional_db, demo_accounts, username
):
    heading, nav_label = JOURNEYS[username]
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 800})
    console_errors = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))

    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(demo_accounts[username]["password"])
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")

    assert "/accounts/login/" not in page.url
    assert page.locator("h1").first.inner_text().strip().startswith(heading)
    nav = page.get_by_test_id("role-navigation")
    assert nav.get_by_text(nav_label).first.is_visible()
    # Bootstrap's script loaded from static/ and works: the user menu opens.
    page.get_by_test_id("user-menu").click()
    assert page.get_by_role("button", name="退出登录").is_visible()
    assert console_errors == []

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"home-{username}.png"), full_page=True)
    page.close()


def test_a_visitor_switches_the_home_page_to_english_and_back(
    browser, live_server, transactional_db
):
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", name="谁在使用本平台").is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Who the portal is for").is_visible()
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="谁在使用本平台").is_visible()
    page.close()
