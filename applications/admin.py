from django.contrib import admin

from applications.models import Application, CaseEvent, Holiday, ItemBudget, Notification


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_working_day"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"


@admin.register(ItemBudget)
class ItemBudgetAdmin(admin.ModelAdmin):
    list_display = ["item", "year", "total", "used"]
    list_filter = ["year"]
    readonly_fields = ["used"]
    search_fields = ["item__name"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["at", "action", "from_state", "to_state", "actor", "comment", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: cases change only through their workflow."""

    list_display = [
        "reference",
        "enterprise",
        "item",
        "state",
        "submitted_at",
        "deadline",
        "approved_amount",
    ]
    list_filter = ["state"]
    search_fields = ["reference", "enterprise__name", "item__name"]
    list_select_related = ["enterprise", "item"]
    inlines = [CaseEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "channel",
        "user",
        "email",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["subject", "email"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
