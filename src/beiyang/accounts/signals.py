"""What the accounts app asks of the apps above it, which it does not import."""

from django.dispatch import Signal

# Asked when a provider's accepted voucher kinds are set: each receiver answers the voucher kinds
# it knows (the vouchers app: the kinds of the town's pack).
voucher_kinds_wanted = Signal()
