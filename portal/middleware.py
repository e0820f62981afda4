"""Request middleware of the portal."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

from portal.params import query_int


class RequestSizeLimitMiddleware:
    """Refuse, with 413 and a message, a request whose declared body is larger than the portal
    accepts — before anything (CSRF, sessions, the upload handlers) reads it. A body with files
    (multipart) may be up to ``MAX_REQUEST_BODY``; any other body up to
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, which Django would refuse anyway once read. First in
    ``MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = str(request.META.get("CONTENT_LENGTH") or "").strip()
        declared = query_int(raw)
        if declared is None and raw.isascii() and raw.isdecimal():
            declared = 2**63  # more digits than any body could have
        limit = self.limit(request)
        if limit is not None and declared is not None and declared > limit:
            return self.refuse(request, declared=declared, limit=limit)
        return self.get_response(request)

    @staticmethod
    def limit(request: HttpRequest) -> int | None:
        largest = settings.MAX_REQUEST_BODY
        if request.content_type == "multipart/form-data":
            return largest
        form_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return largest if form_limit is None else min(form_limit, largest)

    @staticmethod
    def refuse(request: HttpRequest, *, declared: int, limit: int) -> HttpResponse:
        language = translation.get_language_from_request(request)
        with translation.override(language):
            message = _(
                "The request is too large (%(size)s); the portal accepts at most %(limit)s in "
                "one request, and each attachment may be at most %(attachment)s."
            ) % {
                "size": filesizeformat(declared),
                "limit": filesizeformat(limit),
                "attachment": filesizeformat(settings.ATTACHMENT_MAX_SIZE),
            }
            if request.path.startswith("/api/"):
                response = JsonResponse({"detail": message}, status=413)
            else:
                html = loader.render_to_string(
                    "413.html", {"message": message, "language": language}
                )
                response = HttpResponse(html, status=413)
        return response


class ChineseByDefaultLocaleMiddleware(LocaleMiddleware):
    """The portal serves Chinese cities: pages are in Chinese unless the user has picked another
    language with the language switcher (its cookie). A browser's Accept-Language alone does not
    switch the portal to English."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = settings.LANGUAGE_CODE
        if chosen and translation.check_for_language(chosen):
            supported = {code for code, _name in settings.LANGUAGES}
            if chosen in supported:
                language = chosen
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
