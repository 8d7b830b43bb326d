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


def _sign_in(page, base: str, phone: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#phone", phone)
    page.fill("#password", "Str0ng-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_tap_register_and_the_message_arrives_everywhere():
    User.objects.create_user("13812345678", "Str0ng-pass-1", name="小林")
    event = EventFactory(title="模速路演日 · 浏览器测试", capacity=10)
    screenshot = Path(settings.VAR_DIR) / "e2e-register.png"
    with uvicorn_server() as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        _sign_in(page, base, "13812345678")
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


def test_the_pages_work_under_their_content_security_policy():
    """The agent's page (htmx posts, suggestion buttons, the box emptied after each turn) and
    the registration page keep working with scripts limited to our files, and the browser
    reports no script or style it refused."""
    User.objects.create_user("13812345679", "Str0ng-pass-1", name="小北")
    event = EventFactory(title="模速路演日 · CSP", capacity=10)
    with uvicorn_server() as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(locale="zh-CN").new_page()
        refused = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        _sign_in(page, base, "13812345679")
        page.goto(f"{base}/agent/")
        page.fill("input[name=text]", "我32岁,公司在徐汇,可以申请语料券吗?")
        page.click("form button[type=submit]")
        page.wait_for_selector("#chat p:has-text('语料券')", timeout=5000)
        assert page.input_value("input[name=text]") == ""  # emptied after the turn (portal.js)
        turns = page.locator("#chat p").count()
        page.locator("[data-say]").first.click()  # a suggestion, sent as if typed
        page.locator("#chat p").nth(turns).wait_for(timeout=5000)
        page.goto(f"{base}/events/{event.pk}/")
        page.click("#register-button")
        page.wait_for_selector("#registration-panel svg", timeout=5000)
        browser.close()
    assert refused == []
    assert Registration.objects.filter(event=event).count() == 1
