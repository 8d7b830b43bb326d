"""The WeChat API as the platform uses it, and the access token every call needs.

The token lasts 7,200 s and WeChat invalidates the previous one each time a new one is fetched,
so the deployment fetches one and shares it: it lives in the cache (Redis when ``REDIS_URL`` is
set, so every server process and the worker share it), one caller at a time fetches (a lock in
the cache, and one in the process so its threads wait instead of polling), and it is replaced
``REFRESH_MARGIN`` seconds before it expires. An answer saying the token is invalid (40001,
40014, 42001: revoked, mistyped, expired early) makes the caller fetch a new one once, unless
another caller already did, and try again.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache

from beiyang.core import outbound

logger = logging.getLogger(__name__)

INVALID_TOKEN_CODES = frozenset({40001, 40014, 42001})
TOKEN_KEY = "wechat:access_token"
LOCK_KEY = "wechat:access_token:lock"
REFRESH_MARGIN = 300
LOCK_SECONDS = 15
TIMEOUT = 5.0
_process_lock = threading.Lock()


class WeChatApiError(Exception):
    """WeChat answered with an ``errcode`` other than 0 (or not with JSON)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


def enabled() -> bool:
    """Configured: the four secrets are set. Unset, the app answers nothing and sends nothing."""
    return all(
        (
            settings.WECHAT_APP_ID,
            settings.WECHAT_APP_SECRET,
            settings.WECHAT_TOKEN,
            settings.WECHAT_ENCODING_AES_KEY,
        )
    )


def _url(path: str) -> str:
    return f"{settings.WECHAT_API_BASE}{path}"


def _answer(resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        raise WeChatApiError(-2, f"HTTP {resp.status_code}, not JSON") from None
    if not isinstance(body, dict):
        raise WeChatApiError(-2, "not a JSON object")
    if body.get("errcode", 0) != 0:
        raise WeChatApiError(int(body["errcode"]), str(body.get("errmsg", "")))
    return body


def _fresh(entry: Any, stale: str | None) -> str | None:
    if not isinstance(entry, dict) or entry.get("token") in (None, stale):
        return None
    return entry["token"] if entry.get("expires_at", 0) - REFRESH_MARGIN > time.time() else None


def _fetch_token() -> dict[str, Any]:
    body = _answer(
        outbound.client().get(
            _url("/cgi-bin/token"),
            params={
                "grant_type": "client_credential",
                "appid": settings.WECHAT_APP_ID,
                "secret": settings.WECHAT_APP_SECRET,
            },
            timeout=TIMEOUT,
        )
    )
    expires_in = int(body.get("expires_in", 7200))
    return {"token": body["access_token"], "expires_at": time.time() + expires_in, "expires_in": expires_in}


def access_token(*, stale: str | None = None) -> str:
    """The deployment's token, fetched only when none is cached, it is near its end, or it is
    ``stale`` (WeChat refused it) and nobody has replaced it yet."""
    if token := _fresh(cache.get(TOKEN_KEY), stale):
        return token
    with _process_lock:
        deadline = time.monotonic() + LOCK_SECONDS
        while True:
            if token := _fresh(cache.get(TOKEN_KEY), stale):
                return token
            if cache.add(LOCK_KEY, 1, LOCK_SECONDS):
                try:
                    # Another process may have stored one between our look and our lock.
                    if token := _fresh(cache.get(TOKEN_KEY), stale):
                        return token
                    entry = _fetch_token()
                    cache.set(TOKEN_KEY, entry, timeout=entry["expires_in"])
                    logger.info("wechat access token fetched (lasts %ss)", entry["expires_in"])
                    return entry["token"]
                finally:
                    cache.delete(LOCK_KEY)
            if time.monotonic() > deadline:
                raise WeChatApiError(-1, "timed out waiting for another process to fetch the access token")
            time.sleep(0.05)


def call(method: str, path: str, *, json: dict | None = None, params: dict | None = None) -> dict[str, Any]:
    """One API call with the shared token; on an invalid-token answer, once more with a new one."""
    token = access_token()
    for attempt in (1, 2):
        resp = outbound.client().request(
            method,
            _url(path),
            params={**(params or {}), "access_token": token},
            content=None if json is None else _json_bytes(json),
            headers={"Content-Type": "application/json; charset=utf-8"} if json is not None else None,
            timeout=TIMEOUT,
        )
        try:
            return _answer(resp)
        except WeChatApiError as exc:
            if exc.errcode not in INVALID_TOKEN_CODES or attempt == 2:
                raise
            logger.warning("wechat refused the access token (%s); fetching a new one", exc.errcode)
            token = access_token(stale=token)
    raise AssertionError("unreachable")


def _json_bytes(value: dict) -> bytes:
    import json

    # WeChat shows \uXXXX escapes literally in some message types: send UTF-8 as it is.
    return json.dumps(value, ensure_ascii=False).encode()


def send_text(openid: str, text: str) -> dict[str, Any]:
    """A customer-service message (within 48 hours of the person's last message)."""
    return call(
        "POST",
        "/cgi-bin/message/custom/send",
        json={"touser": openid, "msgtype": "text", "text": {"content": text}},
    )


def send_template(openid: str, template_id: str, url: str, data: dict[str, str]) -> str:
    """A template message; WeChat's ``msgid``."""
    body = call(
        "POST",
        "/cgi-bin/message/template/send",
        json={
            "touser": openid,
            "template_id": template_id,
            "url": url,
            "data": {name: {"value": value} for name, value in data.items()},
        },
    )
    return str(body.get("msgid", ""))


def create_menu(menu: dict[str, Any]) -> dict[str, Any]:
    return call("POST", "/cgi-bin/menu/create", json=menu)


def private_templates() -> list[dict[str, Any]]:
    return call("GET", "/cgi-bin/template/get_all_private_template").get("template_list", [])


def oauth_openid(code: str) -> str:
    """The openid web OAuth's ``code`` stands for (``snsapi_base``: nothing else is asked)."""
    body = _answer(
        outbound.client().get(
            _url("/sns/oauth2/access_token"),
            params={
                "appid": settings.WECHAT_APP_ID,
                "secret": settings.WECHAT_APP_SECRET,
                "code": code,
                "grant_type": "authorization_code",
            },
            timeout=TIMEOUT,
        )
    )
    openid = body.get("openid")
    if not isinstance(openid, str) or not openid:
        raise WeChatApiError(-2, "no openid in the answer")
    return openid
