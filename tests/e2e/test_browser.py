"""The founder's main path in headless Chromium: sign in, tap 报名, and the town's message
appears in the open page and in a second tab within a second."""

import shutil
from pathlib import Path

import playwright.sync_api as playwright
import pytest
from django.conf import settings

from beiyang.accounts.models import User
from beiyang.events.models import Registration
from beiyang.events.tests.factories import EventFactory
from tests.servers import uvicorn_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM, reason="needs Debian's chromium (apt-get install chromium)"),
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_tap_register_and_the_message_arrives_everywhere():
    User.objects.create_user("13812345678", "Str0ng-pass-1", name="小林")
    event = EventFactory(title="模速路演日 · 浏览器测试", capacity=10)
    screenshot = Path(settings.VAR_DIR) / "e2e-register.png"
    with uvicorn_server() as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(f"{base}/login/")
        page.fill("#phone", "13812345678")
        page.fill("#password", "Str0ng-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/events/{event.pk}/")
        inbox = context.new_page()
        inbox.goto(f"{base}/me/messages/")
        # Let both pages open their message streams before the tap.
        page.wait_for_timeout(700)
        page.click("#register-button")
        toast = page.wait_for_selector("#toast:not([hidden])", timeout=1000)
        assert "您有一条来自北杨人工智能创新小镇的消息" in toast.inner_text()
        item = inbox.wait_for_selector("#inbox-list li:has-text('报名成功')", timeout=1000)
        assert "模速路演日" in item.inner_text()
        assert inbox.inner_text("#unread-badge") == "1"
        page.wait_for_selector("#registration-panel svg")
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    assert Registration.objects.get(event=event).status == "confirmed"
