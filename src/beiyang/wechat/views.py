"""WeChat's door: the message server at /wechat/callback, web OAuth, and unbinding.

Thin, as every view: check what WeChat signed, parse, one action, render the reply."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode
from xml.etree import ElementTree

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from beiyang.core.errors import AccessDenied, DomainError, InvalidInput
from beiyang.wechat import actions, client, crypto
from beiyang.wechat.models import KIND_LABELS

AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
# WeChat signs the time it sent a message; older (or further ahead) than this is a replay.
MAX_CLOCK_SKEW_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024
SESSION_STATE = "wechat_oauth"
LOGIN_BACKEND = "beiyang.accounts.backends.PhonePasswordBackend"


def _refuse(exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})


def _check_signed(request: HttpRequest) -> None:
    """The query's ``signature`` is WeChat's (our token), and its ``timestamp`` is recent."""
    params = request.GET
    timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
    if not crypto.signature_matches(params.get("signature", ""), settings.WECHAT_TOKEN, timestamp, nonce):
        raise AccessDenied("签名无效", "Invalid signature", field="signature", code="bad_signature")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        raise AccessDenied(
            "时间戳过期,疑似重放", "Stale timestamp (replay?)", field="timestamp", code="stale"
        )


def parse_xml(body: bytes) -> dict[str, str]:
    """The children of WeChat's flat ``<xml>`` as a dict. Untrusted: no DTD may be declared
    (entities are the XML bombs), and only a flat document is read."""
    if len(body) > MAX_BODY_BYTES or b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise InvalidInput("消息格式无效", "Malformed message", field="body")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise InvalidInput("消息格式无效", "Malformed message", field="body") from None
    return {child.tag: (child.text or "") for child in root}


def reply_xml(to_user: str, from_user: str, text: str) -> str:
    def cdata(value: str) -> str:
        return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"

    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(text)}</Content></xml>"
    )


def encrypted_reply(xml: str) -> str:
    """A reply in safe mode: encrypted for our appid and signed with a fresh time and nonce."""
    ciphertext = crypto.encrypt(settings.WECHAT_ENCODING_AES_KEY, settings.WECHAT_APP_ID, xml)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signed = crypto.signature(settings.WECHAT_TOKEN, timestamp, nonce, ciphertext)
    return (
        f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt><MsgSignature><![CDATA[{signed}]]></MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
    )


def _opened(request: HttpRequest, outer: dict[str, str]) -> dict[str, str]:
    """The message inside a safe-mode envelope, after its ``msg_signature`` and appid match."""
    ciphertext = outer.get("Encrypt", "")
    params = request.GET
    if not crypto.signature_matches(
        params.get("msg_signature", ""),
        settings.WECHAT_TOKEN,
        params.get("timestamp", ""),
        params.get("nonce", ""),
        ciphertext,
    ):
        raise AccessDenied(
            "签名无效", "Invalid message signature", field="msg_signature", code="bad_signature"
        )
    try:
        inner, app_id = crypto.decrypt(settings.WECHAT_ENCODING_AES_KEY, ciphertext)
    except crypto.WeChatCryptoError:
        raise InvalidInput("密文无效", "Undecryptable message", field="Encrypt") from None
    if app_id != settings.WECHAT_APP_ID:
        raise AccessDenied("消息不是发给本公众号的", "Message for another appid", field="Encrypt")
    return parse_xml(inner.encode())


@csrf_exempt
def callback(request: HttpRequest) -> HttpResponse:
    if not client.enabled():
        raise Http404
    try:
        _check_signed(request)
        actions.warm_up_agent()
        if request.method == "GET":  # the URL check when the server address is saved
            return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
        if request.method != "POST":
            return HttpResponse(status=405)
        safe_mode = request.GET.get("encrypt_type", "raw") == "aes"
        msg = parse_xml(request.body)
        if safe_mode:
            msg = _opened(request, msg)
        reply = actions.do_receive(msg)
    except DomainError as exc:
        return _refuse(exc)
    if not reply:
        return HttpResponse("success", content_type="text/plain")
    xml = reply_xml(msg.get("FromUserName", ""), msg.get("ToUserName", ""), reply)
    return HttpResponse(encrypted_reply(xml) if safe_mode else xml, content_type="application/xml")


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return reverse("web:profile")


def oauth_start(request: HttpRequest) -> HttpResponse:
    """Off to WeChat's authorize page (``snsapi_base``: the openid, silently, in WeChat's
    browser), with a ``state`` only this session knows."""
    if not client.enabled():
        raise Http404
    state = secrets.token_urlsafe(16)
    request.session[SESSION_STATE] = {"state": state, "next": _safe_next(request, request.GET.get("next"))}
    redirect_uri = f"{settings.SITE_URL.rstrip('/')}{reverse('wechat:oauth_callback')}"
    query = urlencode(
        {
            "appid": settings.WECHAT_APP_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    return redirect(f"{AUTHORIZE_URL}?{query}#wechat_redirect")


def _bad_request(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "web/bad_request.html", {"error": exc}, status=exc.status)


def oauth_callback(request: HttpRequest) -> HttpResponse:
    """Back from WeChat: the ``state`` must be this session's; the ``code`` gives the openid,
    which is bound to the signed-in account, or signs in the account bound to it."""
    if not client.enabled():
        raise Http404
    pending = request.session.pop(SESSION_STATE, None)
    state = request.GET.get("state", "")
    if not isinstance(pending, dict) or not secrets.compare_digest(str(pending.get("state", "")), state):
        return _bad_request(
            request,
            AccessDenied("授权已失效,请重新绑定", "The sign-in link expired; try again", field="state"),
        )
    code = request.GET.get("code", "")
    if not code:
        return _bad_request(request, InvalidInput("您没有同意授权", "WeChat gave no code", field="code"))
    try:
        openid = client.oauth_openid(code)
    except (client.WeChatApiError, OSError) as exc:
        detail = exc.errmsg if isinstance(exc, client.WeChatApiError) else type(exc).__name__
        return _bad_request(
            request,
            InvalidInput("微信授权失败,请重试", f"WeChat refused the code ({detail})", field="code"),
        )
    next_url = pending.get("next") or reverse("web:profile")
    if request.user.is_authenticated:
        try:
            actions.check_bind(request.user, openid)
        except DomainError as exc:
            return _bad_request(request, exc)
        messages.success(request, _("WeChat is bound to your account."))
        return redirect(next_url)
    user = actions.check_wechat_login(openid)
    if user is None:
        # Sign in by phone first, then come back through OAuth to bind.
        start = f"{reverse('wechat:oauth_start')}?{urlencode({'next': next_url})}"
        return redirect(f"{reverse('web:login')}?{urlencode({'next': start})}")
    login(request, user, backend=LOGIN_BACKEND)
    return redirect(next_url)


@login_required
@require_POST
def unbind(request: HttpRequest) -> HttpResponse:
    if actions.do_unbind(request.user) is not None:
        messages.success(request, _("WeChat is unbound."))
    return redirect("web:profile")


@login_required
@require_POST
def kinds(request: HttpRequest) -> HttpResponse:
    """Which kinds of the town's messages come to WeChat (the unticked are declined)."""
    wanted = set(request.POST.getlist("kind"))
    try:
        actions.do_set_declined_kinds(request.user, [k for k in KIND_LABELS if k not in wanted])
    except DomainError as exc:
        return _bad_request(request, exc)
    messages.success(request, _("Saved."))
    return redirect("web:profile")
