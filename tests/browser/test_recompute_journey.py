"""A catalogue admin starts a full recompute and follows it (issue 17): the job is split into
chunks of enterprises, the progress page says how many finished, which worker ran them and how
long it took — in Chinese, on a desktop and on a phone."""

import pytest

from incentives.models import RecomputeChunk, RecomputeJob
from tests.browser.steps import login, screenshot

pytestmark = pytest.mark.browser


def test_an_admin_starts_a_recompute_and_sees_its_chunks(browser, live_server, transactional_db):
    from django.core.management import call_command

    call_command("load_catalogue", verbosity=0)
    call_command("load_demo", "--allow-without-debug", verbosity=0)  # one recompute already
    base = live_server.url
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    login(page, base, "guanli", "Guanli-demo-2026")
    page.goto(f"{base}/manage/recompute/")
    before = RecomputeJob.objects.count()
    page.get_by_role("button", name="立即重新匹配全部企业").click()
    page.wait_for_load_state("networkidle")
    job = RecomputeJob.objects.order_by("-pk").first()
    assert RecomputeJob.objects.count() == before + 1 and job.started_by.username == "guanli"
    assert page.url.endswith(f"/manage/recompute/{job.pk}/")
    # Tasks run in the request here (no broker): the job is done when the page shows.
    progress = page.get_by_test_id("progress")
    chunks = RecomputeChunk.objects.filter(job=job).count()
    assert chunks > 1
    text = progress.inner_text()
    assert "100%" in text and "已完成" in text
    assert f"共 {chunks} 段，已完成 {chunks} 段" in text
    assert "执行进程" in text and "已匹配企业" in text and "用时" in text
    screenshot(page, "progress-1366", prefix="recompute")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "progress-390", prefix="recompute")
    # The list of runs links each one, the nightly's (started by nobody) among them.
    page.goto(f"{base}/manage/recompute/")
    assert page.locator(f"a[href='/manage/recompute/{job.pk}/']").count() == 1
    page.close()
