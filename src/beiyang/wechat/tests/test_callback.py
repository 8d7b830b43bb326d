"""The message server at /wechat/callback, with WeChat's side played from the protocol."""

from __future__ import annotations

import time
from xml.etree import ElementTree

import pytest
from conftest import assert_error_body
from wechatpy.crypto import WeChatCrypto

from beiyang.agent.models import Turn
from beiyang.core.tests.threads import all_at_once, wait_for
from beiyang.wechat import actions, crypto
from beiyang.wechat.models import Follower, InboundMessage
from beiyang.wechat.tests.fake_wechat import ACCOUNT, APP_ID, ENCODING_AES_KEY, TOKEN

# The agent answers in a thread of its own: it must see what the test wrote.
pytestmark = pytest.mark.django_db(transaction=True)


def reply_of(resp) -> dict[str, str]:
    assert resp.status_code == 200, resp.content[:300]
    return {child.tag: child.text or "" for child in ElementTree.fromstring(resp.content)}


def test_url_verification_echoes_only_a_signed_check(wechat_server):
    query = wechat_server.query()
    resp = wechat_server.client.get("/wechat/callback", {**query, "echostr": "4781203947812"})
    assert resp.status_code == 200 and resp.content == b"4781203947812"
    forged = {**query, "signature": "0" * 40, "echostr": "4781203947812"}
    resp = wechat_server.client.get("/wechat/callback", forged)
    assert resp.status_code == 403 and b"4781203947812" not in resp.content
    assert assert_error_body(resp.json())["field"] == "signature"


def test_off_when_unset(db, client, settings):
    settings.WECHAT_APP_ID = ""
    assert client.get("/wechat/callback", {"echostr": "1"}).status_code == 404
    assert client.get("/wechat/oauth/start").status_code == 404


def test_a_plaintext_question_is_answered_by_the_agent_passively(wechat_server):
    reply = reply_of(wechat_server.post(wechat_server.text_xml("o-visitor-1", "算力券最多补多少?")))
    assert reply["ToUserName"] == "o-visitor-1" and reply["FromUserName"] == ACCOUNT
    assert reply["MsgType"] == "text" and "100万元" in reply["Content"]
    assert Turn.objects.filter(role="founder", text="算力券最多补多少?", conversation__user=None).count() == 1
    assert Follower.objects.get(openid="o-visitor-1").user is None  # a visitor


def test_a_safe_mode_question_gets_an_encrypted_signed_reply(wechat_safe_server):
    envelope = reply_of(
        wechat_safe_server.post(wechat_safe_server.text_xml("o-visitor-2", "算力券最多补多少?"))
    )
    assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    # wechatpy checks the signature and the appid, and opens it.
    inner = WeChatCrypto(TOKEN, ENCODING_AES_KEY, APP_ID).decrypt_message(
        f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>",
        envelope["MsgSignature"],
        envelope["TimeStamp"],
        envelope["Nonce"],
    )
    reply = {child.tag: child.text or "" for child in ElementTree.fromstring(inner)}
    assert reply["ToUserName"] == "o-visitor-2" and "100万元" in reply["Content"]
    assert crypto.decrypt(ENCODING_AES_KEY, envelope["Encrypt"])[1] == APP_ID


@pytest.mark.parametrize(
    "forge",
    [
        {"signature": "f" * 40},
        {"token": "not-our-token"},
        {"timestamp": int(time.time()) - 3600},  # an hour old: a replay
        {"timestamp": int(time.time()) + 3600},
    ],
    ids=["signature", "token", "stale", "future"],
)
def test_forged_or_replayed_messages_are_refused_and_nothing_is_processed(wechat_server, forge):
    query = wechat_server.query(**{k: v for k, v in forge.items() if k != "signature"})
    query.update({k: v for k, v in forge.items() if k == "signature"})
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    resp = wechat_server.client.post(
        f"/wechat/callback?{qs}", data=wechat_server.text_xml("o-x", "转人工"), content_type="text/xml"
    )
    assert resp.status_code == 403
    assert_error_body(resp.json())
    assert not InboundMessage.objects.exists() and not Turn.objects.exists() and not Follower.objects.exists()


