"""Applying with the keyboard alone (issue 15; GB/T 37668 and WCAG 2.1.1): log in, open the item,
start the application, fill the contact, choose the files, confirm, agree to the 承诺书 and send —
every step reached with Tab and done with Enter, Space or typing, never a mouse click. A file is
chosen through the browser's own file dialog, which the test answers as a person would."""

import datetime

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def tab_to(page, predicate: str, *, limit: int = 120) -> None:
    """Press Tab until the focused element matches ``predicate`` (a JS expression on ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()"
        ):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_an_enterprise_applies_with_the_keyboard_only(
    browser, live_server, transactional_db, tmp_path
):
    from django.core.management import call_command

    from applications.models import Application
    from demo import accounts as demo_accounts
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
    pdf = tmp_path / "证明材料.pdf"
    pdf.write_bytes(PDF)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})

    page.goto(f"{base}/accounts/login/")
    tab_to(page, "el.name === 'username'")
    page.keyboard.type("qiye")
    page.keyboard.press("Tab")
    page.keyboard.type("Qiye-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url

    page.goto(f"{base}/policies/ts2019-hitech-new/")
    tab_to(page, "el.dataset.testid === 'apply'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/edit/" in page.url, page.url

    tab_to(page, "el.name === 'case-contact_name'")
    page.keyboard.type("王经理")
    tab_to(page, "el.name === 'case-contact_phone'")
    page.keyboard.type("0315 2345678")
    for _ in range(page.locator("input[type=file]").count()):
        tab_to(page, "el.type === 'file' && !el.files.length")
        with page.expect_file_chooser() as chooser:
            page.keyboard.press("Space")
        chooser.value.set_files(str(pdf))
    tab_to(page, "el.dataset.testid === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_test_id("confirmation").wait_for()

    tab_to(page, "el.dataset.testid === 'declare'")
    page.keyboard.press("Space")
    assert page.get_by_test_id("declare").is_checked()
    tab_to(page, "el.dataset.testid === 'send'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_test_id("state").inner_text() == "已提交"
    assert Application.objects.get(enterprise=qiye.enterprise).state == "submitted"
    # The focus is visible where it lands (a keyboard user must see it).
    tab_to(page, "el.tagName === 'A'")
    outline = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle + "
        "getComputedStyle(document.activeElement).boxShadow"
    )
    assert outline.replace("none", "").strip(), outline
    page.screenshot(path=str(SCREENSHOTS / "keyboard-journey-submitted.png"), full_page=True)
    page.close()
