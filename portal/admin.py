from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.models import Bureau, BureauAlias, Enterprise, Region, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "code"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]


class BureauAliasInline(admin.TabularInline):
    model = BureauAlias
    extra = 1
    fields = ["name", "city"]


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "email", "phone"]
    list_filter = ["city"]
    search_fields = ["name", "aliases__name"]
    list_select_related = ["city"]
    inlines = [BureauAliasInline]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "city", "district", "created_at"]
    list_filter = ["city"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["city", "district"]


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