def test_safe_mode_checks_the_message_signature_and_the_appid(wechat_safe_server):
    server = wechat_safe_server
    # WeChat's plain signature right, the ciphertext's forged.
    resp = server.post(server.text_xml("o-y", "转人工"), forge_msg_signature=True)
    assert resp.status_code == 403 and resp.json()["field"] == "msg_signature"
    # Signed right, but encrypted for another account.
    resp = server.post(server.text_xml("o-y", "转人工"), app_id="wx0000000000000000")
    assert resp.status_code == 403 and resp.json()["field"] == "Encrypt"
    assert not InboundMessage.objects.exists() and not Turn.objects.exists()


def test_xml_with_a_dtd_is_refused(wechat_server):
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>'
    resp = wechat_server.post(bomb)
    assert resp.status_code == 400 and resp.json()["field"] == "body"


def test_retries_of_one_msgid_are_answered_once(wechat_server):
    xml = wechat_server.text_xml("o-retry", "算力券最多补多少?", msg_id=6_000_000_001)
    answers = all_at_once([lambda: wechat_server.post(xml)] * 4)
    bodies = [a.content for a in answers]
    assert sum(b"100" in body for body in bodies) == 1, bodies
    assert bodies.count(b"success") == 3
    assert Turn.objects.filter(role="founder").count() == 1
    assert InboundMessage.objects.get().status == InboundMessage.ANSWERED


def test_a_slow_answer_comes_by_the_customer_service_api(wechat_server, wechat, monkeypatch):
    real = actions.agent_answer

    def slow(openid, text):
        time.sleep(0.5)
        return real(openid, text)

    monkeypatch.setattr(actions, "REPLY_BUDGET_SECONDS", 0.05)
    monkeypatch.setattr(actions, "agent_answer", slow)
    resp = wechat_server.post(wechat_server.text_xml("o-slow", "算力券最多补多少?"))
    assert resp.status_code == 200 and resp.content == b"success"
    assert wait_for(lambda: wechat.sent("/cgi-bin/message/custom/send"))
    sent = wechat.sent("/cgi-bin/message/custom/send")[0]
    assert sent["touser"] == "o-slow" and "100万元" in sent["text"]["content"]
    assert wait_for(lambda: InboundMessage.objects.get().status == InboundMessage.SENT)
    assert wechat.tokens_issued == 1


def test_follow_gets_a_welcome_with_the_three_things_founders_do_most(wechat_server):
    from beiyang.agent.models import Conversation

    conversation = Conversation.objects.create()
    for _ in range(3):  # founders lately ask most about vouchers
        Turn.objects.create(conversation=conversation, role="founder", text="券", intent="voucher_balance")
    reply = reply_of(wechat_server.post(wechat_server.event_xml("o-new", "subscribe")))["Content"]
    lines = reply.splitlines()
    assert lines[1].startswith("1. ") and "券余额" in lines[1]
    assert lines[3].startswith("3. ") and not any(line.startswith("4. ") for line in lines)
    assert "/wechat/oauth/start" in reply  # a visitor is told how to bind
    assert Follower.objects.get(openid="o-new").subscribed
    assert wechat_server.post(wechat_server.event_xml("o-new", "unsubscribe")).content == b"success"
    assert not Follower.objects.get(openid="o-new").subscribed


def test_a_menu_click_is_routed_like_the_message_it_stands_for(wechat_server):
    reply = reply_of(wechat_server.post(wechat_server.event_xml("o-click", "CLICK", "APPLICATION_STATUS")))
    assert "登录" in reply["Content"]  # a visitor's application status needs an account
    turn = Turn.objects.get(role="founder")
    assert turn.text == "我的申请审到哪了?" and turn.intent == "application_status"
