"""What the company base tells the apps above it. ``companies`` imports none of them: an app that
cares connects here in its ``AppConfig.ready``."""

from django.dispatch import Signal

# Sent after commit when a company's profile was created or changed; kwargs: company_id.
company_profile_changed = Signal()

# Sent inside the transaction that created a company, before it commits (the service team
# assigns its officer in the same transaction); kwargs: company.
company_created = Signal()

# Asked before a credit-code edit: each receiver answers True when something of its app hangs
# on the company's code (an application, a voucher grant); kwargs: company.
credit_code_in_use = Signal()
