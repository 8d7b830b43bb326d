from django.dispatch import Signal

# Sent after commit for every new inbox message; kwargs: message_id, user_id.
message_created = Signal()
