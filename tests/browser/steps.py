"""Steps every browser journey takes: logging in as someone, keeping a screenshot."""

from tests.browser.conftest import SCREENSHOTS


def login(page, base, username, password):
    """Log in on the login page as a person does (the cookies of whoever was in are cleared)."""
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.locator("[name=username]").fill(username)
    page.locator("[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, page.content()[:500]


def screenshot(page, name, *, prefix):
    """The whole page as var/screenshots/<prefix>-<name>.png, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{prefix}-{name}.png"), full_page=True)
