"""陪你一起跑 on a 390 px phone: the founder asks for help, the officer answers, the message pops
up on the open page, and no page of the path is wider than the phone."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

from beiyang.accounts.actions import do_create_staff
from beiyang.companies.tests.factories import CompanyFactory, MembershipFactory
from beiyang.service.actions import check_reply
from beiyang.service.models import OfficerAssignment, ServiceRequest
from tests.e2e.test_browser import CHROMIUM, FLAGS
from tests.servers import uvicorn_server

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM, reason="needs Debian's chromium (apt-get install chromium)"),
]
WIDTH = 390


def _off_the_loop(call):
    """Playwright's sync API runs an event loop in this thread; the ORM must run outside it."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def test_ask_the_officer_and_the_reply_arrives_on_a_phone():
    from beiyang.accounts.models import User

    founder = User.objects.create_user("13812345679", "Str0ng-pass-1", name="小林")
    company = CompanyFactory(name="北杨模速智能科技(上海)有限公司")
    MembershipFactory(user=founder, company=company)
    officer = do_create_staff(
        phone="13900000086", password="Str0ng-pass-1", role="service_officer", name="孙服务"
    )
    OfficerAssignment.objects.create(company=company, officer=officer)
    screenshot = Path(settings.VAR_DIR) / "e2e-service.png"
    with uvicorn_server() as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 844})
        page = context.new_page()
        page.goto(f"{base}/login/")
        page.fill("#phone", "13812345679")
        page.fill("#password", "Str0ng-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/me/")
        assert "孙服务" in page.inner_text("#my-officer")
        _fits(page)
        page.goto(f"{base}/service/")
        _fits(page)
        page.select_option("#category", "apartment")
        page.fill("#title", "人才公寓入住咨询")
        page.click("form button[type=submit]")
        page.wait_for_url(f"{base}/service/*/")
        assert "人才公寓" in page.content()
        _fits(page)
        page.wait_for_timeout(700)  # the page's message stream is open before the reply
        request = _off_the_loop(lambda: ServiceRequest.objects.get(title="人才公寓入住咨询"))
        _off_the_loop(lambda: check_reply(officer, request.pk, text="您好,下周一可以看房"))
        toast = page.wait_for_selector("#toast:not([hidden])", timeout=2000)
        assert "您有一条来自北杨人工智能创新小镇的消息" in toast.inner_text()
        page.goto(f"{base}/timeline/")
        assert "人才公寓入住咨询" in page.content()
        _fits(page)
        page.goto(f"{base}/service/{request.pk}/")
        page.screenshot(path=str(screenshot), full_page=True)
        # The officer's pages on the same phone.
        staff = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 844}).new_page()
        staff.goto(f"{base}/login/")
        staff.fill("#phone", "13900000086")
        staff.fill("#password", "Str0ng-pass-1")
        staff.click("button[type=submit]")
        staff.wait_for_url(f"{base}/staff/")  # staff land on their own workspace
        for url in ("/staff/service/", f"/staff/service/{request.pk}/", f"/staff/companies/{company.pk}/"):
            staff.goto(f"{base}{url}")
            assert "人才公寓入住咨询" in staff.content(), url
            _fits(staff)
        browser.close()
