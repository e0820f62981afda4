"""The read-only JSON API of the catalogue and its OpenAPI schema."""

import pytest

pytestmark = pytest.mark.django_db


def test_items_search_and_detail(client):
    listing = client.get("/api/v1/items/", {"q": "孵化器"}).json()
    assert listing["count"] > 0
    assert all("孵化器" in (i["name"] + i["summary"]) or i["measure"] for i in listing["results"])
    item = client.get("/api/v1/items/ts2019-hitech-new/").json()
    assert item["award"] == "20万元"
    assert item["document"]["doc_number"] == "唐发〔2019〕15号"
    assert [b["name"] for b in item["lead_bureaus"]] == ["市科学技术局"]
    assert item["rules"][0]["params"] == {"kind": "fixed", "amount": 200000}


def test_items_filter_by_state(client):
    drafts = client.get("/api/v1/items/", {"state": "not_in_force", "limit": 500}).json()
    keys = {i["key"] for i in drafts["results"]}
    assert "lf2023-jbgs-city-tech" in keys
    assert all(i["state"] == "not_in_force" for i in drafts["results"])


def test_documents_and_bureaus(client):
    document = client.get("/api/v1/documents/langfang-2023-draft/").json()
    assert document["status"] == "draft_for_comment"
    assert len(document["measures"]) == 37
    bureaus = client.get("/api/v1/bureaus/", {"limit": 500}).json()["results"]
    tangshan = next(b for b in bureaus if b["city"] == "唐山市" and b["name"] == "市科学技术局")
    assert "市科技局" in tangshan["aliases"]


def test_unknown_item_is_a_json_404(client):
    response = client.get("/api/v1/items/nope/")
    assert response.status_code == 404
    assert response.json()


def test_the_api_is_read_only(client):
    assert client.post("/api/v1/items/", {}).status_code == 405


def test_openapi_schema_documents_every_endpoint(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    if schema is None:
        import yaml

        schema = yaml.safe_load(response.content)
    for path in (
        "/api/v1/items/",
        "/api/v1/items/{key}/",
        "/api/v1/documents/",
        "/api/v1/bureaus/",
    ):
        assert path in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/v1/items/"]["get"]["parameters"]}
    assert {"q", "city", "state", "funding_level"} <= parameters


def test_api_docs_load_nothing_from_a_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger" in page.lower()
    assert "cdn" not in page.lower()
    assert "https://" not in page
