from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as account_views
from portal import views

portal_patterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("workspace/", views.WorkspaceRedirectView.as_view(), name="workspace"),
    path("enterprise/", views.EnterpriseHomeView.as_view(), name="enterprise_home"),
    path("bureau/", views.BureauHomeView.as_view(), name="bureau_home"),
    path("bureau/team/", views.BureauTeamView.as_view(), name="bureau_team"),
    path("manage/", views.CatalogueAdminHomeView.as_view(), name="catalogue_admin_home"),
    path("leadership/", views.LeadershipHomeView.as_view(), name="leadership_home"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("", include("accounts.urls")),
    path("", include("enterprises.urls")),
    path("", include("audit.urls")),
    path("", include("incentives.urls")),
    path("", include("applications.urls")),
    path("", include("official_lists.urls")),
    path("", include("ratings.urls")),
    path("", include("consultations.urls")),
    path("", include("dashboard.urls")),
    path("api/v1/", include(("incentives.api.urls", "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # The Swagger UI page starts itself with an inline script: allowed on this page only.
        csp_update({"script-src": ["'self'", "'unsafe-inline'"]})(
            SpectacularSwaggerView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "accounts/password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"
    ),
    # Un-namespaced, before Django's own: the auth views reverse "password_reset" by this name.
    path(
        "accounts/password_reset/",
        account_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = admin.site.site_title = _("Science and Technology Incentive Portal")

handler404 = "portal.views.page_not_found"
