import datetime as dt
import os
import re
import time

import pytest
from django.test import override_settings
from django.utils import timezone

from beiyang.accounts import sms
from beiyang.accounts.models import ApiToken, SmsCode, User
from beiyang.core.models import AuditEntry

pytestmark = pytest.mark.django_db

SIGNUP = {"phone": "13812345678", "password": "Str0ng-pass-1", "name": "林小北"}


def test_signup_returns_a_token_that_works(api):
    resp = api.post("auth/signup", SIGNUP)
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    api.token = body["token"]
    me = api.get("me").json()
    assert me["id"] == body["user_id"] and me["phone"] == "13812345678" and me["name"] == "林小北"
    assert AuditEntry.objects.filter(action_type="accounts.user.signed_up").count() == 1
    # Only a digest of the token is stored.
    assert not ApiToken.objects.filter(key_hash=body["token"]).exists()


def test_signup_with_resident_id_fills_the_birth_date(api):
    resp = api.post("auth/signup", {**SIGNUP, "resident_id": "11010519491231002X"})
    assert resp.status_code == 201
    assert User.objects.get().birth_date == dt.date(1949, 12, 31)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**SIGNUP, "phone": "1234"}, "phone", "invalid_phone"),
        ({**SIGNUP, "resident_id": "110105194912310021"}, "resident_id", "invalid_resident_id"),
        ({**SIGNUP, "password": "12345678"}, "password", "weak_password"),
        ({**SIGNUP, "birth_date": "2999-01-01"}, "birth_date", "invalid_birth_date"),
        ({**SIGNUP, "birth_date": "1990-02-30"}, "birth_date", "validation_error"),
        (
            {**SIGNUP, "resident_id": "11010519491231002X", "birth_date": "1950-01-01"},
            "birth_date",
            "birth_date_mismatch",
        ),
        ({**SIGNUP, "nickname": "x"}, "nickname", "validation_error"),
        ({"password": "Str0ng-pass-1"}, "phone", "validation_error"),
    ],
)
def test_bad_signups_name_the_field_and_write_nothing(api, body, field, code):
    resp = api.post("auth/signup", body)
    assert 400 <= resp.status_code < 500
    err = resp.json()
    assert err["field"] == field and err["code"] == code
    assert err["message"] and err["message_en"]
    assert User.objects.count() == 0


def test_duplicate_phone_is_a_conflict(api):
    assert api.post("auth/signup", SIGNUP).status_code == 201
    resp = api.post("auth/signup", {**SIGNUP, "phone": "+86 138-1234-5678"})
    assert resp.status_code == 409 and resp.json()["field"] == "phone"
    assert User.objects.count() == 1


def test_non_json_and_oversized_bodies(api, settings):
    resp = api.post("auth/signup", raw="{not json")
    assert resp.status_code == 400 and resp.json()["code"] == "malformed_body"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    resp = api.post("auth/signup", {**SIGNUP, "name": "x" * 5000})
    assert resp.status_code == 413 and resp.json()["code"] == "payload_too_large"
    assert User.objects.count() == 0


def test_password_login_and_wrong_password(api):
    api.post("auth/signup", SIGNUP)
    ok = api.post("auth/token", {"phone": "13812345678", "password": "Str0ng-pass-1"})
    assert ok.status_code == 200 and ok.json()["token"].startswith("byt_")
    bad = api.post("auth/token", {"phone": "13812345678", "password": "nope-nope-1"})
    assert bad.status_code == 401 and bad.json()["code"] == "bad_credentials"
    unknown = api.post("auth/token", {"phone": "13900000009", "password": "whatever-1"})
    assert unknown.status_code == 401 and unknown.json()["code"] == "bad_credentials"


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_LOCKOUT_SECONDS=600)
def test_repeated_failures_lock_the_account(api):
    from beiyang.accounts.models import LoginThrottle

    api.post("auth/signup", SIGNUP)
    for _ in range(3):
        assert (
            api.post("auth/token", {"phone": SIGNUP["phone"], "password": "wrong-pass-1"}).status_code == 401
        )
    locked = api.post("auth/token", {"phone": SIGNUP["phone"], "password": SIGNUP["password"]})
    assert locked.status_code == 401 and locked.json()["code"] == "bad_credentials"
    assert AuditEntry.objects.filter(action_type="accounts.login.locked").count() == 1
    LoginThrottle.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert (
        api.post("auth/token", {"phone": SIGNUP["phone"], "password": SIGNUP["password"]}).status_code == 200
    )


def _last_code() -> str:
    return re.search(r"验证码是(\d{6})", sms.outbox[-1]["text"]).group(1)


@pytest.mark.django_db(transaction=True)
def test_sms_login_is_single_use(api):
    api.post("auth/signup", SIGNUP)
    assert api.post("auth/sms-code", {"phone": SIGNUP["phone"]}).status_code == 202
    assert sms.outbox[-1]["phone"] == SIGNUP["phone"]
    code = _last_code()
    assert SmsCode.objects.get().code_hash != code  # stored hashed
    first = api.post("auth/sms-token", {"phone": SIGNUP["phone"], "code": code})
    assert first.status_code == 200
    again = api.post("auth/sms-token", {"phone": SIGNUP["phone"], "code": code})
    assert again.status_code == 401 and again.json()["code"] == "bad_code"


