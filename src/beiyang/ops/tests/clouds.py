"""Local servers that play the other side of the town's gateways, for tests and the smoke walk:
Aliyun SMS and Tencent Cloud SMS as their published API references describe them (the request
signature checked as the cloud checks it, the JSON answers and the error codes), and a real SMTP
server (aiosmtpd). Each runs on 127.0.0.1 on a free port, in a thread, until stopped.

The signature checks are written from the clouds' documents, not from the SDKs:
- Aliyun, V3 (ACS3-HMAC-SHA256): https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature
- Tencent Cloud, TC3-HMAC-SHA256: https://cloud.tencent.com/document/api/382/52071
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import json
import re
import socket
import threading
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from urllib.parse import parse_qsl, quote, urlsplit

from aiosmtpd.controller import Controller


@dataclass
class Sent:
    """One message the cloud accepted."""

    phone: str
    sign_name: str
    template: str
    params: dict[str, str] | list[str]
    context: str = ""


@dataclass
class Cloud:
    """What the tests arrange: the account's keys, its registered signature and templates (with
    their parameter names), and per phone number an error code to answer with."""

    access_key_id: str = "LTAI5tBeiyangTestKeyId"
    access_key_secret: str = "beiyang-test-secret-0123456789abcdef"
    sign_name: str = "北杨小镇"
    templates: dict[str, list[str]] = field(default_factory=dict)
    app_id: str = "1400000001"
    refuse: dict[str, str] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)


class _Server:
    handler: type[http.server.BaseHTTPRequestHandler]

    def __init__(self, cloud: Cloud | None = None) -> None:
        self.cloud = cloud or Cloud()
        handler = type("Handler", (self.handler,), {"cloud": self.cloud})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    cloud: Cloud
    content_type = "application/json;charset=utf-8"

    def log_message(self, *args) -> None:
        pass

    def _answer(self, status: int, body: dict) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AliyunHandler(_Handler):
    """dysmsapi ``SendSms`` (2017-05-25), RPC style, signed with ACS3-HMAC-SHA256."""

    REQUIRED_SIGNED = {
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    }

    def _error(self, status: int, code: str, message: str) -> None:
        self.cloud.rejected.append(code)
        self._answer(status, {"RequestId": str(uuid.uuid4()), "Code": code, "Message": message})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        auth = self.headers.get("Authorization", "")
        found = re.fullmatch(
            r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)", auth
        )
        if not found:
            return self._error(
                400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
            )
        key_id, signed, signature = found.groups()
        signed_headers = signed.split(";")
        if key_id != self.cloud.access_key_id:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if not set(signed_headers) >= self.REQUIRED_SIGNED or signed_headers != sorted(signed_headers):
            return self._error(400, "IncompleteSignature", "Required headers are not signed.")
        if self.headers.get("x-acs-content-sha256") != _sha256_hex(body):
            return self._error(400, "SignatureDoesNotMatch", "The payload hash does not match.")
        when = dt.datetime.strptime(self.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        if abs((dt.datetime.now(dt.UTC) - when).total_seconds()) > 900:
            return self._error(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )
        nonce = self.headers["x-acs-signature-nonce"]
        if nonce in self.cloud.nonces:
            return self._error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        canonical_query = "&".join(
            f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(query.items())
        )
        canonical_headers = "".join(
            f"{name}:{self.headers.get(name, '').strip()}\n" for name in signed_headers
        )
        canonical_request = "\n".join(
            [
                "POST",
                url.path or "/",
                canonical_query,
                canonical_headers,
                signed,
                self.headers["x-acs-content-sha256"],
            ]
        )
        string_to_sign = f"ACS3-HMAC-SHA256\n{_sha256_hex(canonical_request.encode())}"
        expected = hmac.new(
            self.cloud.access_key_secret.encode(), string_to_sign.encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return self._error(
                400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
            )
        self.cloud.nonces.add(nonce)
        if self.headers.get("x-acs-action") != "SendSms" or self.headers.get("x-acs-version") != "2017-05-25":
            return self._error(400, "InvalidAction.NotFound", "Specified api is not found.")
        self._send_sms({**query, **dict(parse_qsl(body.decode(), keep_blank_values=True))})

    def _send_sms(self, form: dict[str, str]) -> None:
        ok = {"RequestId": str(uuid.uuid4()), "BizId": f"{uuid.uuid4().int % 10**18}^0"}
        phone = form.get("PhoneNumbers", "")

        def business(code: str, message: str) -> None:
            # Business refusals come back as HTTP 200 with their code, as Aliyun answers them.
            self.cloud.rejected.append(code)
            self._answer(200, {"RequestId": ok["RequestId"], "Code": code, "Message": message})

        if form.get("SignName") != self.cloud.sign_name:
            return business("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        variables = self.cloud.templates.get(form.get("TemplateCode", ""))
        if variables is None:
            return business("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            params = json.loads(form.get("TemplateParam") or "{}")
        except ValueError:
            return business("isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if sorted(params) != sorted(variables):
            return business("isv.TEMPLATE_MISSING_PARAMETERS", "模版变量缺少对应参数值")
        if not re.fullmatch(r"1\d{10}", phone):
            return business("isv.MOBILE_NUMBER_ILLEGAL", "手机号码格式错误")
        if phone in self.cloud.refuse:
            return business(self.cloud.refuse[phone], "refused by the test")
        self.cloud.sent.append(
            Sent(phone, form["SignName"], form["TemplateCode"], params, form.get("OutId", ""))
        )
        self._answer(200, {**ok, "Code": "OK", "Message": "OK"})


class AliyunSms(_Server):
    handler = AliyunHandler


def tc3_signing_key(secret_key: str, date: str, service: str) -> bytes:
    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    return sign(sign(sign(f"TC3{secret_key}".encode(), date), service), "tc3_request")


class TencentHandler(_Handler):
    """Tencent Cloud SMS ``SendSms`` (2021-01-11), signed with TC3-HMAC-SHA256."""

    content_type = "application/json"

    def _error(self, code: str, message: str) -> None:
        self.cloud.rejected.append(code)
        # Tencent Cloud answers errors with HTTP 200 and Response.Error.
        self._answer(
            200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}
        )

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization", "")
        found = re.fullmatch(
            r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})",
            auth,
        )
        if not found:
            return self._error("AuthFailure.InvalidAuthorization", "Authorization header is invalid.")
        secret_id, date, service, signed, signature = found.groups()
        if secret_id != self.cloud.access_key_id:
            return self._error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        signed_headers = signed.split(";")
        if not {"content-type", "host"} <= set(signed_headers) or service != "sms":
            return self._error(
                "AuthFailure.InvalidAuthorization", "content-type and host must be signed for sms."
            )
        timestamp = int(self.headers.get("X-TC-Timestamp", "0"))
        now = dt.datetime.now(dt.UTC)
        if abs(now.timestamp() - timestamp) > 300:
            return self._error("AuthFailure.SignatureExpire", "Signature expired.")
        if dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d") != date:
            return self._error(
                "AuthFailure.InvalidAuthorization", "The credential date is not the timestamp's."
            )
        canonical_headers = "".join(
            f"{name}:{self.headers.get(name, '').strip().lower()}\n" for name in signed_headers
        )
        canonical_request = "\n".join(
            [
                "POST",
                urlsplit(self.path).path or "/",
                urlsplit(self.path).query,
                canonical_headers,
                signed,
                _sha256_hex(body),
            ]
        )
        string_to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{_sha256_hex(canonical_request.encode())}"
        expected = hmac.new(
            tc3_signing_key(self.cloud.access_key_secret, date, service),
            string_to_sign.encode(),
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return self._error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        if self.headers.get("X-TC-Action") != "SendSms" or self.headers.get("X-TC-Version") != "2021-01-11":
            return self._error("InvalidAction", "The action is not found.")
        self._send_sms(json.loads(body))

    def _send_sms(self, request: dict) -> None:
        if request.get("SmsSdkAppId") != self.cloud.app_id:
            return self._error("FailedOperation.SmsSdkAppIdVerifyFail", "SdkAppId verification failed.")
        if request.get("SignName") != self.cloud.sign_name:
            return self._error(
                "FailedOperation.SignatureIncorrectOrUnapproved", "The signature is not approved."
            )
        variables = self.cloud.templates.get(str(request.get("TemplateId")))
        if variables is None:
            return self._error(
                "FailedOperation.TemplateIncorrectOrUnapproved", "The template is not approved."
            )
        params = request.get("TemplateParamSet") or []
        if len(params) != len(variables):
            return self._error(
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                "The parameters do not match the template.",
            )
        statuses = []
        for number in request.get("PhoneNumberSet") or []:
            phone = number.removeprefix("+86")
            code = self.cloud.refuse.get(phone)
            if code is None and not re.fullmatch(r"1\d{10}", phone):
                code = "InvalidParameterValue.IncorrectPhoneNumber"
            if code is None:
                self.cloud.sent.append(
                    Sent(
                        phone,
                        request["SignName"],
                        str(request["TemplateId"]),
                        params,
                        request.get("SessionContext", ""),
                    )
                )
            else:
                self.cloud.rejected.append(code)
            statuses.append(
                {
                    "SerialNo": f"2028:{uuid.uuid4().int % 10**20}",
                    "PhoneNumber": number,
                    "Fee": 1 if code is None else 0,
                    "SessionContext": request.get("SessionContext", ""),
                    "Code": "Ok" if code is None else code,
                    "Message": "send success" if code is None else "refused by the test",
                    "IsoCode": "CN",
                }
            )
        self._answer(200, {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}})


class TencentSms(_Server):
    handler = TencentHandler


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.arrived:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 (aiosmtpd); ``messages`` holds what it received."""

    def __init__(self) -> None:
        self.mailbox = _Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def messages(self) -> list[Message]:
        return self.mailbox.messages

    def wait_for(self, count: int, timeout: float = 10) -> list[Message]:
        with self.mailbox.arrived:
            self.mailbox.arrived.wait_for(lambda: len(self.mailbox.messages) >= count, timeout)
        return self.mailbox.messages

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
