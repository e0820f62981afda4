"""/healthz answers JSON with the state of the database and, where configured, the broker."""

import pytest

from portal.celery import app as celery_app


def test_healthz_reports_the_database_and_eager_tasks(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"configured": False, "ok": True, "mode": "eager"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_says_503_when_the_broker_is_unreachable(client, db, settings, monkeypatch):
    # A port nothing listens on: the check must fail fast and say so.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.HEALTHZ_BROKER_TIMEOUT = 0.5
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["configured"] is True
    assert body["broker"]["ok"] is False


@pytest.mark.redis
def test_healthz_reports_a_live_redis_broker(client, db, settings, monkeypatch, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", redis_url)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == {"configured": True, "ok": True}


@pytest.mark.postgres
def test_healthz_names_postgresql_when_it_is_the_database(client, db):
    assert client.get("/healthz").json()["database"] == {"ok": True, "vendor": "postgresql"}


def test_unknown_api_paths_answer_json_and_pages_the_chinese_404(client, db):
    response = client.get("/api/v1/facts/.tar/")
    assert response.status_code == 404 and response.json()["detail"]
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and "页面不存在" in page.content.decode()
