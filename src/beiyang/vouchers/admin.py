from django.contrib import admin

from beiyang.vouchers.models import Account, BudgetPool, Grant, Redemption, Transfer


class ReadOnly(admin.ModelAdmin):
    """The ledger changes only through actions; the admin shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["code", "type", "credits_posted", "debits_posted", "debits_pending"]
    list_filter = ["type"]


@admin.register(Transfer)
class TransferAdmin(ReadOnly):
    list_display = ["created_at", "code", "amount_fen", "debit", "credit", "status"]
    list_filter = ["code", "status"]


admin.site.register(BudgetPool, ReadOnly)
admin.site.register(Grant, ReadOnly)
admin.site.register(Redemption, ReadOnly)
