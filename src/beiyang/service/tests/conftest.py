import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def officer(make_staff):
    return make_staff("service_officer")


@pytest.fixture
def admin(make_staff):
    return make_staff("town_admin")


@pytest.fixture
def served(make_founder, officer, admin):
    """A founder whose company the officer serves (assigned by a town admin through the API)."""
    user, company, client = make_founder()
    officer_user, officer_client = officer
    _admin_user, admin_client = admin
    response = admin_client.put(f"staff/companies/{company.pk}/officer", {"user_id": officer_user.pk})
    assert response.status_code == 200, response.content
    return user, company, client, officer_user, officer_client


@pytest.fixture
def published(monkeypatch):
    """Messages that reached the live stream: (user id, message id), recorded at publish."""
    from beiyang.core.realtime import hub

    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(hub, "publish", lambda user_id, message_id: seen.append((user_id, message_id)))
    return seen


@pytest.fixture
def at(monkeypatch):
    """Set the clock: ``at(2026, 2, 13, 16)`` is that local time in Shanghai from now on."""

    def set_now(*parts):
        moment = dt.datetime(*parts, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_now
