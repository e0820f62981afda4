"""A new enterprise registers with a real-looking credit code, fills its profile, and sees its
matches change after saving (policy finds the enterprise)."""

import datetime

import pytest

from portal.validators import credit_code_check_character, org_code_check_character
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


def credit_code() -> str:
    org8 = "MA0K7Q3E"
    first17 = "91130203" + org8 + org_code_check_character(org8)  # 唐山市路北区
    return first17 + credit_code_check_character(first17)


def eligible_section(page) -> str:
    section = page.get_by_test_id("group-eligible")
    return section.inner_text() if section.count() else ""


def test_register_fill_profile_and_see_matches_change(browser, live_server, transactional_db):
    from django.core.management import call_command

    call_command("load_catalogue", verbosity=0)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    page.goto(f"{live_server.url}/register/")
    # A wrong check character is refused and says which character.
    code = credit_code()
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    page.locator("[name=credit_code]").fill(wrong)
    page.locator("[name=name]").fill("唐山浩远新材料科技有限公司")
    page.locator("[name=city]").select_option(label="唐山市")
    # The district list follows the city: 唐山's districts only.
    groups = page.locator("[name=district] optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert groups == ["唐山市"], groups
    page.locator("[name=district]").select_option(label="路北区")
    page.locator("[name=username]").fill("haoyuan")
    page.locator("[name=full_name]").fill("刘浩")
    page.locator("[name=email]").fill("liu.hao@haoyuan.example.cn")
    page.locator("[name=mobile]").fill("139 0315 2026")
    page.locator("[name=password1]").fill("Haoyuan-2026-xc")
    page.locator("[name=password2]").fill("Haoyuan-2026-xc")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert "第18位" in page.content()
    assert page.locator("[name=name]").input_value() == "唐山浩远新材料科技有限公司"  # nothing lost

    # Typed as printed on the licence, in groups of four: cleaned, not refused.
    page.locator("[name=credit_code]").fill(" ".join(code[i : i + 4] for i in range(0, 18, 4)))
    page.locator("[name=password1]").fill("Haoyuan-2026-xc")
    page.locator("[name=password2]").fill("Haoyuan-2026-xc")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    # Registered: next the documents for the bureau to verify the account.
    assert "/enterprise/verification/" in page.url

    page.goto(f"{live_server.url}/enterprise/policies/")
    assert "新认定高新技术企业奖励" not in eligible_section(page)

    page.goto(f"{live_server.url}/enterprise/profile/qualifications/add/")
    recognized = datetime.date.today() - datetime.timedelta(days=20)
    page.locator("[name=kind]").select_option(value="hitech")
    page.locator("[name=recognition]").select_option(value="new")
    page.locator("[name=certificate_number]").fill("GR202613000888")
    page.locator("[name=recognized_on]").fill(recognized.isoformat())
    page.locator("[name=expires_on]").fill(recognized.replace(year=recognized.year + 3).isoformat())
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/enterprise/policies/")
    eligible = eligible_section(page)
    assert "新认定高新技术企业奖励" in eligible and "20万元" in eligible
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "my-policies-after-profile.png"))

    # The home now says how many items it may claim and up to how much.
    page.goto(f"{live_server.url}/enterprise/")
    summary = page.get_by_test_id("enterprise-summary").inner_text()
    assert "项" in page.get_by_test_id("claimable").inner_text()
    assert "万元" in page.get_by_test_id("claimable-money").inner_text(), summary
    page.screenshot(path=str(SCREENSHOTS / "enterprise-home-after-profile.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/enterprise/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "enterprise-home-phone.png"), full_page=True)
    page.close()
