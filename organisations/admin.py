"""x"""

from django.contrib import admin

from organisations.models import Bureau, BureauAlias, Region


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
