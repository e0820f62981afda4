from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ratings.models import RatingSettings


@admin.register(RatingSettings)
class RatingSettingsAdmin(SimpleHistoryAdmin):
    """The one row of 好差评 settings: added once, changed as often as needed, never deleted."""

    list_display = ["__str__", "rectification_days"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not RatingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
