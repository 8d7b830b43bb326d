"""What the service team tells the app a request came from. A handover's chat lives in the
agent, one floor up, which listens: the service app never writes the agent's rows."""

from django.dispatch import Signal

# An officer wrote on a request the agent opened (``request``, ``text``), or resolved it
# (``resolved=True``). Sent inside the officer's transaction.
handover_answered = Signal()
# The founder reopened a handover (``request``): the team has the chat again.
handover_reopened = Signal()
