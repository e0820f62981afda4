"""Issue 12 §6.3: a request body larger than the portal accepts is refused from its
Content-Length, with 413 and a message, before anything reads it; normal uploads still work."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from applications.models import EnterpriseFile
from applications.views import EditView
from portal.middleware import RequestSizeLimitMiddleware
from tests.applications import conftest as cases
from tests.applications.test_views import material_post, start

pytestmark = pytest.mark.django_db
qualified = cases.qualified
MB = 1024 * 1024


class ExplodingBody:
    """A wsgi.input that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_the_middleware_refuses_a_300_mb_body_before_the_view_or_the_body_is_touched(settings):
    view = mock.Mock(return_value=HttpResponse("ok"))
    request = RequestFactory().post(
        "/cases/X/edit/",
        content_type="multipart/form-data; boundary=x",
        data=b"",
        CONTENT_LENGTH=str(300 * MB),
    )
    request.environ["wsgi.input"] = request._stream = ExplodingBody()
    response = RequestSizeLimitMiddleware(view)(request)
    assert response.status_code == 413
    view.assert_not_called()
    assert "请求内容过大" in response.content.decode()


def test_a_large_form_without_files_is_refused_past_the_form_limit(settings):
    view = mock.Mock(return_value=HttpResponse("ok"))
    request = RequestFactory().post(
        "/accounts/login/",
        data="a=b",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
    )
    assert RequestSizeLimitMiddleware(view)(request).status_code == 413
    view.assert_not_called()


def test_the_api_gets_its_refusal_as_json(client):
    response = client.post(
        "/api/v1/calculator/",
        data="{}",
        content_type="application/json",
        CONTENT_LENGTH=str(300 * MB),
    )
    assert response.status_code == 413
    assert "请求内容过大" in response.json()["detail"]


def test_a_300_mb_post_to_an_edit_page_gets_413_and_the_view_is_not_called(client, qualified):
    application = start(client, qualified, "ts2019-hitech-new")
    with mock.patch.object(EditView, "post") as post:
        response = client.post(
            reverse("applications:edit", args=[application.reference]),
            material_post(application),
            CONTENT_LENGTH=str(300 * MB),
        )
    assert response.status_code == 413
    post.assert_not_called()
    assert "请求内容过大" in response.content.decode()


def test_a_normal_upload_still_goes_through(client, qualified):
    application = start(client, qualified, "ts2019-hitech-new")
    label = application.item.materials[0]
    response = client.post(
        reverse("applications:edit", args=[application.reference]),
        material_post(
            application, files={label: SimpleUploadedFile("执照.pdf", cases.PDF)}, action="save"
        ),
    )
    assert response.status_code == 302
    assert EnterpriseFile.objects.filter(enterprise=qualified.enterprise).count() == 1


@override_settings(MAX_REQUEST_BODY=1000)
def test_the_limit_is_a_setting(client, qualified):
    application = start(client, qualified, "ts2019-hitech-new")
    label = application.item.materials[0]
    response = client.post(
        reverse("applications:edit", args=[application.reference]),
        material_post(application, files={label: SimpleUploadedFile("执照.pdf", b"%PDF" * 500)}),
    )
    assert response.status_code == 413


def test_the_settings_bound_every_body(settings):
    assert settings.MAX_REQUEST_BODY >= 5 * settings.ATTACHMENT_MAX_SIZE  # five materials at most
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.MAX_REQUEST_BODY
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert settings.MIDDLEWARE[0] == "portal.middleware.RequestSizeLimitMiddleware"
