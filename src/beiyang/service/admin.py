from django.contrib import admin

from beiyang.service.models import OfficerAssignment, ServiceRequest


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "category", "status", "officer", "company", "resolve_due")
    list_filter = ("status", "category")
    # Changes go through the actions (audited, messaged); the admin only reads.
    readonly_fields = [f.name for f in ServiceRequest._meta.fields]


@admin.register(OfficerAssignment)
class OfficerAssignmentAdmin(admin.ModelAdmin):
    list_display = ("company", "officer", "assigned_at")
    readonly_fields = ("company", "officer", "assigned_by", "assigned_at")
