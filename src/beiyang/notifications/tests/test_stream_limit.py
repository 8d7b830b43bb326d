"""One user holds at most ``STREAM_MAX_PER_USER`` message streams in a process: 300 were taken
before, each a connection and a subscription. Opened in parallel, exactly the limit is let in."""

from __future__ import annotations

import pytest
from django.test import Client

from beiyang.core.tests.threads import at_once
from beiyang.notifications import stream

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_user_holds_a_bounded_number_of_streams_opened_at_once(settings, founder):
    settings.STREAM_MAX_PER_USER = 3
    user, _company, api = founder
    headers = {"Authorization": f"Bearer {api.token}"}

    def open_one():
        return Client().get("/api/v1/me/messages/stream", headers=headers)

    answers = at_once(8, open_one)
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * 3 + [429] * 5, codes
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["code"] == "too_many_streams" and refused.json()["message_en"]
    assert len(stream._open[user.pk]) == 3
    for answer in answers:
        answer.close()  # the client went away: its place is free again
    assert user.pk not in stream._open
    again = open_one()
    assert again.status_code == 200
    again.close()
