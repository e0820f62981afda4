from django.urls import path

from incentives import views

app_name = "incentives"

urlpatterns = [
    path("policies/", views.CatalogueView.as_view(), name="catalogue"),
    path("policies/<slug:key>/", views.ItemDetailView.as_view(), name="item"),
    path("documents/", views.DocumentListView.as_view(), name="documents"),
    path("documents/<slug:key>/", views.DocumentDetailView.as_view(), name="document"),
    path("bureaus/<int:pk>/", views.BureauDetailView.as_view(), name="bureau"),
    path("calculator/", views.CalculatorView.as_view(), name="calculator"),
    path("enterprise/policies/", views.MyPoliciesView.as_view(), name="my_policies"),
    path("enterprise/notices/read/", views.NoticesReadView.as_view(), name="notices_read"),
    path("manage/recompute/", views.RecomputeStartView.as_view(), name="recompute"),
    path(
        "manage/recompute/<int:pk>/",
        views.RecomputeProgressView.as_view(),
        name="recompute_progress",
    ),
]