@pytest.mark.django_db(transaction=True)
def test_expired_sms_code(api):
    api.post("auth/signup", SIGNUP)
    api.post("auth/sms-code", {"phone": SIGNUP["phone"]})
    SmsCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    resp = api.post("auth/sms-token", {"phone": SIGNUP["phone"], "code": _last_code()})
    assert resp.status_code == 401 and resp.json()["field"] == "code"


@override_settings(SMS_CODE_MAX_ATTEMPTS=2)
@pytest.mark.django_db(transaction=True)
def test_guessing_burns_the_code(api):
    api.post("auth/signup", SIGNUP)
    api.post("auth/sms-code", {"phone": SIGNUP["phone"]})
    code = _last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        assert api.post("auth/sms-token", {"phone": SIGNUP["phone"], "code": wrong}).status_code == 401
    assert api.post("auth/sms-token", {"phone": SIGNUP["phone"], "code": code}).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_sms_codes_are_rate_limited(api, settings):
    api.post("auth/signup", SIGNUP)
    assert api.post("auth/sms-code", {"phone": "13812345678"}).status_code == 202
    resp = api.post("auth/sms-code", {"phone": "13812345678"})
    assert resp.status_code == 429 and resp.json()["code"] == "sms_too_frequent"
    settings.SMS_CODE_RESEND_SECONDS = 0
    settings.SMS_CODE_DAILY_LIMIT = 2
    assert api.post("auth/sms-code", {"phone": "13812345678"}).status_code == 202
    assert api.post("auth/sms-code", {"phone": "13812345678"}).json()["code"] == "sms_daily_limit"
    assert len(sms.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_sms_login_for_an_unregistered_number(api):
    assert api.post("auth/sms-code", {"phone": "13812345678"}).status_code == 202
    assert sms.outbox == []  # nothing sent: see test_abuse for why the answer is the same
    resp = api.post("auth/sms-token", {"phone": "13812345678", "code": "123456"})
    assert resp.status_code == 401 and resp.json()["code"] == "bad_code"


def test_revoked_tokens_stop_working(api):
    api.token = api.post("auth/signup", SIGNUP).json()["token"]
    token_id = api.get("me/tokens").json()[0]["id"]
    assert api.delete(f"me/tokens/{token_id}").status_code == 200
    assert api.get("me").status_code == 401


def test_token_use_is_stamped_coarsely_and_inactive_users_are_refused(api):
    from beiyang.accounts.token_cache import token_users

    api.token = api.post("auth/signup", SIGNUP).json()["token"]
    token = ApiToken.objects.get()
    assert api.get("me").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    assert api.get("me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first  # within five minutes: no write per request
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=6))
    token_users.clear()  # as when the process's memory of the token has expired
    assert api.get("me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=6)
    user = User.objects.get(pk=token.user_id)
    user.is_active = False
    user.save()
    assert api.get("me").status_code == 401


def test_profile_update_and_audit(founder):
    _user, _company, client = founder
    resp = client.put("me", {"name": "新名字", "email": "a@b.cn"})
    assert resp.status_code == 200 and resp.json()["name"] == "新名字"
    entry = AuditEntry.objects.get(action_type="accounts.user.profile_updated")
    assert entry.before["name"] != "新名字" and entry.after["name"] == "新名字"
    assert client.put("me", {"email": "not-an-email"}).json()["field"] == "email"


def test_production_settings_hold_no_test_switch():
    """The suite runs on beiyang.settings_test; the production module is what it says."""
    from django.conf import settings

    from beiyang import settings as production

    assert (
        os.environ["DJANGO_SETTINGS_MODULE"] == "beiyang.settings_test"
        and "MD5" in settings.PASSWORD_HASHERS[0]
    )
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert not any("MD5" in h for h in production.PASSWORD_HASHERS)
    assert production.TOKEN_USE_WRITE_BEHIND is True and not hasattr(production, "TESTING")
    assert production.HUEY["immediate"] is False or os.environ.get("HUEY_IMMEDIATE")


def test_http_sms_gateway_backend(settings):
    """The HTTP backend posts JSON to the configured gateway and reports failures."""
    import http.server
    import json
    import threading

    received = []

    class Gateway(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            status = 200 if received[-1]["phone"] != "13800000000" else 500
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b'{"id": "m-1"}')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
        backend = sms.HttpSmsBackend()
        assert backend.send("13812345678", sms.login_code_sms("123456", 5)) == "m-1"
        assert received == [
            {
                "phone": "13812345678",
                "text": "【北杨小镇】您的验证码是123456,5分钟内有效。如非本人操作请忽略。",
                "purpose": "login_code",
                "params": {"code": "123456", "minutes": "5"},
            }
        ]
        with pytest.raises(sms.SmsDeliveryError):
            backend.send("13800000000", sms.notice_sms("活动", "https://town.example/me/messages/1/"))
    finally:
        server.shutdown()


@pytest.mark.django_db(transaction=True)
def test_token_use_is_written_behind_the_request(api, settings):
    """Outside tests the stamp is written by a background thread, not by the request."""
    from beiyang.accounts.actions import _token_use

    api.token = api.post("auth/signup", SIGNUP).json()["token"]
    token = ApiToken.objects.get()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=None)
    settings.TOKEN_USE_WRITE_BEHIND = True
    assert api.get("me").status_code == 200
    assert ApiToken.objects.get().last_used_at is None  # not by the request itself
    deadline = time.monotonic() + 10
    while ApiToken.objects.get().last_used_at is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ApiToken.objects.get().last_used_at is not None
    assert _token_use._writer is not None and _token_use._writer.is_alive()


