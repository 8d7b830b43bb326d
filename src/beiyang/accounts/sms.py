"""The SMS gateways. One method, ``send``; the gateway is chosen by ``SMS_PROVIDER``.

Chinese carriers take no free text from a platform: every message is a template registered
with the cloud (模板) under a registered signature (签名), and the platform sends the template's
code and its parameters. So a message is an ``Sms``: what it is for (``purpose``), its template
parameters, and the same words as plain text for the gateways that take text.

- ``AliyunSmsBackend`` (``aliyun``): Aliyun SMS ``SendSms`` (dysmsapi 2017-05-25) through the
  official SDK; the parameters go by name (``${code}``).
- ``TencentSmsBackend`` (``tencent``): Tencent Cloud SMS ``SendSms`` (2021-01-11) through the
  official SDK; the parameters go in order (``{1}``, ``{2}``).
- ``HttpSmsBackend`` (``http``): POSTs ``{"phone", "text", "purpose", "params"}`` as JSON to
  ``SMS_GATEWAY_URL`` with a bearer token and the sender's ``Idempotency-Key``.
- ``FileSmsBackend`` (``file``, the default on a laptop): a JSON line per message in
  ``var/sms-outbox.log``; ``ConsoleSmsBackend`` prints; ``LocmemSmsBackend`` keeps ``outbox``
  for tests. The production profile refuses these three (``ops.checks``).

A refusal raises ``SmsDeliveryError``; ``permanent`` says that sending again cannot help (a
template the cloud refuses, a barred number), so the outbox gives the delivery up at once
instead of retrying it; throttling and network errors are retried.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from beiyang.core import outbound

logger = logging.getLogger(__name__)

outbox: list[dict] = []
_lock = threading.Lock()

LOGIN_CODE, NOTICE = "login_code", "notice"


@dataclass(frozen=True)
class Sms:
    """One message: ``purpose`` picks the template, ``params`` fill it in order (Tencent) or by
    name (Aliyun), ``text`` is the whole message for gateways that take text."""

    purpose: str
    params: dict[str, str] = field(default_factory=dict)
    text: str = ""


def login_code_sms(code: str, minutes: int) -> Sms:
    """Template: 您的验证码是${code},${minutes}分钟内有效。如非本人操作请忽略。"""
    return Sms(
        LOGIN_CODE,
        {"code": code, "minutes": str(minutes)},
        f"【{sign_name()}】您的验证码是{code},{minutes}分钟内有效。如非本人操作请忽略。",
    )


def notice_sms(kind: str, link: str) -> Sms:
    """Template: 您有一条来自北杨人工智能创新小镇的${kind}消息,请查看:${link}"""
    return Sms(
        NOTICE,
        {"kind": kind, "link": link},
        f"【{sign_name()}】您有一条来自{settings.TOWN_NAME}的{kind}消息,请查看:{link}",
    )


def sign_name() -> str:
    return settings.SMS_SIGN_NAME or "北杨小镇"


class SmsDeliveryError(Exception):
    """The gateway did not take the message. ``permanent``: sending it again cannot help."""

    def __init__(self, message: str, *, code: str = "", permanent: bool = False) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.permanent = permanent


class SmsBackend:
    def send(self, phone: str, sms: Sms, idempotency_key: str = "") -> str:
        """Send one message; return the gateway's message id (or a local one). A repeat with the
        same ``idempotency_key`` is the same message."""
        raise NotImplementedError


class LocmemSmsBackend(SmsBackend):
    def send(self, phone: str, sms: Sms, idempotency_key: str = "") -> str:
        with _lock:
            outbox.append(
                {
                    "phone": phone,
                    "text": sms.text,
                    "purpose": sms.purpose,
                    "params": dict(sms.params),
                    "idempotency_key": idempotency_key,
                }
            )
            return f"locmem-{len(outbox)}"


class ConsoleSmsBackend(SmsBackend):
    def send(self, phone: str, sms: Sms, idempotency_key: str = "") -> str:
        print(f"[SMS to {phone}] {sms.text}", flush=True)
        return "console"


class FileSmsBackend(SmsBackend):
    def send(self, phone: str, sms: Sms, idempotency_key: str = "") -> str:
        line = json.dumps(
            {"at": timezone.now().isoformat(), "phone": phone, "text": sms.text}, ensure_ascii=False
        )
        with _lock, open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        logger.info("SMS to %s written to %s", phone, settings.SMS_FILE_PATH)
        return "file"


class HttpSmsBackend(SmsBackend):
    def send(self, phone: str, sms: Sms, idempotency_key: str = "") -> str:
        if not settings.SMS_GATEWAY_URL:
            raise SmsDeliveryError("SMS_GATEWAY_URL is not set", permanent=True)
        headers = (
            {"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"} if settings.SMS_GATEWAY_TOKEN else {}
        )
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        body = {"phone": phone, "text": sms.text, "purpose": sms.purpose, "params": sms.params}
        try:
            resp = outbound.client().post(
                settings.SMS_GATEWAY_URL, json=body, headers=headers, timeout=settings.SMS_TIMEOUT_SECONDS
            )
        except httpx.HTTPError as exc:
            raise SmsDeliveryError(str(exc)) from exc
        if resp.status_code // 100 != 2:
            raise SmsDeliveryError(f"gateway answered {resp.status_code}: {resp.text[:200]}")
        try:
            return str(resp.json().get("id", ""))
        except ValueError:
            return ""


def template_code(sms: Sms) -> str:
    code = {LOGIN_CODE: settings.SMS_TEMPLATE_CODE, NOTICE: settings.SMS_NOTICE_TEMPLATE_CODE}.get(
        sms.purpose
    )
    if not code:
        name = "SMS_TEMPLATE_CODE" if sms.purpose == LOGIN_CODE else "SMS_NOTICE_TEMPLATE_CODE"
        raise SmsDeliveryError(f"{name} is not set", code="config", permanent=True)
    return code


def _endpoint(default_host: str) -> tuple[str, str]:
    """(scheme, host[:port]) of ``SMS_ENDPOINT``, or the cloud's own over https."""
    if not settings.SMS_ENDPOINT:
        return "https", default_host
    parts = urlsplit(
        settings.SMS_ENDPOINT if "//" in settings.SMS_ENDPOINT else f"https://{settings.SMS_ENDPOINT}"
    )
    return parts.scheme or "https", parts.netloc


