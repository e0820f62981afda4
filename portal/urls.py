from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import audit_views, views

portal_patterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("workspace/", views.WorkspaceRedirectView.as_view(), name="workspace"),
    path("accounts/profile/", views.AccountView.as_view(), name="account"),
    path("register/", views.RegisterView.as_view(), name="register"),
    path(
        "invitations/<str:token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("enterprise/", views.EnterpriseHomeView.as_view(), name="enterprise_home"),
    path("enterprise/profile/", views.ProfileView.as_view(), name="enterprise_profile"),
    path(
        "enterprise/profile/history/",
        views.ProfileHistoryView.as_view(),
        name="enterprise_profile_history",
    ),
    path(
        "enterprise/profile/qualifications/add/",
        views.QualificationEditView.as_view(),
        name="qualification_add",
    ),
    path(
        "enterprise/profile/qualifications/<int:pk>/",
        views.QualificationEditView.as_view(),
        name="qualification_edit",
    ),
    path(
        "enterprise/profile/qualifications/<int:pk>/delete/",
        views.QualificationDeleteView.as_view(),
        name="qualification_delete",
    ),
    path(
        "enterprise/profile/figures/add/",
        views.YearlyFiguresEditView.as_view(),
        name="yearly_figures_add",
    ),
    path(
        "enterprise/profile/figures/<int:pk>/",
        views.YearlyFiguresEditView.as_view(),
        name="yearly_figures_edit",
    ),
    path(
        "enterprise/profile/figures/<int:pk>/delete/",
        views.YearlyFiguresDeleteView.as_view(),
        name="yearly_figures_delete",
    ),
    path(
        "enterprise/invitations/new/",
        views.InvitationCreateView.as_view(),
        name="invitation_create",
    ),
    path(
        "enterprise/invitations/<int:pk>/withdraw/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path("bureau/", views.BureauHomeView.as_view(), name="bureau_home"),
    path("bureau/team/", views.BureauTeamView.as_view(), name="bureau_team"),
    path("manage/", views.CatalogueAdminHomeView.as_view(), name="catalogue_admin_home"),
    path("manage/audit/", audit_views.AuditExportView.as_view(), name="audit_export"),
    path("leadership/", views.LeadershipHomeView.as_view(), name="leadership_home"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("", include("incentives.urls")),
    path("", include("applications.urls")),
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
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = admin.site.site_title = _("Science and Technology Incentive Portal")

handler404 = "portal.views.page_not_found"
