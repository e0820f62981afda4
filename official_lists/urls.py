app_name = "official_lists"

urlpatterns: list = []
