"""Moved to ``beiyang.core.forms`` (the ground floor); re-exported while branches still import it here."""

from beiyang.core.forms import bad_request, error_context, posted_date, posted_time  # noqa: F401