@pytest.mark.parametrize(
    "header, works",
    [
        ("Bearer {t}", True),
        ("bearer {t}", True),
        ("Bearer  {t} ", True),
        ("Token {t}", False),
        ("Bearer", False),
        ("Bearer ", False),
        ("{t}", False),
        ("Basic {t}", False),
    ],
)
def test_the_authorization_header_forms(client, header, works):
    from conftest import token_for

    from beiyang.accounts.tests.factories import UserFactory

    token = token_for(UserFactory())
    resp = client.get("/api/v1/me", HTTP_AUTHORIZATION=header.format(t=token))
    assert resp.status_code == (200 if works else 401)


@pytest.mark.django_db(transaction=True)
def test_the_background_writer_stamps_many_tokens_in_one_statement_and_survives_errors(settings, caplog):
    from conftest import token_for
    from django.db import DatabaseError, connection
    from django.test.utils import CaptureQueriesContext

    from beiyang.accounts.actions import _token_use
    from beiyang.accounts.tests.factories import UserFactory

    tokens = [token_for(UserFactory()) for _ in range(3)]
    ApiToken.objects.update(last_used_at=None)
    stamp = timezone.now()
    for token in ApiToken.objects.all():
        _token_use.note(token.pk, stamp)  # the test settings: written at once
    assert set(ApiToken.objects.values_list("last_used_at", flat=True)) == {stamp}
    ApiToken.objects.update(last_used_at=None)

    settings.TOKEN_USE_WRITE_BEHIND = True
    real_write, failures = _token_use.write, []

    def flaky_write():
        if not failures:
            failures.append(1)
            raise DatabaseError("database is locked")
        real_write()

    _token_use.write = flaky_write
    try:
        for token in ApiToken.objects.all():
            _token_use.note(token.pk, stamp)
        assert ApiToken.objects.filter(last_used_at__isnull=False).count() == 0  # not by note()
        deadline = time.monotonic() + 15
        while ApiToken.objects.filter(last_used_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        _token_use.write = real_write
    # The first pass failed and was logged; the thread lived on and a later pass wrote them.
    assert failures and "could not record token use" in caplog.text
    assert ApiToken.objects.filter(last_used_at__isnull=True).count() == 0
    assert _token_use._writer.is_alive() and len(tokens) == 3
    with CaptureQueriesContext(connection) as queries:
        for token in ApiToken.objects.all():
            _token_use._pending[token.pk] = stamp
        real_write()
    assert [q["sql"].split()[0] for q in queries.captured_queries].count("UPDATE") == 1


@pytest.mark.django_db(transaction=True)
def test_a_code_request_does_the_same_work_for_any_number(api, monkeypatch):
    """Registered or not, the request writes one code row and one audit entry in one transaction
    and leaves the gateway to the worker (9.2 vs 5.9 ms told registered numbers apart); only the
    registered number is texted, and the other number's row signs nobody in."""
    from beiyang.accounts import actions

    queued: list[str] = []
    original = actions._queue_login_code

    def enqueue(sms_code_id, phone, code):
        queued.append(phone)
        return original(sms_code_id, phone, code)

    monkeypatch.setattr(actions, "_queue_login_code", enqueue)
    api.post("auth/signup", SIGNUP)
    asked = ("accounts.sms_code.sent", "accounts.sms_code.withheld")  # the request's own entry
    before = AuditEntry.objects.filter(action_type__in=asked).count()
    for phone in (SIGNUP["phone"], "13912345670"):
        assert api.post("auth/sms-code", {"phone": phone}).status_code == 202
    assert SmsCode.objects.filter(phone=SIGNUP["phone"]).count() == 1
    assert SmsCode.objects.filter(phone="13912345670").count() == 1
    assert AuditEntry.objects.filter(action_type__in=asked).count() == before + 2
    assert queued == [SIGNUP["phone"]] and [m["phone"] for m in sms.outbox] == [SIGNUP["phone"]]
    void = SmsCode.objects.get(phone="13912345670")
    assert void.used_at is not None
