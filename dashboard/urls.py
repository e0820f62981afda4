from django.urls import path

from dashboard import satisfaction, views

app_name = "dashboard"

urlpatterns = [
    path("leadership/targets/", views.TargetsView.as_view(), name="targets"),
    path("leadership/performance/", views.PerformanceView.as_view(), name="performance"),
    path("leadership/money/", views.MoneyView.as_view(), name="money"),
    path("leadership/snapshots/", views.SnapshotRequestView.as_view(), name="snapshot_request"),
    path("leadership/snapshots/<int:pk>/", views.SnapshotProgressView.as_view(), name="snapshot"),
    path("leadership/index/", views.IndexView.as_view(), name="index"),
    path("leadership/index/<int:pk>/", views.IndexDistrictView.as_view(), name="index_district"),
    path("leadership/report/", views.MonthlyReportView.as_view(), name="report"),
    path("leadership/satisfaction/", satisfaction.SatisfactionView.as_view(), name="satisfaction"),
    path("figures/targets/", views.MyTargetsView.as_view(), name="my_targets"),
    path("figures/targets/<int:pk>/", views.TargetFigureView.as_view(), name="target_figure"),
    path("figures/districts/", views.DistrictListView.as_view(), name="districts"),
    path(
        "figures/districts/<int:pk>/",
        views.DistrictFiguresView.as_view(),
        name="district_figures",
    ),
    path("figures/import/", views.FiguresImportView.as_view(), name="figures_import"),
]
