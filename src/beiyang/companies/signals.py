from django.dispatch import Signal

# Sent after commit when a company's profile was created or changed; kwargs: company_id.
company_profile_changed = Signal()
