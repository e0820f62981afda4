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
