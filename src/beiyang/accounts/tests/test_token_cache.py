"""Tokens remembered by the server process: every change made through the models is seen at
once, a change made around them once the entry expires, and nobody shares a user instance."""

import pytest
from django.db import transaction
from django.utils import timezone

from beiyang.accounts.actions import authenticate_token
from beiyang.accounts.models import ApiToken, User
from beiyang.accounts.queries import users_for_tokens
from beiyang.accounts.token_cache import FORGET_USER, token_users
from beiyang.accounts.tokens import digest
from beiyang.core.realtime import hub

pytestmark = pytest.mark.django_db

SIGNUP = {"phone": "13812345678", "password": "Str0ng-pass-1", "name": "林小北"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(token_users, "clock", fake)
    return fake


@pytest.fixture
def signed_up(api):
    api.token = api.post("auth/signup", SIGNUP).json()["token"]
    return api


def test_a_token_is_looked_up_once_then_remembered(signed_up, django_assert_num_queries):
    assert authenticate_token(signed_up.token) is not None
    assert len(token_users) == 1
    with django_assert_num_queries(0):
        user = authenticate_token(signed_up.token)
    assert (
        user.phone == "13812345678" and user.name == "林小北" and user.token_id == ApiToken.objects.get().pk
    )


def test_each_call_gets_a_user_of_its_own(signed_up):
    first, second = authenticate_token(signed_up.token), authenticate_token(signed_up.token)
    assert first is not second and first.pk == second.pk
    first.name = "改过的"  # one request changing its copy changes nobody else's
    assert authenticate_token(signed_up.token).name == "林小北"


def test_saving_the_user_or_the_token_is_seen_at_once(signed_up):
    assert signed_up.get("me").json()["name"] == "林小北"
    user = User.objects.get()
    user.name = "林大北"
    user.save()
    assert signed_up.get("me").json()["name"] == "林大北"
    user.is_active = False
    user.save()
    assert signed_up.get("me").status_code == 401
    user.is_active = True
    user.save()
    assert signed_up.get("me").status_code == 200
    ApiToken.objects.get().delete()
    assert signed_up.get("me").status_code == 401


def test_revoking_through_the_api_is_seen_at_once(signed_up):
    assert signed_up.get("me").status_code == 200
    token_id = signed_up.get("me/tokens").json()[0]["id"]
    assert signed_up.delete(f"me/tokens/{token_id}").status_code == 200
    assert signed_up.get("me").status_code == 401


def test_a_change_around_the_models_is_seen_when_the_entry_expires(signed_up, clock, settings):
    settings.TOKEN_CACHE_SECONDS = 60
    assert signed_up.get("me").status_code == 200
    User.objects.update(is_active=False)  # no signal: the process cannot know
    clock.now += 59
    assert signed_up.get("me").status_code == 200
    clock.now += 2
    assert signed_up.get("me").status_code == 401


def test_a_lookup_that_raced_a_change_is_not_remembered(signed_up):
    user = User.objects.get()
    generation = token_users.generation  # the lookup starts ...
    now = timezone.now()
    row = users_for_tokens([digest(signed_up.token)], now)[digest(signed_up.token)]
    user.save()  # ... a change lands before it is remembered ...
    token_users.remember(digest(signed_up.token), row, generation, stamp_due=now)
    assert len(token_users) == 0  # ... so the old row is not kept


def test_the_change_is_forgotten_again_after_commit(signed_up, django_capture_on_commit_callbacks):
    """Between the change and its commit another request could read the old row again; the
    notice sent on commit drops that too."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        User.objects.get().save()
        assert authenticate_token(signed_up.token) is not None  # re-read inside the window
        assert len(token_users) == 1
    assert len(callbacks) == 1 and len(token_users) == 0


def test_notices_from_other_processes_drop_the_entry(signed_up):
    authenticate_token(signed_up.token)
    hub._run_control(FORGET_USER, User.objects.get().pk)  # what the Redis listener does
    assert len(token_users) == 0


def test_zero_seconds_turns_remembering_off(signed_up, settings, django_assert_num_queries):
    settings.TOKEN_CACHE_SECONDS = 0
    authenticate_token(signed_up.token)
    assert len(token_users) == 0
    with django_assert_num_queries(1):
        assert authenticate_token(signed_up.token) is not None


def test_the_cache_stays_bounded(signed_up, monkeypatch):
    from beiyang.accounts import token_cache

    monkeypatch.setattr(token_cache, "MAX_ENTRIES", 8)
    user = authenticate_token(signed_up.token)
    for n in range(20):
        token_users.remember(f"key-{n}", user, token_users.generation, stamp_due=timezone.now())
    assert len(token_users) <= 8
    token_users.forget_user(user.pk)
    assert len(token_users) == 0


def test_lookups_at_the_same_moment_share_one_query(make_founder, django_assert_num_queries):
    from beiyang.accounts.actions import _token_lookups

    (first, _, first_api), (second, _, second_api), (gone, _, gone_api) = (make_founder() for _ in range(3))
    gone.is_active = False
    gone.save()
    keys = [digest(first_api.token), digest("byt_nobody"), digest(second_api.token), digest(gone_api.token)]
    with django_assert_num_queries(1):
        found = _token_lookups.settle(keys)
    assert [user.pk if user else None for user in found] == [first.pk, None, second.pk, None]
    assert found[0].phone == first.phone and found[0].date_joined == first.date_joined
    assert found[0].token_id == ApiToken.objects.get(user=first).pk


@pytest.mark.django_db(transaction=True)
def test_a_rush_of_new_tokens_each_finds_its_own_founder(make_founder):
    import threading

    from django.db import connection

    founders = [make_founder() for _ in range(24)]
    barrier = threading.Barrier(len(founders))
    answers: dict[int, int | None] = {}

    def sign_in(user, api):
        try:
            barrier.wait(timeout=30)
            found = authenticate_token(api.token)
            answers[user.pk] = found.pk if found else None
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_in, args=(user, api)) for user, _, api in founders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == {user.pk: user.pk for user, _, _ in founders}


def test_a_listener_back_from_a_lost_connection_forgets_everything(signed_up):
    from beiyang.core.realtime import RESUBSCRIBED

    authenticate_token(signed_up.token)
    hub._run_control(RESUBSCRIBED, None)  # what the Redis listener does when it is back
    assert len(token_users) == 0
