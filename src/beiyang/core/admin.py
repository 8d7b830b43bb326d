from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from beiyang.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "action_type", "actor_label", "object_type", "object_id"]
    list_filter = ["action_type", "object_type"]
    search_fields = ["action_type", "object_id", "actor_label"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
