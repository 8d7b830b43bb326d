"""Login limits under parallel requests: wrong passwords and wrong SMS codes fired together.

A limit checked before a slow step and counted after it holds for one request at a time and
for none in parallel: every request in flight passes the check before the first one counts.
The password hash stands in for that slow step here (Argon2 takes tens of milliseconds; the
tests' MD5 hasher takes none, so ``_slow`` puts the time back). The threads share nothing
but the database, as separate server workers would."""

from __future__ import annotations

import re
import threading
import time

import pytest
from conftest import Api

from beiyang.accounts import actions
from beiyang.accounts.models import SmsCode, User
from beiyang.accounts.sms import outbox
from beiyang.accounts.tests.factories import UserFactory
from beiyang.core.tests.threads import all_at_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # threads racing on the database
RIGHT = "Str0ng-pass-1"  # the factory's password
HASH_SECONDS = 0.05


class _CountedHash:
    """``User.check_password`` made as slow as Argon2, counting the wrong passwords it verifies
    and telling when ``after`` of them have begun."""

    def __init__(self, monkeypatch, after: int) -> None:
        self.wrong = 0
        self.after = after
        self.reached = threading.Event()
        self._lock = threading.Lock()
        original = User.check_password

        def check_password(user, raw):
            if raw != RIGHT:
                with self._lock:
                    self.wrong += 1
                    if self.wrong >= self.after:
                        self.reached.set()
            time.sleep(HASH_SECONDS)
            return original(user, raw)

        monkeypatch.setattr(User, "check_password", check_password)


def _login(phone: str, password: str):
    return Api().post("auth/token", {"phone": phone, "password": password})


def test_thirty_wrong_passwords_in_parallel_lock_the_account(settings, monkeypatch):
    settings.LOGIN_MAX_FAILURES = 5
    user = UserFactory()
    hashes = _CountedHash(monkeypatch, after=5)
    answers = all_at_once([lambda: _login(user.phone, "wrong-pass-1")] * 30)
    # Only the attempts within the limit cost a hash; the rest were refused before it.
    assert hashes.wrong <= settings.LOGIN_MAX_FAILURES
    assert [a.status_code for a in answers] == [401] * 30
    # Locked: the right password is refused now too, with the wrong password's answer.
    after = _login(user.phone, RIGHT)
    assert after.status_code == 401 and after.json()["code"] == "bad_credentials"


def test_the_right_password_among_wrong_ones_gets_no_token_once_the_limit_is_reached(settings, monkeypatch):
    settings.LOGIN_MAX_FAILURES = 5
    user = UserFactory()
    hashes = _CountedHash(monkeypatch, after=5)

    def right_once_limit_reached():
        assert hashes.reached.wait(timeout=30)
        return _login(user.phone, RIGHT)

    answers = all_at_once([lambda: _login(user.phone, "wrong-pass-1")] * 19 + [right_once_limit_reached])
    statuses = [a.status_code for a in answers]
    assert 200 not in statuses, "a token was issued after the limit was reached"
    assert hashes.wrong <= settings.LOGIN_MAX_FAILURES


def test_forty_wrong_sms_codes_in_parallel_stay_within_the_attempts(settings, monkeypatch):
    settings.SMS_CODE_MAX_ATTEMPTS = 5
    user = UserFactory()
    actions.do_request_sms_code(user.phone)
    sms = SmsCode.objects.get()
    right = re.search(r"验证码是(\d{6})", outbox[-1]["text"]).group(1)
    wrong = "000000" if right != "000000" else "111111"
    original = actions.code_digest

    def slow_digest(phone: str, code: str) -> str:
        time.sleep(HASH_SECONDS / 5)  # the comparison's window, widened
        return original(phone, code)

    monkeypatch.setattr(actions, "code_digest", slow_digest)
    answers = all_at_once([lambda: Api().post("auth/sms-token", {"phone": user.phone, "code": wrong})] * 40)
    assert {a.status_code for a in answers} == {401}
    sms.refresh_from_db()
    assert sms.attempts <= settings.SMS_CODE_MAX_ATTEMPTS
    # The guesses used the code up: the right code is refused now.
    assert Api().post("auth/sms-token", {"phone": user.phone, "code": right}).status_code == 401
