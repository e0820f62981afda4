from django.urls import path

from enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
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
