"""The SMS gateway interface. One method, ``send``; backends chosen by ``SMS_BACKEND``.

- ``FileSmsBackend`` (default): appends each message as a JSON line to ``var/sms-outbox.log``
  so that a developer can read the login code without a gateway.
- ``ConsoleSmsBackend``: prints to stdout.
- ``LocmemSmsBackend``: keeps messages in ``outbox`` for tests.
- ``HttpSmsBackend``: POSTs ``{"phone", "text"}`` as JSON to ``SMS_GATEWAY_URL`` with a bearer
  token and the sender's ``Idempotency-Key`` (a message re-sent after a worker died is sent
  once by a gateway that honours it); a non-2xx answer raises ``SmsDeliveryError``.
"""

from __future__ import annotations

import json
import logging
import threading
from functools import cache

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from beiyang.core import outbound

logger = logging.getLogger(__name__)

outbox: list[dict] = []
_lock = threading.Lock()


class SmsDeliveryError(Exception):
    pass


class SmsBackend:
    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        """Send one message; return the gateway's message id (or a local one). A repeat with the
        same ``idempotency_key`` is the same message."""
        raise NotImplementedError


class LocmemSmsBackend(SmsBackend):
    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        with _lock:
            outbox.append({"phone": phone, "text": text, "idempotency_key": idempotency_key})
            return f"locmem-{len(outbox)}"


class ConsoleSmsBackend(SmsBackend):
    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        print(f"[SMS to {phone}] {text}", flush=True)
        return "console"


class FileSmsBackend(SmsBackend):
    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        line = json.dumps(
            {"at": timezone.now().isoformat(), "phone": phone, "text": text}, ensure_ascii=False
        )
        with _lock, open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        logger.info("SMS to %s written to %s", phone, settings.SMS_FILE_PATH)
        return "file"


class HttpSmsBackend(SmsBackend):
    def send(self, phone: str, text: str, idempotency_key: str = "") -> str:
        if not settings.SMS_GATEWAY_URL:
            raise SmsDeliveryError("SMS_GATEWAY_URL is not set")
        headers = (
            {"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"} if settings.SMS_GATEWAY_TOKEN else {}
        )
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            resp = outbound.client().post(
                settings.SMS_GATEWAY_URL, json={"phone": phone, "text": text}, headers=headers, timeout=5.0
            )
        except httpx.HTTPError as exc:
            raise SmsDeliveryError(str(exc)) from exc
        if resp.status_code // 100 != 2:
            raise SmsDeliveryError(f"gateway answered {resp.status_code}: {resp.text[:200]}")
        try:
            return str(resp.json().get("id", ""))
        except ValueError:
            return ""


@cache
def _backend_class(path: str) -> type[SmsBackend]:
    return import_string(path)


def get_backend() -> SmsBackend:
    return _backend_class(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str, idempotency_key: str = "") -> str:
    return get_backend().send(phone, text, idempotency_key=idempotency_key)
