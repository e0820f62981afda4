"""The leadership dashboard in Chromium, with the demo's cases and figures: the leadership viewer
computes this year's figures (progress shown), reads the charts (drawn by the vendored Chart.js
under the content security policy: no console error), and prints the monthly report (the print
stylesheet hides the navigation; a PDF is written next to the screenshots)."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from applications.models import Application, State
from demo import dashboard as demo_dashboard
from incentives.models import IncentiveItem
from organisations.models import Bureau, Region
from tests import factories
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


def _login(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.locator("main input[name=username]").fill(username)
    page.locator("main input[name=password]").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url


def _cases(recorder):
    tangshan = Region.objects.get(name="唐山市", level=Region.Level.CITY)
    district = Region.objects.get(name="路北区", parent=tangshan)
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    bureau = Bureau.objects.get(city=tangshan, name="市科学技术局")
    today = timezone.localdate()
    for n in range(6):
        firm = factories.enterprise(city=tangshan, district=district, name=f"看板浏览器企业{n}")
        submitted = today - datetime.timedelta(days=10 + 7 * n)
        paid = n % 2 == 0
        case = Application.objects.create(
            reference=f"B{n:08d}",
            enterprise=firm,
            item=item,
            period=str(today.year),
            state=State.DISBURSED if paid else State.ACCEPTED,
            created_by=recorder,
            submitted_at=timezone.make_aware(
                datetime.datetime.combine(submitted, datetime.time(9))
            ),
            decided_at=timezone.now() if paid else None,
            paid_on=today if paid else None,
            approved_amount=200_000 if paid else None,
            deadline=today + datetime.timedelta(days=30),
        )
        case.lead_bureaus.set([bureau])


def test_the_leadership_computes_reads_and_prints_the_dashboard(
    browser, live_server, transactional_db, demo_accounts
):
    call_command("load_catalogue", verbosity=0)  # transactional tests start from an empty database
    admin = demo_accounts["guanli"]["user"]
    _cases(admin)
    demo_dashboard.demo_figures_load(recorder=admin)

    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    _login(page, live_server.url, "lingdao", demo_accounts["lingdao"]["password"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # No figures yet: compute them; the progress page follows the task to the end.
    page.goto(f"{live_server.url}/leadership/performance/")
    page.get_by_test_id("snapshot-state").locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    progress = page.get_by_test_id("progress")
    assert "100%" in progress.inner_text()
    progress.locator("a").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("total-received").inner_text().strip() == "6"
    page.wait_for_selector("canvas[data-chart='cases-chart'][data-drawn]")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-performance.png"), full_page=True)

    page.goto(f"{live_server.url}/leadership/money/")
    assert page.get_by_test_id("total-paid").inner_text().strip() == "60万元"  # 3 × 20万元
    page.wait_for_selector("canvas[data-chart='money-month-chart'][data-drawn]")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-money.png"), full_page=True)

    page.goto(f"{live_server.url}/leadership/targets/")
    table = page.get_by_test_id("targets-table").inner_text()
    assert "技术合同成交额" in table and "208亿元" in table  # 200亿元 × 104%, entered (demo)
    page.wait_for_selector("canvas[data-chart='targets-chart'][data-drawn]")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-targets.png"), full_page=True)

    page.goto(f"{live_server.url}/leadership/index/")
    rows = page.get_by_test_id("index-table").locator("tbody tr")
    assert rows.count() == Region.objects.filter(parent__name="唐山市").count()
    page.wait_for_selector("canvas[data-chart='index-chart'][data-drawn]")
    rows.first.locator("a").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("breakdown").locator("tbody tr").count() == 17
    page.screenshot(path=str(SCREENSHOTS / "dashboard-index-district.png"), full_page=True)

    page.goto(f"{live_server.url}/leadership/report/")
    assert page.get_by_test_id("report").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("[data-print]").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "dashboard-report-print.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    (SCREENSHOTS / "dashboard-report.pdf").write_bytes(pdf)
    assert errors == []
    page.close()
