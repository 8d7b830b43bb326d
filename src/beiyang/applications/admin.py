from django.contrib import admin

from beiyang.applications.models import Application, Document


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["id", "policy_id", "company", "status", "lane", "due_on", "assignee"]
    list_filter = ["status", "lane", "policy_id"]
    readonly_fields = [f.name for f in Application._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Document)
