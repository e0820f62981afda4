"""x"""

from django.contrib import admin

from enterprises.models import Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "city", "district", "created_at"]
    list_filter = ["city"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["city", "district"]
