from django.urls import path

from official_lists import views

app_name = "official_lists"

urlpatterns = [
    path("bureau/lists/", views.ListIndexView.as_view(), name="index"),
    path("bureau/lists/upload/", views.ListUploadView.as_view(), name="upload"),
    path("bureau/lists/<int:pk>/", views.ListDetailView.as_view(), name="detail"),
    path("bureau/lists/<int:pk>/confirm/", views.ListConfirmView.as_view(), name="confirm"),
    path("bureau/lists/<int:pk>/withdraw/", views.ListWithdrawView.as_view(), name="withdraw"),
]
