from django.urls import path

from enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("claim/", views.ClaimView.as_view(), name="claim"),
    path("enterprise/verification/", views.VerificationView.as_view(), name="verification"),
    path("bureau/verifications/", views.VerificationQueueView.as_view(), name="verification_queue"),
    path(
        "bureau/verifications/<int:pk>/",
        views.VerificationDetailView.as_view(),
        name="verification_detail",
    ),
    path(
        "verifications/<int:pk>/<slug:which>/",
        views.VerificationFileView.as_view(),
        name="verification_file",
    ),
    path("enterprise/profile/", views.ProfileView.as_view(), name="profile"),
    path("enterprise/profile/history/", views.ProfileHistoryView.as_view(), name="history"),
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
]
