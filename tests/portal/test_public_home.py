"""The public home says what to do (issue 15): a search box, what is open for application now,
what enterprises claim most, the documents, how to apply, and who runs the portal with its
consultation line — real documents only, never the 示例 templates."""

import datetime

from django.urls import reverse

from incentives.models import IncentiveItem


def test_the_home_offers_search_open_items_documents_and_the_guide(client, db, settings):
    settings.PORTAL_HOST = "唐山市科学技术局"
    settings.PORTAL_HELPLINE = "0315-2801234"
    today = datetime.date.today()
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    IncentiveItem.objects.filter(pk=item.pk).update(
        window_opens=today - datetime.timedelta(days=3),
        window_closes=today + datetime.timedelta(days=20),
    )
    page = client.get(reverse("portal:home")).content.decode()
    search = page.split('action="/policies/" method="get" role="search"', 1)[1].split("</form>")[0]
    assert 'name="q"' in search
    open_now = page.split('data-testid="home-open"', 1)[1].split("</section>", 1)[0]
    assert "新认定高新技术企业奖励" in open_now and "20万元" in open_now
    documents = page.split('data-testid="home-documents"', 1)[1].split("</section>", 1)[0]
    assert "唐山" in documents and "示例" not in documents
    guide = page.split('data-testid="home-guide"', 1)[1].split("</section>", 1)[0]
    assert "办事指南" in guide and "营业执照" in guide and "工作日" in guide
    assert "唐山市科学技术局" in guide.split('data-testid="home-bureaus"', 1)[1]
    footer = page.split('data-testid="site-footer"', 1)[1]
    assert "主办单位" in footer and "唐山市科学技术局" in footer and "0315-2801234" in footer


def test_without_settings_the_footer_invents_no_contact(client, db, settings):
    settings.PORTAL_HOST = ""
    settings.PORTAL_HELPLINE = ""
    footer = (
        client.get(reverse("portal:home")).content.decode().split('data-testid="site-footer"')[1]
    )
    assert "主办单位" not in footer and "tel:" not in footer
