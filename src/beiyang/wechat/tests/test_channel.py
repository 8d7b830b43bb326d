"""The town's messages to bound founders as WeChat template messages, through the outbox."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from beiyang.events.actions import do_register
from beiyang.events.tests.factories import EventFactory
from beiyang.notifications.actions import do_attempt_delivery, do_send_message
from beiyang.notifications.models import Delivery
from beiyang.wechat.actions import check_bind

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_registration_reaches_the_bound_founder_in_wechat(wechat, founder, settings):
    user, _company, _api = founder
    check_bind(user, "o-founder-1")
    event = EventFactory(kind="roadshow", title="模速路演日 · 第12期", capacity=5)
    do_register(user, event.pk)
    [sent] = wechat.sent("/cgi-bin/message/template/send")
    assert sent["touser"] == "o-founder-1" and sent["template_id"] == "TPL-EVENT"
    assert sent["data"]["first"]["value"].startswith("报名成功:模速路演日")
    assert sent["url"].startswith(f"{settings.SITE_URL}/")
    delivery = Delivery.objects.get(channel="wechat")
    assert delivery.status == "sent" and delivery.external_id.isdigit()


def test_unbound_founders_get_no_wechat_delivery(wechat, founder):
    user, _company, _api = founder
    do_send_message(user.pk, kind="event", title="报名成功")
    assert not Delivery.objects.filter(channel="wechat").exists()
    assert not wechat.sent("/cgi-bin/message/template/send")


def test_a_declined_kind_and_a_kind_without_a_template_are_skipped(wechat, founder):
    from beiyang.wechat.actions import do_set_declined_kinds

    user, _company, _api = founder
    check_bind(user, "o-founder-2")
    do_set_declined_kinds(user, ["event"])
    do_send_message(user.pk, kind="event", title="报名成功")
    do_send_message(user.pk, kind="match", title="新的对接")  # no template in the file
    assert list(Delivery.objects.filter(channel="wechat").values_list("status", flat=True)) == [
        "skipped",
        "skipped",
    ]
    assert not wechat.sent("/cgi-bin/message/template/send")


def test_a_failed_send_is_retried_and_recorded(wechat, founder):
    user, _company, _api = founder
    check_bind(user, "o-founder-3")
    wechat.fail_next("/cgi-bin/message/template/send", 45009, "reach max api daily quota limit")
    message = do_send_message(user.pk, kind="application", title="申请已通过")
    delivery = Delivery.objects.get(message=message, channel="wechat")
    assert delivery.status == "queued" and "45009" in delivery.last_error and delivery.next_attempt_at
    assert do_attempt_delivery(delivery.pk)[0] == "sent"
    # The refused try, then the retry.
    assert [s["touser"] for s in wechat.sent("/cgi-bin/message/template/send")] == ["o-founder-3"] * 2
    assert Delivery.objects.get(pk=delivery.pk).attempts == 2


def test_menu_is_pushed_and_the_setup_checked(wechat, settings, capsys):
    call_command("wechat", "menu")
    [menu] = wechat.sent("/cgi-bin/menu/create")
    assert len(menu["button"]) == 3
    views = [sub["url"] for b in menu["button"] for sub in b["sub_button"] if sub["type"] == "view"]
    assert views and all(url.startswith(settings.SITE_URL) for url in views)
    call_command("wechat", "check")
    assert "ok" in capsys.readouterr().out
    wechat.template_ids.discard("TPL-EVENT")
    with pytest.raises(CommandError, match="template event"):
        call_command("wechat", "check")


def test_check_names_what_is_wrong_in_the_file(wechat, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "menu: {button: [{name: 政策, sub_button: [{type: click, name: 问, key: NOPE}]}]}\n"
        "welcome: {things: []}\ntemplates: {event: {data: {first: '{nope}'}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as caught:
        call_command("wechat", "check", "--file", str(bad))
    text = str(caught.value)
    assert "NOPE" in text and "three things" in text and "no template_id" in text and "{title}" in text
    with pytest.raises(CommandError):
        call_command("wechat", "menu", "--file", str(bad))
    assert not wechat.sent("/cgi-bin/menu/create")


def test_check_says_when_wechat_is_off(settings):
    settings.WECHAT_APP_ID = ""
    with pytest.raises(CommandError, match="WECHAT_APP_ID"):
        call_command("wechat", "check")