# Aliyun answers HTTP 200 with a business code; these say the message can never go as it is.
# https://help.aliyun.com/zh/sms/developer-reference/api-error-codes
ALIYUN_PERMANENT = {
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.SMS_SIGN_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL",
    "isv.INVALID_PARAMETERS",
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL",
    "isv.SMS_CONTENT_ILLEGAL",
    "isv.DENY_IP_RANGE",
    "isp.RAM_PERMISSION_DENY",
    "InvalidAccessKeyId.NotFound",
    "SignatureDoesNotMatch",
}


class AliyunSmsBackend(SmsBackend):
    """Aliyun SMS through ``alibabacloud_dysmsapi20170525`` (signature ACS3-HMAC-SHA256)."""

    def send(self, phone: str, sms: Sms, idempotency_key: str = "") -> str:
        from alibabacloud_dysmsapi20170525 import models as dysms
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as openapi
        from darabonba.runtime import RuntimeOptions

        scheme, host = _endpoint("dysmsapi.aliyuncs.com")
        client = Client(
            openapi.Config(
                access_key_id=settings.SMS_ACCESS_KEY_ID,
                access_key_secret=settings.SMS_ACCESS_KEY_SECRET,
                endpoint=host,
                protocol=scheme,
            )
        )
        request = dysms.SendSmsRequest(
            phone_numbers=phone,
            sign_name=sign_name(),
            template_code=template_code(sms),
            template_param=json.dumps(sms.params, ensure_ascii=False),
            # Aliyun keeps OutId with the message's receipt: the delivery it belongs to.
            out_id=idempotency_key[:64] or None,
        )
        timeout_ms = int(settings.SMS_TIMEOUT_SECONDS * 1000)
        runtime = RuntimeOptions(connect_timeout=timeout_ms, read_timeout=timeout_ms, autoretry=False)
        try:
            answer = client.send_sms_with_options(request, runtime).body
        except Exception as exc:  # the SDK's ClientException, ServerException, network errors
            code = str(getattr(exc, "code", "") or "")
            raise SmsDeliveryError(
                str(getattr(exc, "message", exc))[:300], code=code, permanent=code in ALIYUN_PERMANENT
            ) from exc
        if answer.code != "OK":
            raise SmsDeliveryError(
                answer.message or "", code=answer.code or "", permanent=answer.code in ALIYUN_PERMANENT
            )
        return answer.biz_id or answer.request_id or ""


# Tencent's codes for a message that can never go as it is (the rest, limits above all, retry).
# https://cloud.tencent.com/document/product/382/55981
TENCENT_PERMANENT_PREFIXES = (
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.PhoneNumberOnBlacklist",
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
    "FailedOperation.ContainSensitiveWord",
    "FailedOperation.MissingTemplateToModify",
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "InvalidParameterValue",
    "InvalidParameter",
    "UnauthorizedOperation",
    "UnsupportedOperation",
    "AuthFailure",
)


def _tencent_permanent(code: str) -> bool:
    return code.startswith(TENCENT_PERMANENT_PREFIXES)


class TencentSmsBackend(SmsBackend):
    """Tencent Cloud SMS through ``tencentcloud-sdk-python-sms`` (signature TC3-HMAC-SHA256)."""

    def send(self, phone: str, sms: Sms, idempotency_key: str = "") -> str:
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models, sms_client

        scheme, host = _endpoint("sms.tencentcloudapi.com")
        profile = ClientProfile(
            httpProfile=HttpProfile(
                protocol=scheme, endpoint=host, reqTimeout=max(1, int(settings.SMS_TIMEOUT_SECONDS))
            )
        )
        client = sms_client.SmsClient(
            credential.Credential(settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET),
            settings.SMS_REGION,
            profile,
        )
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [phone if phone.startswith("+") else f"+86{phone}"]
        request.SmsSdkAppId = settings.SMS_SDK_APP_ID
        request.SignName = sign_name()
        request.TemplateId = template_code(sms)
        request.TemplateParamSet = list(sms.params.values())
        request.SessionContext = idempotency_key[:512]
        try:
            answer = client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = exc.get_code() or ""
            raise SmsDeliveryError(
                exc.get_message() or "", code=code, permanent=_tencent_permanent(code)
            ) from exc
        except Exception as exc:  # network errors
            raise SmsDeliveryError(str(exc)[:300]) from exc
        [status] = answer.SendStatusSet or [None]
        if status is None:
            raise SmsDeliveryError("no send status in the answer", code="empty")
        if status.Code != "Ok":
            raise SmsDeliveryError(
                status.Message or "", code=status.Code or "", permanent=_tencent_permanent(status.Code or "")
            )
        return status.SerialNo or answer.RequestId or ""


@cache
def _backend_class(path: str) -> type[SmsBackend]:
    return import_string(path)


def get_backend() -> SmsBackend:
    return _backend_class(settings.SMS_BACKEND)()


def send_sms(phone: str, sms: Sms, idempotency_key: str = "") -> str:
    return get_backend().send(phone, sms, idempotency_key=idempotency_key)
