"""The town's real gateways against local servers that play the clouds' side: Aliyun SMS and
Tencent Cloud SMS through their official SDKs (signatures checked as the clouds check them), and
email over SMTP to a real SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from beiyang.accounts import sms
from beiyang.accounts.actions import do_send_login_code
from beiyang.core.models import AuditEntry
from beiyang.notifications.actions import (
    do_attempt_delivery,
    do_prepare_deliveries,
    do_send_message,
    do_set_preferences,
)
from beiyang.notifications.models import Delivery
from beiyang.ops.tests.clouds import AliyunSms, Cloud, SmtpServer, TencentSms

pytestmark = pytest.mark.django_db(transaction=True)

SIGNUP = {"phone": "13912340001", "password": "Gateway-Walk-2027!", "name": "林"}
# Template codes as each console issues them; their parameters as docs/operations.md registers them.
TEMPLATES = {
    "aliyun": {"login": "SMS_480010001", "notice": "SMS_480010002"},
    "tencent": {"login": "2010001", "notice": "2010002"},
}
SERVERS = {"aliyun": AliyunSms, "tencent": TencentSms}
# (throttled, number barred) in each cloud's words.
CODES = {
    "aliyun": ("isv.BUSINESS_LIMIT_CONTROL", "isv.BLACK_KEY_CONTROL_LIMIT"),
    "tencent": ("LimitExceeded.PhoneNumberThirtySecondLimit", "FailedOperation.PhoneNumberInBlacklist"),
}


@pytest.fixture(params=["aliyun", "tencent"])
def cloud(request, settings):
    """One cloud's SMS API on a local port, and the settings an operator writes for it."""
    provider = request.param
    codes = TEMPLATES[provider]
    account = Cloud(templates={codes["login"]: ["code", "minutes"], codes["notice"]: ["kind", "link"]})
    with SERVERS[provider](account) as server:
        settings.SMS_PROVIDER = provider
        settings.SMS_BACKEND = settings.SMS_PROVIDERS[provider]
        settings.SMS_ENDPOINT = server.endpoint
        settings.SMS_ACCESS_KEY_ID = account.access_key_id
        settings.SMS_ACCESS_KEY_SECRET = account.access_key_secret
        settings.SMS_SIGN_NAME = account.sign_name
        settings.SMS_SDK_APP_ID = account.app_id
        settings.SMS_TEMPLATE_CODE = codes["login"]
        settings.SMS_NOTICE_TEMPLATE_CODE = codes["notice"]
        settings.SITE_URL = "https://founders.example.gov.cn"
        server.provider = provider
        yield server


def _code(sent: sms.Sms | object) -> str:
    params = sent.params
    return params["code"] if isinstance(params, dict) else params[0]


def test_a_login_code_through_the_cloud_signs_the_founder_in(cloud, api):
    assert api.post("auth/signup", SIGNUP).status_code == 201
    assert api.post("auth/sms-code", {"phone": SIGNUP["phone"]}).status_code == 202
    [sent] = cloud.cloud.sent
    assert sent.phone == SIGNUP["phone"] and sent.template == TEMPLATES[cloud.provider]["login"]
    assert sent.sign_name == "北杨小镇" and cloud.cloud.rejected == []
    signed_in = api.post("auth/sms-token", {"phone": SIGNUP["phone"], "code": _code(sent)})
    assert signed_in.status_code == 200 and signed_in.json()["token"]
    assert AuditEntry.objects.filter(action_type="accounts.sms_code.delivered").count() == 1


def test_a_wrong_secret_is_refused_by_the_cloud_and_not_retried(cloud, settings):
    settings.SMS_ACCESS_KEY_SECRET = "not-the-account-secret-0123456789"
    with pytest.raises(sms.SmsDeliveryError) as refused:
        sms.send_sms("13912340002", sms.login_code_sms("123456", 5))
    assert refused.value.permanent and "Signature" in refused.value.code
    assert cloud.cloud.sent == []


def test_the_login_code_request_answers_before_the_gateway_is_called(cloud, api, monkeypatch):
    """With a queue (not the tests' inline jobs) the request only queues the code; the worker
    sends it."""
    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", MemoryStorage("login-codes"))
    assert api.post("auth/signup", SIGNUP).status_code == 201
    assert api.post("auth/sms-code", {"phone": SIGNUP["phone"]}).status_code == 202
    assert cloud.cloud.sent == []  # the founder has the answer; the gateway has not been called
    task = HUEY.dequeue()
    assert task is not None and task.name.endswith("send_login_code_task")
    HUEY.execute(task)
    [sent] = cloud.cloud.sent
    assert api.post("auth/sms-token", {"phone": SIGNUP["phone"], "code": _code(sent)}).status_code == 200


def test_a_throttled_login_code_is_recorded_and_tried_again(cloud, api):
    throttled, _barred = CODES[cloud.provider]
    cloud.cloud.refuse[SIGNUP["phone"]] = throttled
    assert api.post("auth/signup", SIGNUP).status_code == 201
    assert api.post("auth/sms-code", {"phone": SIGNUP["phone"]}).status_code == 202
    failed = AuditEntry.objects.get(action_type="accounts.sms_code.failed")
    assert throttled in failed.data["error"] and failed.data["permanent"] is False
    # The job's retry, once the cloud lets the number through again.
    del cloud.cloud.refuse[SIGNUP["phone"]]
    sms_code = failed.object_id
    assert do_send_login_code(int(sms_code), SIGNUP["phone"], "654321") == "sent"
    assert cloud.cloud.sent[-1].phone == SIGNUP["phone"]


