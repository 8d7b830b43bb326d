"""Each role's day in the demo town, on a 390 × 844 phone, in headless Chromium.

The reviewer opens a submitted application, reads its document and decides (a second
reviewer completes the four-eyes approval); the event manager creates an event and checks a
founder in at today's event; the founder reads a message and the unread badge drops. On every
page no content may be wider than the phone, and a screenshot is kept in var/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from beiyang.applications.models import Application
from beiyang.events.models import Event, Registration
from tests.servers import uvicorn_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI") == "true"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
SHOTS = Path(
    os.environ.get("BEIYANG_SCREENSHOTS", Path(__file__).resolve().parents[2] / "var" / "screenshots")
)
PASSWORD = "Beiyang@2027"


@pytest.fixture
def browser(monkeypatch):
    """Chromium, or a skip on a workstation without it; under CI a missing browser fails."""
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM reads
    # between steps are plain blocking calls and safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    if not CHROMIUM:
        if IN_CI:
            pytest.fail("CI=true but Chromium is missing: apt-get install chromium fonts-wqy-zenhei")
        pytest.skip("needs Debian's chromium (apt-get install chromium fonts-wqy-zenhei)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("CI=true but playwright is not installed")
        pytest.skip("needs playwright")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def town():
    from beiyang.demo import load_demo

    load_demo(companies=8)
    SHOTS.mkdir(parents=True, exist_ok=True)


class Phone:
    """One person's phone: signs in, and checks every page it lands on."""

    def __init__(self, browser, base: str, who: str) -> None:
        self.context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=1)
        self.page = self.context.new_page()
        self.base, self.who, self.shots = base, who, 0

    def login(self, phone: str) -> None:
        self.page.goto(f"{self.base}/login/")
        self.page.fill("#phone", phone)
        self.page.fill("#password", PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state()

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")
        self.check(path.strip("/").replace("/", "-") or "home")

    def check(self, name: str) -> None:
        """No horizontal scroll on a phone, and a screenshot to look at."""
        self.page.wait_for_load_state()
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{self.who} {self.page.url}: {width}px wide"
        self.shots += 1
        self.page.screenshot(path=str(SHOTS / f"{self.who}-{self.shots:02d}-{name}.png"), full_page=True)

    def badge(self) -> int:
        return int(self.page.get_attribute("#unread-badge", "data-count") or 0)


def test_each_role_has_a_day_on_a_phone(town, browser):
    from beiyang.policies.actions import do_import_pack
    from beiyang.policies.tests.test_pack_pages import changed_files

    draft = do_import_pack(changed_files(), note="浏览器测试")
    application = Application.objects.get(status="submitted")
    today_event = Event.objects.get(title__startswith="今日")
    attendee = (
        Registration.objects.filter(event=today_event, status="confirmed")
        .exclude(user__phone="13800000001")
        .select_related("user")
        .first()
    )
    with uvicorn_server() as base:
        # Reviewer: queue → decision page → the document → approve.
        reviewer = Phone(browser, base, "reviewer")
        reviewer.login("13900000001")
        reviewer.go("/staff/")
        assert "活动与签到" not in reviewer.page.inner_text("main")
        reviewer.page.click("text=审核队列")
        reviewer.check("queue")
        reviewer.page.click(f"#application-{application.pk}")
        reviewer.check("decision")
        page = reviewer.page
        assert "申请人填写的信息" in page.inner_text("main") and "资格评估" in page.inner_text("main")
        link = page.locator("#documents a").first
        response = page.request.get(base + link.get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        page.fill("#reason", "材料齐全,符合条件。")
        page.click("#decision-form button[value=approve]")
        reviewer.check("approved-once")
        application.refresh_from_db()
        if application.status == "in_review":
            # Above the four-eyes threshold: the page says a second reviewer is needed.
            assert "等待第二位审核员" in page.inner_text("main")
            second = Phone(browser, base, "reviewer2")
            second.login("13900000005")
            second.go(f"/staff/applications/{application.pk}/")
            second.page.fill("#reason", "复核通过。")
            second.page.click("#decision-form button[value=approve]")
            second.check("approved-twice")
        application.refresh_from_db()
        assert application.status == "approved"
        reviewer.go("/staff/applications/decided/")
        assert "已批准" in reviewer.page.inner_text("main")
        reviewer.go("/staff/dashboard/")
        admin = Phone(browser, base, "town-admin")
        admin.login("13900000005")
        for path in ("/staff/", "/staff/packs/", "/staff/agent/"):
            admin.go(path)

        # Town admin: a KPI figure with its source (a wrong one first), then the dashboards.
        admin.go("/staff/dashboard/kpis/")
        admin.go("/staff/dashboard/kpis/district_core_industry_cny/")
        page = admin.page
        page.fill("#value", "-5")
        page.click("#kpi-form button[type=submit]")
        admin.check("kpi-refused")
        assert "不能为负" in page.inner_text("main")
        page.fill("#value", "1350")
        page.fill("#source_by", "徐汇区统计局")
        page.fill("#source_document", "2026年三季度统计公报")
        page.click("#kpi-form button[type=submit]")
        admin.check("kpi-saved")
        assert "1,350亿元" in page.inner_text("#kpi-history")
        admin.go("/dashboard/")
        assert "徐汇区统计局《2026年三季度统计公报》" in page.inner_text("#kpi-district_core_industry_cny")
        admin.go("/staff/dashboard/")

        # Town admin: what the new pack version changes, in words, then publish it.
        admin.go(f"/staff/packs/{draft.pk}/")
        assert "算力券 · 最高金额: 100万元 → 120万元" in page.inner_text("#changes")
        page.check("#publish-form input[name=confirm]")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#publish-form button[type=submit]")
        admin.check("pack-published")
        assert "此版本正在使用中" in page.inner_text("main")

        # Event manager: create an event, then check a founder in at today's event.
        manager = Phone(browser, base, "event-manager")
        manager.login("13900000003")
        manager.go("/staff/")
        assert "审核队列" not in manager.page.inner_text("main")
        manager.page.click("#work-events >> text=全部活动")
        manager.check("desk")
        # Upcoming first: today's event heads the desk.
        assert manager.page.locator("main article").first.inner_text().startswith("今日")
        manager.page.click("#new-event")
        page = manager.page
        page.fill("#title", "模速路演日 · 浏览器测试专场")
        page.select_option("#kind", "roadshow")
        page.fill("#venue", "模速空间 路演厅")
        page.fill("#starts_at", "2027-03-18T14:00")
        page.fill("#ends_at", "2027-03-18T17:00")
        page.fill("#capacity", "80")
        # Who may register: chosen, not written (Xuhui companies, founders 35 or younger).
        page.click("#gate summary >> text=企业注册区")
        page.check("#gate input[name='gate.company.district'][value='徐汇']")
        page.click("#gate summary >> text=创始人年龄")
        page.fill("#gate input[name='gate.founder.age.max']", "35")
        manager.check("new-event")
        page.click("#event-form button[type=submit]")
        manager.check("created")
        assert "签到将于" in page.inner_text("#checkin-window")
        created = Event.objects.get(title="模速路演日 · 浏览器测试专场", capacity=80)
        assert created.eligibility_label == "创始人年龄(周岁)不超过35;企业注册区为徐汇"
        manager.go(f"/staff/events/{today_event.pk}/checkin/")
        page.fill("#attendees input[name=q]", attendee.user.name)
        page.click("#attendees button.secondary")
        manager.check("search")
        page.click("#attendees li.attendee button")
        manager.check("checked-in")
        assert "已签到" in page.inner_text("main")
        attendee.refresh_from_db()
        assert attendee.checked_in_at is not None

        # Founder: the badge counts unread messages; reading one drops it, 全部已读 empties it.
        founder = Phone(browser, base, "founder")
        founder.login("13800000001")
        founder.go("/")
        before = founder.badge()
        assert before >= 2
        founder.go("/me/messages/")
        founder.page.click("#inbox-list li.unread a")
        founder.check("message")
        assert founder.badge() == before - 1
        founder.go("/me/messages/")
        founder.page.click("#read-all button")
        founder.check("all-read")
        assert founder.badge() == 0
        for path in (
            "/me/",
            "/events/mine/",
            "/applications/",
            f"/applications/{application.pk}/",
            "/me/notifications/",
        ):
            founder.go(path)
        for path in ("/benefits/", "/vouchers/", "/dashboard/", "/events/"):
            founder.go(path)
        roadshow = Event.objects.get(title__startswith="模速路演日 · 第12期")
        founder.go(f"/events/{roadshow.pk}/")
        assert "报名条件:已登记人工智能细分领域" in founder.page.inner_text("#gate-words")
        founder.go("/events/mine/")
        founder.page.click("main details summary")
        founder.check("qr")
        assert founder.page.locator("main .qr svg").count() >= 1
