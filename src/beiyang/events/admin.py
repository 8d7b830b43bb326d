from django.contrib import admin

from beiyang.events.models import Event, Registration


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "starts_at", "venue", "capacity", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "venue"]

    def has_change_permission(self, request, obj=None):
        # Edits go through the staff pages and API, which lock seats and tell the people affected.
        return False


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["event", "user", "status", "created_at", "checked_in_at"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in Registration._meta.fields]

    def has_add_permission(self, request):
        return False
