from django.urls import path

from incentives import views

app_name = "incentives"

urlpatterns = [
    path("policies/", views.CatalogueView.as_view(), name="catalogue"),
    path("policies/<slug:key>/", views.ItemDetailView.as_view(), name="item"),
    path("documents/", views.DocumentListView.as_view(), name="documents"),
    path("documents/<slug:key>/", views.DocumentDetailView.as_view(), name="document"),
    path("bureaus/<int:pk>/", views.BureauDetailView.as_view(), name="bureau"),
]
