from django.urls import path

from ratings import views

app_name = "ratings"

urlpatterns = [
    path("cases/<str:reference>/rate/", views.RateView.as_view(), name="rate"),
    path("bureau/ratings/", views.BureauSatisfactionView.as_view(), name="bureau"),
    path(
        "bureau/ratings/rectify/",
        views.RectificationListView.as_view(),
        name="rectifications",
    ),
    path("bureau/ratings/rectify/<int:pk>/", views.RectifyView.as_view(), name="rectify"),
]
