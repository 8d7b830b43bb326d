"""Issue 29's 'done when', in one story, with the five variables set and WeChat played by a
fake API server on loopback and by wechatpy's crypto."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from conftest import page_client
from wechatpy.crypto import WeChatCrypto

from beiyang.applications.actions import do_start_application
from beiyang.applications.models import Application
from beiyang.events.models import Registration
from beiyang.events.tests.factories import EventFactory
from beiyang.wechat.models import Follower
from beiyang.wechat.tests.conftest import WeChatServer
from beiyang.wechat.tests.fake_wechat import APP_ID, ENCODING_AES_KEY, TOKEN

pytestmark = pytest.mark.django_db(transaction=True)


def opened(resp) -> dict[str, str]:
    """The reply WeChat would show: decrypted and its signature checked by wechatpy."""
    assert resp.status_code == 200 and resp.content != b"success", resp.content[:200]
    envelope = {c.tag: c.text or "" for c in ElementTree.fromstring(resp.content)}
    inner = WeChatCrypto(TOKEN, ENCODING_AES_KEY, APP_ID).decrypt_message(
        f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>",
        envelope["MsgSignature"],
        envelope["TimeStamp"],
        envelope["Nonce"],
    )
    return {c.tag: c.text or "" for c in ElementTree.fromstring(inner)}


def test_wechat_done_when(wechat, make_founder, settings):
    plain, safe = WeChatServer(), WeChatServer(safe_mode=True)

    # URL verification.
    assert plain.client.get("/wechat/callback", {**plain.query(), "echostr": "e42"}).content == b"e42"

    # A plaintext and a safe-mode question answered by the agent, passively (within WeChat's wait).
    reply = ElementTree.fromstring(plain.post(plain.text_xml("o-visitor", "算力券最多补多少?")).content)
    assert reply.findtext("ToUserName") == "o-visitor" and "100万元" in reply.findtext("Content")
    reply = opened(safe.post(safe.text_xml("o-visitor", "模速路演日是什么?")))
    assert reply["ToUserName"] == "o-visitor" and reply["Content"]

    # Forged signatures refused.
    forged = plain.query()
    forged["signature"] = "0" * 40
    qs = "&".join(f"{k}={v}" for k, v in forged.items())
    assert (
        plain.client.post(
            f"/wechat/callback?{qs}", plain.text_xml("o-x", "转人工"), content_type="text/xml"
        ).status_code
        == 403
    )
    assert safe.post(safe.text_xml("o-x", "转人工"), forge_msg_signature=True).status_code == 403

    # A founder binds by OAuth from the portal; a wrong state is refused.
    founder, company, _api = make_founder()
    portal = page_client(founder)
    assert "snsapi_base" in portal.get("/wechat/oauth/start").url
    code = wechat.oauth_code("o-founder")
    assert portal.get("/wechat/oauth/callback", {"code": code, "state": "forged"}).status_code == 403
    portal.get("/wechat/oauth/start")
    state = portal.session["wechat_oauth"]["state"]
    assert portal.get("/wechat/oauth/callback", {"code": code, "state": state}).status_code == 302
    assert Follower.objects.get(openid="o-founder").user == founder

    # Another founder's application, which must not be the answer.
    other, _c, _a = make_founder()
    theirs = do_start_application(other, policy_id="startup-capital")

    # From WeChat: the founder applies (the agent proposes, the founder confirms), then asks.
    proposal = opened(safe.post(safe.text_xml("o-founder", "我要申请启动资金")))["Content"]
    assert not Application.objects.filter(company=company).exists(), proposal
    opened(safe.post(safe.text_xml("o-founder", "好的")))
    mine = Application.objects.get(company=company)
    status = opened(safe.post(safe.text_xml("o-founder", "我的启动资金申请审到哪了")))["Content"]
    assert f"#{mine.pk}" in status and "草稿" in status
    assert f"#{theirs.pk}" not in status

    # A registration's message arrives at WeChat's API for that openid.
    event = EventFactory(kind="roadshow", title="模速路演日 · 第20期", capacity=5)
    opened(safe.post(safe.text_xml("o-founder", "帮我报名模速路演日")))
    assert not Registration.objects.exists()
    done = opened(safe.post(safe.text_xml("o-founder", "确认")))["Content"]
    assert Registration.objects.get(event=event).user == founder and "签到码" in done
    sent = [m for m in wechat.sent("/cgi-bin/message/template/send") if m["touser"] == "o-founder"]
    assert any(m["data"]["first"]["value"].startswith("报名成功") for m in sent), sent
    assert all(m["url"].startswith(settings.SITE_URL) for m in sent)

    # The access token was fetched once for all of it.
    assert wechat.tokens_issued == 1
