"""Abuse of the sign-in doors: finding out who is registered, locking other people out, running
up SMS and hashing costs from one address, and riding a signed-in browser."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from beiyang.accounts import sms
from beiyang.accounts.tests.factories import UserFactory
from beiyang.companies.tests.factories import CompanyFactory, next_credit_code

pytestmark = pytest.mark.django_db(transaction=True)
RIGHT = "Str0ng-pass-1"  # the factory's password
UNKNOWN = "13912345670"


def _post(path: str, body: dict, ip: str = "10.0.0.1", client: Client | None = None, **extra):
    return (client or Client()).post(
        f"/api/v1/{path}", json.dumps(body), content_type="application/json", REMOTE_ADDR=ip, **extra
    )


def _answer(resp) -> tuple[int, dict]:
    return resp.status_code, resp.json()


def test_codes_go_only_to_registered_numbers_with_the_same_answer_either_way():
    user = UserFactory()
    registered = _post("auth/sms-code", {"phone": user.phone})
    unknown = _post("auth/sms-code", {"phone": UNKNOWN})
    assert _answer(registered) == _answer(unknown) and registered.status_code == 202
    assert [m["phone"] for m in sms.outbox] == [user.phone]
    # Asked again at once, both are refused alike: the resend limit says nothing either.
    again = [_post("auth/sms-code", {"phone": p}, ip="10.0.0.9") for p in (user.phone, UNKNOWN)]
    assert _answer(again[0]) == _answer(again[1]) and again[0].status_code == 429


def test_a_lock_answers_as_a_wrong_password_for_an_unknown_number(settings):
    settings.LOGIN_MAX_FAILURES = 3
    user = UserFactory()
    for _ in range(3):
        _post("auth/token", {"phone": user.phone, "password": "wrong-pass-1"})
    locked = _post("auth/token", {"phone": user.phone, "password": RIGHT})
    unknown = _post("auth/token", {"phone": UNKNOWN, "password": RIGHT})
    assert _answer(locked) == _answer(unknown) and locked.status_code == 401


def test_a_lock_from_one_address_does_not_lock_the_owner_out(settings):
    settings.LOGIN_MAX_FAILURES = 3
    user = UserFactory()
    for _ in range(5):
        _post("auth/token", {"phone": user.phone, "password": "wrong-pass-1"}, ip="10.6.6.6")
    assert _post("auth/token", {"phone": user.phone, "password": RIGHT}, ip="10.6.6.6").status_code == 401
    assert _post("auth/token", {"phone": user.phone, "password": RIGHT}, ip="10.1.1.1").status_code == 200


def test_guessing_from_many_addresses_shuts_password_login_but_not_the_sms_code(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_MAX_FAILURES_PER_NUMBER = 6
    user = UserFactory()
    for i in range(8):
        _post("auth/token", {"phone": user.phone, "password": "wrong-pass-1"}, ip=f"10.7.0.{i}")
    # The number is shut for passwords everywhere for the lockout period ...
    assert _post("auth/token", {"phone": user.phone, "password": RIGHT}, ip="10.1.1.1").status_code == 401
    # ... but the owner, who has the phone, still gets in.
    assert _post("auth/sms-code", {"phone": user.phone}, ip="10.1.1.1").status_code == 202
    code = sms.outbox[-1]["text"].split("验证码是")[1][:6]
    assert _post("auth/sms-token", {"phone": user.phone, "code": code}, ip="10.1.1.1").status_code == 200


@pytest.mark.parametrize(
    ("limit", "path", "body"),
    [
        ("login_ip", "auth/token", lambda i: {"phone": f"1391234{i:04d}", "password": "wrong-pass-1"}),
        ("signup_ip", "auth/signup", lambda i: {"phone": f"1391234{i:04d}", "password": RIGHT}),
        ("sms_code_ip", "auth/sms-code", lambda i: {"phone": f"1391234{i:04d}"}),
        ("login_ip", "auth/sms-token", lambda i: {"phone": f"1391234{i:04d}", "code": "123456"}),
    ],
)
def test_one_address_is_limited_even_in_parallel(settings, limit, path, body):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, limit: (3, 600)}
    answers: list = [None] * 12
    barrier = threading.Barrier(len(answers))

    def call(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            answers[i] = _post(path, body(i), ip="10.9.9.9").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(answers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(status != 429 for status in answers) == 3, answers
    # Another address is not held up by this one.
    assert _post(path, body(99), ip="10.1.1.1").status_code != 429


def test_the_limits_hold_per_process_when_redis_is_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": (2, 600)}
    answers = [
        _post("auth/token", {"phone": UNKNOWN, "password": "x-wrong-1"}, ip="10.8.8.8") for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [401, 401, 429]


def test_the_agent_refuses_a_session_cookie_without_the_csrf_token(founder):
    user, _company, _api = founder
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    forged = _post("agent/messages", {"text": "我报名了哪些活动?"}, client=browser)
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    browser.get("/agent/")  # the page sets the CSRF cookie, as a browser would have it
    token = browser.cookies["csrftoken"].value
    real = _post("agent/messages", {"text": "你好"}, client=browser, HTTP_X_CSRFTOKEN=token)
    assert real.status_code == 200


def test_the_grants_endpoint_does_not_tell_registered_credit_codes(founder):
    _user, _company, api = founder
    registered = CompanyFactory().credit_code
    unregistered = next_credit_code()  # valid, and no company has it
    body = {"kind": "compute", "amount_cny": "1000"}
    answers = [
        api.post("staff/vouchers/grants", {**body, "company_credit_code": code})
        for code in (registered, unregistered)
    ]
    assert answers[0].status_code == answers[1].status_code == 403
    assert answers[0].json() == answers[1].json()
