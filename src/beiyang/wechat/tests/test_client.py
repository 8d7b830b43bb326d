"""The access token: one for the deployment, refreshed before its end, fetched again once when
WeChat says it is invalid."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from beiyang.core.tests.threads import all_at_once
from beiyang.wechat import client

pytestmark = pytest.mark.django_db


def test_one_token_for_many_calls_at_once(wechat):
    results = all_at_once([lambda i=i: client.send_text(f"o-{i}", "你好") for i in range(8)])
    assert all(r == {"errcode": 0, "errmsg": "ok"} for r in results), results
    assert wechat.tokens_issued == 1
    assert len(wechat.sent("/cgi-bin/message/custom/send")) == 8


def test_a_token_near_its_end_is_replaced_before_it_expires(wechat):
    client.send_text("o-1", "你好")
    entry = cache.get(client.TOKEN_KEY)
    cache.set(client.TOKEN_KEY, {**entry, "expires_at": time.time() + client.REFRESH_MARGIN - 1})
    client.send_text("o-1", "你好")
    assert wechat.tokens_issued == 2
    assert cache.get(client.TOKEN_KEY)["token"] == "ACCESS-2"


@pytest.mark.parametrize("errcode", sorted(client.INVALID_TOKEN_CODES))
def test_an_invalid_token_answer_fetches_a_new_one_once(wechat, errcode):
    client.send_text("o-1", "你好")
    wechat.fail_next("/cgi-bin/message/custom/send", errcode)
    assert client.send_text("o-1", "再来") == {"errcode": 0, "errmsg": "ok"}
    assert wechat.tokens_issued == 2


def test_a_revoked_token_is_replaced_once_for_every_caller_at_once(wechat):
    client.send_text("o-1", "你好")
    wechat.revoke_tokens()
    results = all_at_once([lambda i=i: client.send_text(f"o-{i}", "你好") for i in range(6)])
    assert all(r == {"errcode": 0, "errmsg": "ok"} for r in results), results
    assert wechat.tokens_issued == 2


def test_a_token_refused_twice_is_an_error_not_a_loop(wechat):
    wechat.fail_next("/cgi-bin/message/custom/send", 40001)
    wechat.fail_next("/cgi-bin/message/custom/send", 40001)
    with pytest.raises(client.WeChatApiError) as caught:
        client.send_text("o-1", "你好")
    assert caught.value.errcode == 40001 and wechat.tokens_issued == 2


def test_other_errors_are_raised_without_a_new_token(wechat):
    wechat.fail_next("/cgi-bin/message/custom/send", 45047, "out of response count limit")
    with pytest.raises(client.WeChatApiError) as caught:
        client.send_text("o-1", "你好")
    assert caught.value.errcode == 45047 and wechat.tokens_issued == 1


def test_a_wrong_secret_is_wechats_error(wechat, settings):
    settings.WECHAT_APP_SECRET = "wrong"
    with pytest.raises(client.WeChatApiError) as caught:
        client.send_text("o-1", "你好")
    assert caught.value.errcode == 40125
