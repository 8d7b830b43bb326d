from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from beiyang.wechat import crypto
from beiyang.wechat.tests.fake_wechat import ACCOUNT, APP_ID, APP_SECRET, ENCODING_AES_KEY, TOKEN, FakeWeChat


@pytest.fixture(scope="session")
def _agent_models_loaded(django_db_setup, django_db_blocker):
    """Loading the agent's models takes longer than WeChat's 5 s (the callback warms them on
    WeChat's first call; a test starts with them loaded)."""
    from beiyang.agent.nlu import understand

    with django_db_blocker.unblock():
        understand("预热")


@pytest.fixture
def wechat(settings, tmp_path, _agent_models_loaded):
    """The five variables set, WECHAT_API_BASE at a fake WeChat on loopback, and a test
    config file with the fake's template ids."""
    import yaml

    fake = FakeWeChat().start()
    settings.WECHAT_APP_ID = APP_ID
    settings.WECHAT_APP_SECRET = APP_SECRET
    settings.WECHAT_TOKEN = TOKEN
    settings.WECHAT_ENCODING_AES_KEY = ENCODING_AES_KEY
    settings.WECHAT_API_BASE = fake.base_url
    spec = yaml.safe_load(Path(django_settings.WECHAT_CONFIG_FILE).read_text(encoding="utf-8"))
    ids = {
        "event": "TPL-EVENT",
        "application": "TPL-APPLICATION",
        "service": "TPL-SERVICE",
        "agent": "TPL-SERVICE",
    }
    for kind, template in spec["templates"].items():
        template["template_id"] = ids.get(kind, "TPL-RESULT")
    path = tmp_path / "wechat.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    settings.WECHAT_CONFIG_FILE = str(path)
    yield fake
    # Answers still being worked out in the agent's threads finish before the database goes.
    from beiyang.core.tests.threads import wait_for
    from beiyang.wechat.models import InboundMessage

    wait_for(lambda: not InboundMessage.objects.filter(status__in=["pending", "deferred"]).exists(), 30)
    fake.stop()


class WeChatServer:
    """WeChat's message server side: signs (and in safe mode encrypts) what it posts to
    /wechat/callback, as the published protocol says, with a client of its own."""

    servers = 0

    def __init__(self, safe_mode: bool = False) -> None:
        self.client = Client()
        self.safe_mode = safe_mode
        WeChatServer.servers += 1  # each its own MsgIds: the same id twice is a retry
        self.msg_ids = itertools.count(WeChatServer.servers * 1_000_000_000)

    def query(
        self, *, timestamp: int | None = None, nonce: str = "n0nce", token: str = TOKEN
    ) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        return {"timestamp": ts, "nonce": nonce, "signature": crypto.signature(token, ts, nonce)}

    def text_xml(self, openid: str, content: str, msg_id: int | None = None) -> str:
        msg_id = msg_id if msg_id is not None else next(self.msg_ids)
        return (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
        )

    def event_xml(self, openid: str, event: str, key: str = "") -> str:
        return (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
        )

    def post(self, xml: str, *, app_id: str = APP_ID, forge_msg_signature: bool = False, **query_kw):
        query = self.query(**query_kw)
        if self.safe_mode:
            ciphertext = crypto.encrypt(ENCODING_AES_KEY, app_id, xml)
            query["encrypt_type"] = "aes"
            query["msg_signature"] = crypto.signature(TOKEN, query["timestamp"], query["nonce"], ciphertext)
            if forge_msg_signature:
                query["msg_signature"] = crypto.signature(TOKEN, query["timestamp"], query["nonce"], "forged")
            xml = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        return self.client.post(f"/wechat/callback?{qs}", data=xml.encode(), content_type="text/xml")


@pytest.fixture
def wechat_server(wechat):
    return WeChatServer()


@pytest.fixture
def wechat_safe_server(wechat):
    return WeChatServer(safe_mode=True)
