"""The public catalogue pages are rendered once per catalogue version, day, language and query:
a second visit costs one query, an edit to the catalogue shows at once, and an enterprise user
still gets the page with their own "apply" button."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from incentives import caching
from incentives.models import IncentiveItem
from tests import factories

pytestmark = pytest.mark.django_db
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def real_cache():
    with override_settings(CACHES=LOCMEM):
        cache.clear()
        yield
        cache.clear()


def main(html):
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def visit(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.mark.parametrize(
    "url", ["/policies/", "/policies/?q=高新技术企业&page=1", "/policies/ts2019-hitech-new/"]
)
def test_a_second_visit_is_served_from_the_cache(client, url):
    first, cold = visit(client, url)
    second, warm = visit(client, url)
    assert main(second) == main(first)  # the header's CSRF token is masked anew each time
    assert warm < cold and warm <= 2  # the version, and the session's nothing


def test_an_edit_to_the_catalogue_shows_at_once(client):
    visit(client, "/policies/")  # cached before the edit
    version = caching.current_version()
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    item.name = "新认定高新技术企业奖励（已修订）"
    item.save()
    assert caching.current_version() != version
    after, _ = visit(client, "/policies/?q=已修订")
    assert "已修订" in after
    page, _ = visit(client, "/policies/ts2019-hitech-new/")
    assert "新认定高新技术企业奖励（已修订）" in page


def test_languages_and_queries_are_cached_apart(client):
    chinese, _ = visit(client, "/policies/")
    client.cookies["django_language"] = "en"
    english, _ = visit(client, "/policies/")
    assert chinese != english
    assert "Policy catalogue" in english
    other, _ = visit(client, "/policies/?support_kind=tax")
    assert other != english


def test_an_enterprise_user_gets_their_own_apply_button(client, make_user):
    visit(client, "/policies/ts2019-hitech-new/")  # cached for the public
    user = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    factories.qualification(
        user.enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=datetime.date.today() - datetime.timedelta(days=10),
    )
    client.force_login(user)
    page, _ = visit(client, "/policies/ts2019-hitech-new/")
    assert 'action="/applications/new/ts2019-hitech-new/"' in main(page)
    client.logout()
    public, _ = visit(client, "/policies/ts2019-hitech-new/")
    assert 'name="csrfmiddlewaretoken"' not in main(public)


def test_the_calculator_sees_a_rule_change_at_once(client):
    from incentives.models import AwardRule

    body = {"city": "唐山市", "facts": {"hitech_certification_kind": "new", "hitech_valid": True}}

    def award():
        response = client.post("/api/v1/calculator/", body, content_type="application/json")
        return next(r for r in response.json() if r["item"] == "ts2019-hitech-new")["estimate"]

    assert award()["amount"] == "200000"
    rule = AwardRule.objects.filter(item__key="ts2019-hitech-new").first()
    rule.params = {**rule.params, "amount": 250000}
    rule.save()
    assert award()["amount"] == "250000"
