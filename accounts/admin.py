"""x"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "enterprise", "bureau", "bureau_position"]
    list_filter = ["role", "bureau_position", "is_active"]
    search_fields = ["username", "full_name", "email"]
    list_select_related = ["enterprise", "bureau__city"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("Portal role"),
            {"fields": ["full_name", "role", "enterprise", "bureau", "bureau_position"]},
        ),
    )
