"""Search that ranks (issue 15, part 2): the right policy first for a visitor's words, example
documents out of the public list unless asked for, the lead bureaus of the chosen city only,
and the item's name as the card's link."""

import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incentives import selectors
from incentives.models import IncentiveItem
from organisations.models import Bureau, Region
from portal import clock

pytestmark = pytest.mark.django_db
CATALOGUE = "/policies/"


def found(client, **params) -> list[IncentiveItem]:
    response = client.get(CATALOGUE, params)
    assert response.status_code == 200
    return list(response.context["items"])


def search(**filters) -> list[IncentiveItem]:
    return list(
        selectors.items_search(filters=selectors.CatalogueFilters(**filters), on=clock.today())
    )


def where(item: IncentiveItem, word: str) -> str:
    """The best place ``word`` appears in, as the ranking reads it."""
    if word in item.name:
        return "name"
    if word in item.summary or word in item.quote:
        return "text"
    if item.relevance == selectors.FUZZY_NAME_WEIGHT:  # PostgreSQL: a name close to the word
        return "fuzzy"
    if word in item.measure.title:
        return "measure"
    if word in item.measure.document.title:
        return "document"
    raise AssertionError(f"{word} not in {item.key}")


@pytest.mark.parametrize("city", [None, "唐山市"])
def test_the_hitech_award_comes_first_for_its_words(client, city):
    params = {"q": "高新技术企业"}
    if city:
        params["city"] = Region.objects.get(name=city).pk
    items = found(client, **params)
    assert items[0].key == "ts2019-hitech-new"
    assert not any(item.measure.document.is_example for item in items)


@pytest.mark.parametrize("word", ["科技创新", "技术转移", "孵化"])
def test_a_word_in_the_name_ranks_above_the_same_word_elsewhere(word):
    places = [where(item, word) for item in search(q=word)]
    order = ["name", "text", "fuzzy", "measure", "document"]
    ranks = [order.index(place) for place in places]
    assert ranks == sorted(ranks), places
    assert "name" in places


def test_a_word_only_in_the_document_title_still_finds_the_item_but_last():
    items = search(q="高质量发展")
    assert items, "唐山's documents are titled …高质量发展…"
    assert {where(item, "高质量发展") for item in items[-3:]} == {"document"}


WORDS = ["高新技术企业", "孵化", "专利", "奖励", "技术转移", "人才", "复审", "平台", "科技创新"]


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3, unique=True))
def test_any_words_are_all_found_and_ranked_by_where(words):
    items = search(q=" ".join(words))
    relevance = [item.relevance for item in items]
    assert relevance == sorted(relevance, reverse=True)
    for item in items:
        text = " ".join(
            [item.name, item.summary, item.quote, item.measure.title, item.measure.document.title]
        )
        # PostgreSQL may also find a word by a name within trigram reach of it; where no item
        # holds the words, those holding most of their characters are found.
        found_as_typed = not (selectors.search_is_fuzzy() or item.search_loose)
        assert not found_as_typed or all(word in text for word in words)
        best = sum(selectors.SEARCH_WEIGHTS["name"] for word in words if word in item.name)
        assert item.relevance >= best


def test_chinese_typed_without_spaces_finds_the_items_holding_most_of_it(client):
    exact = search(q="高新技术企业")
    assert not any(item.search_loose for item in exact)
    response = client.get(CATALOGUE, {"q": "高新企业奖励"})  # no item holds it as it is
    items = list(response.context["items"])
    assert items[0].key == "ts2019-hitech-new"
    assert all(item.search_loose for item in items)
    assert 'data-testid="search-loose"' in response.content.decode()
    assert not search(q="量子引力弦论")  # nothing holds most of it: still nothing


def test_money_and_open_items_come_first_among_equals():
    items = search(q="高新技术企业", city=Region.objects.get(name="唐山市"))
    named = [item for item in items if "高新技术企业" in item.name]
    flags = [(item.support_kind == "money", item.is_open) for item in named]
    assert flags == sorted(flags, reverse=True)
    assert flags[0] == (True, 1)


def test_every_word_of_a_query_must_be_found():
    items = search(q="高新技术企业 复审")
    assert items
    assert items[0].key in ("ts2019-hitech-renewal", "jq-hitech-renewal")
    for item in items:
        text = " ".join([item.name, item.summary, item.quote, item.measure.title])
        text += item.measure.document.title
        assert "复审" in text


def test_without_words_real_documents_then_money_come_first(client):
    items = found(client)
    assert not any(item.measure.document.is_example for item in items)
    assert items[0].support_kind == "money"
    with_examples = search(examples=True)
    examples = [item.measure.document.is_example for item in with_examples]
    assert any(examples) and examples == sorted(examples)  # every real item before any example
    real = [item for item in with_examples if not item.measure.document.is_example]
    money = [item.support_kind == "money" for item in real]
    assert money == sorted(money, reverse=True)


