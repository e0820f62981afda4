"""Targets and the district index scheme are data the catalogue admins edit (with history);
entered figures and snapshots are read-only records here: figures are entered on the portal's
own pages, where who may enter what is checked."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from dashboard.models import (
    DistrictFigure,
    IndexDimension,
    IndexIndicator,
    IndexScheme,
    Snapshot,
    Target,
    TargetFigure,
    TargetValue,
)


class TargetValueInline(admin.TabularInline):
    model = TargetValue
    extra = 0


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["name", "document", "kind", "unit", "live_source", "deadline"]
    list_filter = ["document", "kind", "live_source"]
    search_fields = ["key", "name"]
    filter_horizontal = ["lead_bureaus"]
    inlines = [TargetValueInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TargetFigure)
class TargetFigureAdmin(ReadOnlyAdmin):
    list_display = ["target", "year", "value", "source", "entered_by", "bureau", "entered_at"]
    list_filter = ["year", "bureau"]
    list_select_related = ["target", "entered_by", "bureau"]


class IndexDimensionInline(admin.TabularInline):
    model = IndexDimension
    extra = 0


@admin.register(IndexScheme)
class IndexSchemeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "total", "is_example"]
    inlines = [IndexDimensionInline]


@admin.register(IndexIndicator)
class IndexIndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "dimension", "weight", "method", "portal_source"]
    list_filter = ["dimension", "method"]
    list_select_related = ["dimension"]
    search_fields = ["key", "name"]
    fieldsets = [
        (None, {"fields": ["dimension", "key", "name", "weight", "unit", "position"]}),
        (
            _("Scoring"),
            {"fields": ["method", "bands", "units", "cap", "formula", "portal_source"]},
        ),
        (_("Source"), {"fields": ["data_source", "note"]}),
    ]


@admin.register(DistrictFigure)
class DistrictFigureAdmin(ReadOnlyAdmin):
    list_display = ["district", "year", "indicator", "value", "source", "entered_by", "entered_at"]
    list_filter = ["year", "source"]
    list_select_related = ["district", "indicator", "entered_by"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["year", "city", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status", "year"]
    exclude = ["data"]
