"""Every role's pages fit the screen (issue 15): no horizontal scrolling at 1366 px on a desktop,
nor at 390 px on a phone, where a table's rows read as cards. Screenshots of each page are kept
in var/screenshots/ (layout-<width>-<user>-<page>.png) for a person to look at."""

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.steps import login

pytestmark = pytest.mark.browser

PAGES = {
    None: ["/", "/policies/", "/policies/ts2019-hitech-new/", "/documents/",
           "/documents/tangshan-2019-15/", "/calculator/", "/publicity/", "/register/",
           "/accounts/login/", "/claim/", "/policies/ts2019-hitech-new/ask/"],
    "qiye": ["/enterprise/", "/enterprise/profile/", "/enterprise/policies/", "/applications/",
             "/inbox/", "/enterprise/verification/"],
    "xinqiye": ["/enterprise/", "/enterprise/verification/"],
    "kezhang": ["/bureau/", "/bureau/cases/", "/bureau/verifications/", "/bureau/lists/",
                "/bureau/lists/upload/", "/bureau/ratings/", "/bureau/ratings/rectify/",
                "/bureau/questions/", "/bureau/contacts/"],
    "guanli": ["/manage/", "/manage/recompute/"],
    "lingdao": ["/leadership/", "/dashboard/", "/leadership/satisfaction/"],
}  # fmt: skip


def every_page(page, base):
    """Open each page of ``PAGES`` as its user (logged in once per user); yields (user, url)."""
    for user, urls in PAGES.items():
        if user:
            login(page, base, user, f"{user.capitalize()}-demo-2026")
        else:
            page.context.clear_cookies()
        for url in urls:
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
            yield user or "visitor", url


def test_every_roles_pages_fit_a_desktop_and_a_phone(browser, live_server, transactional_db):
    from django.core.management import call_command

    call_command("load_catalogue", verbosity=0)
    call_command("load_demo", "--allow-without-debug", verbosity=0)
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for width, height in ((1366, 900), (390, 844)):
        page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": height})
        for user, url in every_page(page, base):
            scroll = page.evaluate("document.documentElement.scrollWidth")
            name = url.strip("/").replace("/", "_") or "home"
            page.screenshot(
                path=str(SCREENSHOTS / f"layout-{width}-{user}-{name}.png"), full_page=True
            )
            if scroll > width:
                too_wide.append(f"{width}px {user} {url}: {scroll}px wide")
        page.close()
    assert too_wide == []
