"""axe-core over every page of every role (issue 15): the serious and critical violations are
counted, printed, and must be none. axe-core is vendored under tests/browser/vendor/."""

from collections import Counter
from pathlib import Path

import pytest

from tests.browser.test_layout import every_page

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                where: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def test_no_serious_or_critical_accessibility_violations(browser, live_server, transactional_db):
    from django.core.management import call_command

    call_command("load_catalogue", verbosity=0)
    call_command("load_demo", "--allow-without-debug", verbosity=0)
    base = live_server.url
    # The portal's CSP allows no injected script; the test browser alone may bypass it.
    page = browser.new_page(
        locale="zh-CN", viewport={"width": 1366, "height": 900}, bypass_csp=True
    )
    found: list[str] = []
    kinds: Counter = Counter()
    checked = 0
    for user, url in every_page(page, base):
        page.add_script_tag(path=str(AXE))
        checked += 1
        for violation in page.evaluate(RUN):
            kinds[violation["id"]] += violation["nodes"]
            found.append(f"{user} {url}: {violation}")
    page.close()
    print(f"axe-core: {checked} pages, {len(found)} serious/critical violations {dict(kinds)}")
    assert found == [], "\n".join(found)
