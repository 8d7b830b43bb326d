from django.contrib import admin

from beiyang.notifications.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__phone"]
    readonly_fields = ["user", "kind", "title", "body", "link", "data", "dedupe_key", "created_at", "read_at"]
