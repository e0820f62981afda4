"""The public catalogue, for visitors without an account: filters, search in Chinese, the item
page as an application guide, document and bureau pages, each in a bounded number of queries."""

import re

import pytest
from django.urls import reverse

from incentives.models import IncentiveItem, PolicyDocument
from organisations.models import Bureau, Region

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [item.name for item in response.context["items"]]


def keys(response) -> set[str]:
    return {item.key for item in response.context["paginator"].object_list}


def test_a_visitor_finds_the_hitech_award_in_tangshan(client):
    tangshan = Region.objects.get(name="唐山市")
    response = client.get(
        reverse("incentives:catalogue"), {"q": "高新技术企业", "city": tangshan.pk}
    )
    assert response.status_code == 200
    assert "ts2019-hitech-new" in keys(response)
    assert all(
        item.measure.document.region in (tangshan, tangshan.parent)
        for item in response.context["paginator"].object_list
    )
    page = response.content.decode()
    assert "新认定高新技术企业奖励" in page and "20万元" in page and "市科学技术局" in page


@pytest.mark.parametrize("word", ["科技型中小企业", "孵化器", "专利"])
def test_search_finds_a_word_inside_names_and_summaries(client, word):
    response = client.get(reverse("incentives:catalogue"), {"q": word})
    found = response.context["paginator"].object_list
    assert found
    for item in found:
        haystack = " ".join(
            [item.name, item.summary, item.quote, item.measure.title, item.measure.document.title]
        )
        assert word in haystack


def test_filters_by_support_kind_beneficiary_and_funding(client):
    tax = client.get(reverse("incentives:catalogue"), {"support_kind": "tax"})
    assert tax.context["paginator"].count > 0
    assert {i.support_kind for i in tax.context["paginator"].object_list} == {"tax"}
    provincial = client.get(reverse("incentives:catalogue"), {"funding_level": "provincial"})
    assert "jq-hitech-new" in keys(provincial)
    assert {i.funding_level for i in provincial.context["paginator"].object_list} == {"provincial"}
    platforms = client.get(reverse("incentives:catalogue"), {"beneficiary": "platform"})
    assert {i.beneficiary for i in platforms.context["paginator"].object_list} == {"platform"}


def test_filter_by_state_separates_drafts_and_expired_items(client):
    not_in_force = keys(client.get(reverse("incentives:catalogue"), {"state": "not_in_force"}))
    assert "lf2023-jbgs-city-tech" in not_in_force  # 廊坊's draft for comment
    assert "ts2019-incubator-vat" in not_in_force  # expired 2021-12-31
    open_now = keys(client.get(reverse("incentives:catalogue"), {"state": "open"}))
    assert "ts2019-hitech-new" in open_now
    assert not open_now & not_in_force


def test_filter_by_lead_bureau(client):
    bureau = Bureau.objects.get(city__name="廊坊市", name="市市场监督管理局")
    response = client.get(reverse("incentives:catalogue"), {"bureau": bureau.pk})
    assert "lf2023-patent-transfer" in keys(response)
    assert "ts2019-hitech-new" not in keys(response)


@pytest.mark.parametrize(
    "params",
    [{"city": "abc"}, {"state": "bogus"}, {"bureau": "999999"}, {"q": "x" * 500}, {"page": "99"}],
)
def test_bad_filter_values_never_break_the_page(client, params):
    response = client.get(reverse("incentives:catalogue"), params)
    assert response.status_code in (200, 404)


def test_catalogue_list_queries_do_not_grow_with_the_page(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get(reverse("incentives:catalogue"))
    assert len(response.context["items"]) == 20


def test_item_page_is_an_application_guide(client, django_assert_max_num_queries):
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    # The lead bureau's real contact (the seed's placeholder is never shown).
    Bureau.objects.filter(city__name="唐山市", name="市科学技术局").update(
        email="kjj@tangshan.gov.cn"
    )
    with django_assert_max_num_queries(10):
        response = client.get(reverse("incentives:item", args=[item.key]))
    page = response.content.decode()
    for text in (
        "申兑指南",
        "新认定高新技术企业奖励",
        "20万元",
        "唐发〔2019〕15号",
        item.clause,
        "市科学技术局",
        "kjj@tangshan.gov.cn",  # the lead bureau's contact
        "市工业和信息化局",
        "高新技术企业证书" if "高新技术企业证书" in item.materials else item.materials[0],
        "兑现时限",
        "申报期",
    ):
        assert text in page, text


def test_a_draft_item_says_it_is_not_in_force(client):
    response = client.get(reverse("incentives:item", args=["lf2023-jbgs-city-tech"]))
    page = response.content.decode()
    assert "征求意见稿" in page
    assert "30%" in page and "200万元" in page


def test_unknown_item_is_a_404_in_chinese(client):
    response = client.get(reverse("incentives:item", args=["no-such-item"]))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_document_page_lists_measures_items_and_the_annex(client, django_assert_max_num_queries):
    document = PolicyDocument.objects.get(key="tangshan-2019-15")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("incentives:document", args=[document.key]))
    page = response.content.decode()
    assert "唐发〔2019〕15号" in page
    annex = page.split('data-testid="annex"', 1)[1]
    assert annex.count("<tr>") == document.measures.count() + 1
    assert "市科学技术局" in annex and "市工业和信息化局" in annex


def test_bureau_page_lists_the_items_it_leads(client, django_assert_max_num_queries):
    bureau = Bureau.objects.get(city__name="唐山市", name="市科学技术局")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("incentives:bureau", args=[bureau.pk]))
    page = response.content.decode()
    assert "新认定高新技术企业奖励" in page
    assert "市科技局" in page  # the alias is shown
    other_city = Bureau.objects.get(city__name="酒泉市", name="市科技局")
    assert "jq-hitech-new" not in re.findall(r"/policies/([\w-]+)/", page)
    assert other_city.pk != bureau.pk


def test_documents_list(client):
    response = client.get(reverse("incentives:documents"))
    assert response.status_code == 200
    assert response.content.decode().count("/documents/") >= PolicyDocument.objects.count()


def test_a_visitor_sees_how_to_apply_the_steps_and_plain_words(client):
    page = client.get(reverse("incentives:item", args=["ts2019-hitech-new"])).content.decode()
    assert 'data-testid="login-to-apply"' in page and "登录后在线申报" in page
    steps = page.split('data-testid="procedure"', 1)[1].split("</section>", 1)[0]
    assert "受理" in steps and "公示" in steps and "兑现" in steps
    assert "测算日" not in page, "no jargon: the condition reads 在近365天内"
    assert "在近365天内" in page
    assert "data-print" in page
    assert "全年受理" in page, "no window stated: open all year, not 文件未规定 beside 申报中"


def test_the_document_list_shows_example_documents_only_when_asked(client):
    page = client.get(reverse("incentives:documents")).content.decode()
    assert "唐山市深化科技创新" in page and "示例市" not in page
    assert "示例" in client.get(reverse("incentives:documents"), {"examples": "1"}).content.decode()


def test_an_item_whose_annex_names_no_lead_says_who_receives_it(client):
    item = IncentiveItem.objects.filter(measure__document__region__name="鹤壁市").first()
    page = client.get(reverse("incentives:catalogue"), {"q": item.name}).content.decode()
    assert "牵头：—" not in page and "受理：" in page
    detail = client.get(reverse("incentives:item", args=[item.key])).content.decode()
    assert 'data-testid="receiver"' in detail and "第一责任单位" in detail
