"""What the benefits app asks of the apps above it. ``policies`` imports none of them: an app
that knows a company fact connects here in its ``AppConfig.ready``."""

from django.dispatch import Signal

# Asked while building a company's profile for the engine: each receiver answers a dict of
# company facts it owns (the vouchers app: ``voucher_granted_cny``); kwargs: company, as_of.
company_facts_wanted = Signal()

# Asked when a pack is checked before import or publication: each receiver answers a list of
# parameter ids its own code reads from every pack (the service app: each category's clocks).
parameters_required = Signal()
