"""The demo 常见问题: published through the services, once."""

from demo.consultations import FAQ, demo_questions_load


def test_demo_faq_is_published_once(client, demo_accounts):
    reviewer = demo_accounts["shenhe"]["user"]
    assert demo_questions_load(reviewer=reviewer) == len(FAQ)
    assert demo_questions_load(reviewer=reviewer) == 0
    page = client.get("/policies/ts2019-hitech-new/").content.decode()
    assert page.count('data-testid="faq-entry"') == len(FAQ)
    assert "演示访客" not in page
