"""WeChat's API played from its published behaviour, as a real HTTP server on loopback: the
access token (and its invalidation), customer-service and template messages, web OAuth's code
exchange, the menu and the template list, with WeChat's error codes and answers."""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

APP_ID = "wx5e1d3a9b0c7f2468"
APP_SECRET = "4f1c9e2a7b3d5f60819a2b3c4d5e6f70"
TOKEN = "beiyangtoken2027"
ENCODING_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ"
ACCOUNT = "gh_beiyang0001"


class FakeWeChat:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, str], Any]] = []
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        self.codes: dict[str, str] = {}
        self.template_ids = {"TPL-EVENT", "TPL-APPLICATION", "TPL-SERVICE", "TPL-RESULT"}
        self.failures: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1000)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, body: dict[str, Any]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(200)  # WeChat answers errors with 200 and an errcode
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                self._answer(
                    fake.handle("GET", url.path, {k: v[0] for k, v in parse_qs(url.query).items()}, None)
                )

            def do_POST(self):
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    body = json.loads(raw.decode())
                except ValueError:
                    self._answer({"errcode": 47001, "errmsg": "data format error"})
                    return
                self._answer(
                    fake.handle("POST", url.path, {k: v[0] for k, v in parse_qs(url.query).items()}, body)
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeWeChat:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- what tests arrange ---------------------------------------------------------------
    def fail_next(self, path: str, errcode: int, errmsg: str = "arranged") -> None:
        self.failures.setdefault(path, []).append({"errcode": errcode, "errmsg": errmsg})

    def revoke_tokens(self) -> None:
        """As when the secret is reset or another party fetched a token: every token is invalid."""
        with self.lock:
            self.valid_tokens.clear()

    def oauth_code(self, openid: str) -> str:
        code = f"code-{next(self._ids)}"
        self.codes[code] = openid
        return code

    def sent(self, path: str) -> list[dict[str, Any]]:
        return [body for p, _q, body in self.calls if p == path]

    # -- WeChat's side --------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        with self.lock:
            self.calls.append((path, query, body))
            if self.failures.get(path):
                return self.failures[path].pop(0)
            if path == "/cgi-bin/token":
                if query.get("appid") != APP_ID or query.get("secret") != APP_SECRET:
                    return {"errcode": 40125, "errmsg": "invalid appsecret"}
                self.tokens_issued += 1
                token = f"ACCESS-{self.tokens_issued}"
                # Fetching a new token invalidates the previous one (after a short overlap).
                self.valid_tokens = {token}
                return {"access_token": token, "expires_in": 7200}
            if path == "/sns/oauth2/access_token":
                if query.get("appid") != APP_ID or query.get("secret") != APP_SECRET:
                    return {"errcode": 40125, "errmsg": "invalid appsecret"}
                openid = self.codes.pop(query.get("code", ""), None)  # a code is good once
                if openid is None:
                    return {"errcode": 40029, "errmsg": "invalid code"}
                return {
                    "access_token": "web-token",
                    "expires_in": 7200,
                    "refresh_token": "web-refresh",
                    "openid": openid,
                    "scope": "snsapi_base",
                }
            token = query.get("access_token", "")
            if not token:
                return {"errcode": 41001, "errmsg": "access_token missing"}
            if token not in self.valid_tokens:
                return {
                    "errcode": 40001,
                    "errmsg": "invalid credential, access_token is invalid or not latest",
                }
            if path == "/cgi-bin/message/custom/send" and method == "POST":
                if body.get("msgtype") != "text" or not body.get("touser"):
                    return {"errcode": 40008, "errmsg": "invalid message type"}
                return {"errcode": 0, "errmsg": "ok"}
            if path == "/cgi-bin/message/template/send" and method == "POST":
                if body.get("template_id") not in self.template_ids:
                    return {"errcode": 40037, "errmsg": "invalid template_id"}
                return {"errcode": 0, "errmsg": "ok", "msgid": next(self._ids)}
            if path == "/cgi-bin/menu/create" and method == "POST":
                buttons = body.get("button") or []
                if not 1 <= len(buttons) <= 3:
                    return {"errcode": 40016, "errmsg": "invalid button size"}
                return {"errcode": 0, "errmsg": "ok"}
            if path == "/cgi-bin/template/get_all_private_template" and method == "GET":
                return {"template_list": [{"template_id": t, "title": t} for t in sorted(self.template_ids)]}
            return {"errcode": 40066, "errmsg": "invalid url"}
