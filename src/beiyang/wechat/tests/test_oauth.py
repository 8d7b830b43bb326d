"""Binding an openid to a phone account by web OAuth, signing in by it, unbinding."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import page_client

from beiyang.accounts.tests.factories import UserFactory
from beiyang.core.models import AuditEntry
from beiyang.notifications.actions import preference_for
from beiyang.wechat.models import Follower
from beiyang.wechat.tests.fake_wechat import APP_ID

pytestmark = pytest.mark.django_db


def start(client, next_url="/me/") -> dict[str, str]:
    resp = client.get("/wechat/oauth/start", {"next": next_url})
    assert resp.status_code == 302
    url = urlsplit(resp["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://open.weixin.qq.com/connect/oauth2/authorize"
    assert url.fragment == "wechat_redirect"
    return {k: v[0] for k, v in parse_qs(url.query).items()}


def test_start_asks_for_the_openid_only_with_a_state_of_this_session(wechat, settings):
    query = start(page_client(UserFactory()))
    assert query["appid"] == APP_ID and query["scope"] == "snsapi_base" and query["response_type"] == "code"
    assert query["redirect_uri"] == f"{settings.SITE_URL}/wechat/oauth/callback"
    assert len(query["state"]) >= 16


def test_a_founder_binds_from_the_portal_and_a_wrong_state_is_refused(wechat):
    founder = UserFactory()
    client = page_client(founder)
    state = start(client)["state"]
    code = wechat.oauth_code("o-founder")
    wrong = client.get("/wechat/oauth/callback", {"code": code, "state": state + "x"})
    assert wrong.status_code == 403 and "授权已失效" in wrong.content.decode()
    assert not Follower.objects.exists()
    assert not wechat.sent("/sns/oauth2/access_token") and not [
        c for c in wechat.calls if c[0] == "/sns/oauth2/access_token"
    ]  # refused before the code is spent
    state = start(client)["state"]  # the wrong try used up the session's state
    resp = client.get("/wechat/oauth/callback", {"code": code, "state": state})
    assert resp.status_code == 302 and resp["Location"] == "/me/"
    follower = Follower.objects.get(openid="o-founder")
    assert follower.user == founder and follower.bound_at is not None
    assert preference_for(founder.pk).wechat  # binding turns the channel on
    assert AuditEntry.objects.filter(action_type="wechat.follower.bound", actor=founder).exists()
    # The state is good once.
    again = client.get("/wechat/oauth/callback", {"code": wechat.oauth_code("o-founder"), "state": state})
    assert again.status_code == 403


def test_an_openid_already_bound_signs_its_account_in(wechat):
    founder = UserFactory()
    Follower.objects.create(openid="o-known", user=founder)
    client = page_client()
    state = start(client, "/applications/")["state"]
    resp = client.get("/wechat/oauth/callback", {"code": wechat.oauth_code("o-known"), "state": state})
    assert resp.status_code == 302 and resp["Location"] == "/applications/"
    assert client.get("/me/").context["user"] == founder


def test_an_unbound_visitor_is_sent_to_sign_in_and_back(wechat):
    client = page_client()
    state = start(client)["state"]
    resp = client.get("/wechat/oauth/callback", {"code": wechat.oauth_code("o-stranger"), "state": state})
    assert resp.status_code == 302 and resp["Location"].startswith("/login/?next=")
    assert "/wechat/oauth/start" in parse_qs(urlsplit(resp["Location"]).query)["next"][0]


def test_a_code_wechat_refuses_and_an_openid_bound_elsewhere_are_refused(wechat):
    client = page_client(UserFactory())
    state = start(client)["state"]
    resp = client.get("/wechat/oauth/callback", {"code": "made-up", "state": state})
    assert resp.status_code == 400 and "微信授权失败" in resp.content.decode()
    Follower.objects.create(openid="o-taken", user=UserFactory())
    state = start(client)["state"]
    resp = client.get("/wechat/oauth/callback", {"code": wechat.oauth_code("o-taken"), "state": state})
    assert resp.status_code == 409 and Follower.objects.get(openid="o-taken").user != client


def test_next_may_not_leave_the_site(wechat):
    client = page_client(UserFactory())
    start(client, "https://evil.example/steal")
    assert client.session["wechat_oauth"]["next"] == "/me/"


def test_unbind_on_the_profile_page(wechat):
    founder = UserFactory()
    client = page_client(founder)
    assert "绑定微信" in client.get("/me/").content.decode()
    state = start(client)["state"]
    client.get("/wechat/oauth/callback", {"code": wechat.oauth_code("o-me"), "state": state})
    page = client.get("/me/").content.decode()
    assert "解绑微信" in page and "活动报名与候补" in page
    resp = client.post("/wechat/unbind")
    assert resp.status_code == 302
    assert Follower.objects.get(openid="o-me").user is None and not preference_for(founder.pk).wechat
    assert AuditEntry.objects.filter(action_type="wechat.follower.unbound", actor=founder).exists()


def test_kinds_a_founder_declines(wechat):
    founder = UserFactory()
    Follower.objects.create(openid="o-k", user=founder)
    client = page_client(founder)
    client.post("/wechat/kinds", {"kind": ["event", "application"]})
    declined = Follower.objects.get(openid="o-k").declined_kinds
    assert "event" not in declined and "competition" in declined and "application" not in declined


@pytest.mark.django_db(transaction=True)
def test_one_openid_bound_by_two_accounts_at_once_goes_to_one(wechat):
    from beiyang.core.errors import Conflict
    from beiyang.core.tests.threads import all_at_once
    from beiyang.wechat.actions import check_bind

    first, second = UserFactory(), UserFactory()
    Follower.objects.create(openid="o-contested")  # a visitor who wrote before binding
    results = all_at_once(
        [lambda: check_bind(first, "o-contested"), lambda: check_bind(second, "o-contested")]
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Follower"], results
    assert any(isinstance(r, Conflict) for r in results)
    assert Follower.objects.filter(openid="o-contested").count() == 1
    assert Follower.objects.get(openid="o-contested").user in (first, second)
