from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    path("applications/", views.MyApplicationsView.as_view(), name="mine"),
    path("applications/new/<slug:key>/", views.StartView.as_view(), name="start"),
    path("cases/<str:reference>/", views.CaseView.as_view(), name="detail"),
    path("cases/<str:reference>/edit/", views.EditView.as_view(), name="edit"),
    path("cases/<str:reference>/act/<slug:action>/", views.ActView.as_view(), name="act"),
    path("cases/<str:reference>/cosign/<int:pk>/", views.CosignAnswerView.as_view(), name="cosign"),
    path("bureau/cases/", views.QueueView.as_view(), name="queue"),
    path("bureau/cases/batch/", views.QueueBatchView.as_view(), name="queue_batch"),
    path("files/<int:pk>/", views.FileView.as_view(), name="file"),
    path("publicity/", views.PublicityView.as_view(), name="publicity"),
    path("publicity/<str:reference>/objection/", views.ObjectionView.as_view(), name="objection"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/<str:source>/<int:pk>/", views.InboxOpenView.as_view(), name="inbox_open"),
]
