from django.urls import path
from rest_framework.routers import DefaultRouter

from incentives.api import views

router = DefaultRouter()
router.register("items", views.ItemViewSet, basename="item")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("bureaus", views.BureauViewSet, basename="bureau")
router.register("facts", views.FactViewSet, basename="fact")

urlpatterns = [
    path("calculator/", views.CalculatorView.as_view(), name="calculator"),
    path("my/matches/", views.MyMatchesView.as_view(), name="my-matches"),
    *router.urls,
]
