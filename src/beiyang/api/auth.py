"""Moved to ``beiyang.accounts.auth`` so that every app's router imports it from below, not from
the API floor above; re-exported while branches still import it here."""

from beiyang.accounts.auth import (  # noqa: F401
    PortalSessionAuth,
    ProviderKeyAuth,
    TokenAuth,
    founder_auth,
    provider_auth,
)