def test_example_documents_only_when_asked_for(client):
    hidden = {item.key for item in search(q="高新技术企业")}
    assert "ex003a-hitech-priorities" not in hidden
    asked = found(client, q="高新技术企业", examples="1")
    assert "ex003a-hitech-priorities" in {item.key for item in asked}
    assert asked[0].key == "ts2019-hitech-new"  # a real item still leads
    page = client.get(CATALOGUE).content.decode()
    assert "示例市" not in page  # neither on the cards nor in the city filter
    assert "示例市" in client.get(CATALOGUE, {"examples": "1"}).content.decode()
    # The example's own page stays reachable by its address.
    assert (
        client.get(reverse("incentives:item", args=["ex003a-hitech-priorities"])).status_code == 200
    )


def test_the_lead_bureaus_offered_are_those_of_the_chosen_city(client):
    tangshan = Region.objects.get(name="唐山市")
    every = client.get(CATALOGUE).context["form"].fields["bureau"].queryset
    chosen = client.get(CATALOGUE, {"city": tangshan.pk}).context["form"].fields["bureau"]
    assert {bureau.city_id for bureau in chosen.queryset} == {tangshan.pk}
    assert 0 < chosen.queryset.count() < every.count()
    page = client.get(CATALOGUE, {"city": tangshan.pk}).content.decode()
    bureau_select = page.split('id="bureau-filter"', 1)[1].split("</select>", 1)[0]
    assert "廊坊" not in bureau_select and "唐山市科学技术局" in bureau_select


def test_choosing_a_city_reloads_the_bureau_select_in_place(client):
    page = client.get(CATALOGUE).content.decode()
    city_select = page.split('name="city"', 1)[1].split(">", 1)[0]
    assert (
        'hx-select="#bureau-filter"' in city_select and 'hx-include="closest form"' in city_select
    )
    langfang = Region.objects.get(name="廊坊市")
    partial = client.get(CATALOGUE, {"city": langfang.pk}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    bureau_select = partial.content.decode().split('id="bureau-filter"', 1)[1]
    assert "廊坊市市场监督管理局" in bureau_select.split("</select>", 1)[0]


def test_a_bureau_of_another_city_is_ignored(client):
    tangshan = Region.objects.get(name="唐山市")
    langfang_bureau = Bureau.objects.get(city__name="廊坊市", name="市市场监督管理局")
    response = client.get(CATALOGUE, {"city": tangshan.pk, "bureau": langfang_bureau.pk})
    assert response.status_code == 200
    city_only = client.get(CATALOGUE, {"city": tangshan.pk})
    assert response.context["paginator"].count == city_only.context["paginator"].count > 0
    # The same bureau in its own city filters.
    langfang = client.get(
        CATALOGUE, {"city": langfang_bureau.city_id, "bureau": langfang_bureau.pk}
    )
    assert "lf2023-patent-transfer" in {i.key for i in langfang.context["paginator"].object_list}


def test_the_card_links_the_items_name_and_shows_the_amount(client):
    page = client.get(CATALOGUE, {"q": "新认定高新技术企业奖励"}).content.decode()
    card = page.split('data-testid="catalogue-item"', 1)[1].split("</li>", 1)[0]
    heading = re.search(r"<h2[^>]*>(.*?)</h2>", card, re.S).group(1)
    assert re.fullmatch(
        r'<a href="/policies/ts2019-hitech-new/">新认定高新技术企业奖励</a>', heading.strip()
    )
    assert card.count("<a ") == 1  # the summary is text, not another link
    assert "20万元" in card
    assert "首次通过认定的高新技术企业" in card  # the summary below the name


@pytest.mark.parametrize(
    "params",
    [
        {"city": "abc"},
        {"bureau": "abc"},
        {"bureau": "999999"},
        {"city": "999999", "bureau": "1"},
        {"examples": "maybe"},
        {"q": "%_'\"\\"},
        {"q": "   "},
        {"q": "高 新 技 术 企 业 奖 励 复 审 培 育"},
        {"q": "x" * 500},
        {"state": "bogus", "support_kind": "x"},
    ],
)
def test_bad_filter_input_gives_the_page(client, params):
    response = client.get(CATALOGUE, params)
    assert response.status_code == 200


def test_a_filtered_search_issues_a_bounded_number_of_queries(
    client, django_assert_max_num_queries
):
    tangshan = Region.objects.get(name="唐山市")
    bureau = Bureau.objects.get(city=tangshan, name="市科学技术局")
    params = {"q": "企业 奖励", "city": tangshan.pk, "bureau": bureau.pk, "examples": "1"}
    with django_assert_max_num_queries(14):
        response = client.get(CATALOGUE, params)
    assert response.context["paginator"].count > 0


@pytest.mark.postgres
def test_on_postgresql_a_name_close_to_the_word_is_found_by_trigrams():
    items = search(q="技术转移")
    close = [item for item in items if item.name == "技术转让所得减免企业所得税"]
    assert close and close[0].relevance == selectors.FUZZY_NAME_WEIGHT
    assert items[0].relevance > close[0].relevance
