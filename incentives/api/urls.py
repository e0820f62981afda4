from rest_framework.routers import DefaultRouter

from incentives.api import views

router = DefaultRouter()
router.register("items", views.ItemViewSet, basename="item")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("bureaus", views.BureauViewSet, basename="bureau")

urlpatterns = router.urls
