"""Bearer tokens live ``TOKEN_LIFETIME_DAYS`` from their issue, then answer 401."""

import datetime as dt

import pytest
from django.utils import timezone

from beiyang.accounts.models import ApiToken
from beiyang.accounts.token_cache import token_users

pytestmark = pytest.mark.django_db


def _age(days: float) -> None:
    """As if the token had been issued ``days`` ago, and this process had not seen it since."""
    ApiToken.objects.update(created_at=timezone.now() - dt.timedelta(days=days))
    token_users.clear()


def test_a_token_expires_at_the_end_of_its_lifetime(founder, settings):
    settings.TOKEN_LIFETIME_DAYS = 30
    _user, _company, api = founder
    _age(29.9)
    assert api.get("me").status_code == 200
    listed = api.get("me/tokens").json()[0]
    assert dt.datetime.fromisoformat(listed["expires_at"]) < timezone.now() + dt.timedelta(days=1)
    _age(30.1)
    resp = api.get("me")
    assert resp.status_code == 401 and resp.json()["code"] == "authentication_required"
    assert ApiToken.objects.count() == 1  # kept, for the audit trail; only no longer accepted


def test_a_token_remembered_by_the_process_still_expires_on_time(founder, settings):
    """The process keeps a token for TOKEN_CACHE_SECONDS; one that ends sooner is not kept."""
    settings.TOKEN_LIFETIME_DAYS = 30
    settings.TOKEN_CACHE_SECONDS = 300
    _user, _company, api = founder
    ApiToken.objects.update(created_at=timezone.now() - dt.timedelta(days=30, seconds=-60))
    token_users.clear()
    assert api.get("me").status_code == 200
    assert len(token_users) == 0


def test_zero_means_tokens_never_expire(founder, settings):
    settings.TOKEN_LIFETIME_DAYS = 0
    _user, _company, api = founder
    _age(3650)
    assert api.get("me").status_code == 200
    assert api.get("me/tokens").json()[0]["expires_at"] is None
