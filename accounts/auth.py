"""Authentication backends."""

from axes.backends import AxesStandaloneBackend


class WebLoginThrottleBackend(AxesStandaloneBackend):
    """django-axes throttles logins that come through the web (they always carry a request).
    Calls without a request — a management shell, the test client's ``login()`` — are not web
    logins and go straight to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_username(request, credentials) -> str | None:
    """The username django-axes records for a login attempt: what the login form would accept
    (no NUL or control characters, at most 150 characters), so no attempt can break its table."""
    raw = (credentials or {}).get("username") if credentials else request.POST.get("username")
    if not isinstance(raw, str):
        return None
    cleaned = "".join(ch for ch in raw if ch.isprintable())
    return cleaned[:150] or None
