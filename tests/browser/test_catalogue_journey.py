"""A visitor looks for 高新技术企业 in 唐山: the 20万元 award comes first, with its lead bureau."""

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_visitor_finds_the_hitech_award_and_its_bureau(
    browser, live_server, transactional_db, width, height
):
    from django.core.management import call_command
    from playwright.sync_api import expect

    call_command(
        "load_catalogue", verbosity=0
    )  # a transactional test starts from an empty database
    page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": height})
    page.goto(f"{live_server.url}/")
    if width < 1200:  # the header folds into its menu button on a phone
        page.locator(".navbar-toggler").click()
    page.get_by_test_id("public-navigation").get_by_role("link", name="政策目录").click()
    page.get_by_label("搜索").fill("高新技术企业")
    bureaus = page.locator("#id_bureau option")
    expect(bureaus.filter(has_text="廊坊市")).not_to_have_count(0)
    page.get_by_label("市", exact=True).select_option(label="唐山市")
    # htmx reloads the 牵头部门 choices in place: only 唐山's bureaus now.
    expect(bureaus.filter(has_text="廊坊市")).to_have_count(0)
    expect(bureaus.filter(has_text="唐山市科学技术局")).to_have_count(1)
    page.get_by_role("button", name="搜索").click()
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"catalogue-search-{width}.png"), full_page=True)

    # The first card is the award, its name the link, its amount beside it.
    first = page.get_by_test_id("catalogue-item").first
    result = first.get_by_role("link", name="新认定高新技术企业奖励")
    assert result.is_visible()
    assert "20万元" in first.inner_text()
    result.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("award").inner_text() == "20万元"
    bureaus = page.get_by_test_id("bureaus").inner_text()
    assert "唐山市科学技术局" in bureaus and "牵头" in bureaus
    page.screenshot(path=str(SCREENSHOTS / f"item-hitech-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("link", name="唐山市科学技术局").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="唐山市科学技术局").is_visible()
    page.close()