def _notice_delivery(founder) -> int:
    user, _company, _api = founder
    do_set_preferences(user, email=False)
    message = do_send_message(user.pk, kind="event", title="报名成功", channels=False)
    [delivery_id] = do_prepare_deliveries(message.pk)
    return delivery_id


def test_notices_go_as_the_notice_template_with_kind_and_link(cloud, founder):
    delivery_id = _notice_delivery(founder)
    status, _retry = do_attempt_delivery(delivery_id)
    delivery = Delivery.objects.get(pk=delivery_id)
    assert status == "sent" and delivery.external_id
    [sent] = cloud.cloud.sent
    link = f"https://founders.example.gov.cn/me/messages/{delivery.message_id}/"
    expected = {"kind": "活动", "link": link}
    assert sent.params == (expected if cloud.provider == "aliyun" else list(expected.values()))
    assert sent.template == TEMPLATES[cloud.provider]["notice"]
    assert sent.context == delivery.idempotency_key  # the cloud's receipt names the delivery


def test_a_throttled_notice_is_retried_later(cloud, founder):
    throttled, _barred = CODES[cloud.provider]
    delivery_id = _notice_delivery(founder)
    phone = Delivery.objects.get(pk=delivery_id).message.user.phone
    cloud.cloud.refuse[phone] = throttled
    now = timezone.now()
    status, retry_at = do_attempt_delivery(delivery_id, now=now)
    delivery = Delivery.objects.get(pk=delivery_id)
    assert status == "queued" and retry_at > now and throttled in delivery.last_error
    del cloud.cloud.refuse[phone]
    assert do_attempt_delivery(delivery_id, now=retry_at)[0] == "sent"
    assert Delivery.objects.get(pk=delivery_id).attempts == 2


def test_a_barred_number_is_given_up_at_once(cloud, founder):
    _throttled, barred = CODES[cloud.provider]
    delivery_id = _notice_delivery(founder)
    cloud.cloud.refuse[Delivery.objects.get(pk=delivery_id).message.user.phone] = barred
    status, retry_at = do_attempt_delivery(delivery_id)
    delivery = Delivery.objects.get(pk=delivery_id)
    assert (
        status == "failed" and retry_at is None and delivery.attempts == 1 and barred in delivery.last_error
    )


def test_a_refused_template_is_given_up_at_once(cloud, founder, settings):
    settings.SMS_NOTICE_TEMPLATE_CODE = "SMS_999999" if cloud.provider == "aliyun" else "999999"
    delivery_id = _notice_delivery(founder)
    status, _retry = do_attempt_delivery(delivery_id)
    delivery = Delivery.objects.get(pk=delivery_id)
    assert (
        status == "failed"
        and delivery.attempts == 1
        and "Template" in delivery.last_error.replace("TEMPLATE", "Template")
    )
    assert cloud.cloud.sent == []


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.SITE_URL = "https://founders.example.gov.cn"
        yield server


def test_a_message_by_email_goes_over_smtp(smtp, founder):
    user, _company, _api = founder
    user.email = "lin@example.cn"
    user.save()
    do_set_preferences(user, sms=False)
    message = do_send_message(
        user.pk, kind="event", title="报名成功", body="模速路演日", link="/events/mine/"
    )
    delivery = Delivery.objects.get(message=message, channel="email")
    assert delivery.status == "sent", delivery.last_error
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "lin@example.cn" and mail["Message-ID"] == delivery.external_id
    assert "https://founders.example.gov.cn/events/mine/" in mail.get_payload(decode=True).decode()


def test_an_smtp_server_that_is_down_is_retried(smtp, founder, settings):
    user, _company, _api = founder
    user.email = "lin@example.cn"
    user.save()
    do_set_preferences(user, sms=False)
    settings.EMAIL_PORT = 9  # nothing listens there
    message = do_send_message(user.pk, kind="system", title="t")
    delivery = Delivery.objects.get(message=message, channel="email")
    assert delivery.status == "queued" and delivery.last_error and delivery.next_attempt_at


def test_sendtestemail_delivers_over_smtp(tmp_path):
    """The operator's command, as run on the host: EMAIL_HOST set, nothing else."""
    with SmtpServer() as server:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "beiyang.settings",
            "BEIYANG_VAR_DIR": str(tmp_path),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(server.port),
            "DEFAULT_FROM_EMAIL": "北杨小镇 <noreply@founders.example.gov.cn>",
        }
        env.pop("EMAIL_BACKEND", None)
        done = subprocess.run(
            [sys.executable, "-m", "beiyang.cli", "sendtestemail", "oncall@example.cn"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        [mail] = server.wait_for(1)
    assert mail["To"] == "oncall@example.cn" and "Test email from" in mail["Subject"]
    assert not (tmp_path / "mail").exists()  # not the file backend
