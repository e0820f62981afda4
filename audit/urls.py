from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("manage/audit/", views.AuditExportView.as_view(), name="export"),
]
