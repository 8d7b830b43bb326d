"""Each role's day in the demo town through the pages only (no API call, no command), on a
390 × 844 phone in headless Chromium (issue 26): sign in, land on the role's workspace, do its
main work, see the result. Every page is checked for horizontal overflow and for internal
codes, and photographed into var/screenshots/ (git-ignored) for a person to look at.

Roles here: voucher officer, provider, judge, service officer, town admin (competition and
placement rounds), student, founder (amount, competition, internships). The reviewer's and
event manager's days are in test_workbench.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from beiyang.accounts.models import User
from beiyang.companies.models import Company
from beiyang.competitions.models import Assignment, Competition, Entry
from beiyang.internships.models import Placement, StudentProfile
from beiyang.vouchers.models import Grant, Redemption
from beiyang.web.tests.test_visible_text import internal_codes
from tests.e2e.test_workbench import SHOTS, Phone, browser, town  # noqa: F401  (fixtures)
from tests.servers import uvicorn_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
DEMO_COMPANY = "北杨模速智能科技(上海)有限公司"


class RolePhone(Phone):
    """A phone that also refuses internal codes on the page it shows, and keeps the landing."""

    def check(self, name: str) -> None:
        super().check(name)
        text = self.page.inner_text("body")
        leaks = [m.group(0) for pattern in internal_codes() for m in pattern.finditer(text)]
        assert not leaks, f"{self.who} {self.page.url}: {leaks}"

    def sign_in(self, phone: str, lands_on: str) -> None:
        self.login(phone)
        assert self.page.url == f"{self.base}{lands_on}", (self.who, self.page.url)
        self.check("landing")

    def tab(self, label: str, name: str) -> None:
        self.page.click(f"nav.tabs a:has-text('{label}')")
        self.check(name)

    def notice(self) -> str:
        return self.page.inner_text("main .notice")

    def accept_dialogs(self) -> None:
        self.page.on("dialog", lambda dialog: dialog.accept())


def test_voucher_officer_and_provider_days(town, browser):  # noqa: F811
    company = Company.objects.get(name=DEMO_COMPANY)
    with uvicorn_server() as base:
        # Voucher officer: pools and forecast, a company's grants, issue, lower, revoke.
        officer = RolePhone(browser, base, "voucher-officer")
        officer.sign_in("13900000004", "/staff/")
        officer.accept_dialogs()
        officer.tab("券务", "desk")
        page = officer.page
        assert "预算池" in page.inner_text("#pools") and "市级算力券" in page.inner_text("#pools")
        page.fill("#q", "北杨模速")
        page.click("#find-company button[type=submit]")
        officer.check("found")
        page.click(f"#found a:has-text('{DEMO_COMPANY}')")
        officer.check("company")
        assert "本年度市区两级合计上限剩余:20万元" in page.inner_text("#issue")
        page.select_option("#kind", "corpus")
        page.fill("#amount", "100000")
        page.click("#issue button[type=submit]")
        officer.check("issued")
        assert "已发放" in officer.notice()
        issued = Grant.objects.filter(company=company, kind="corpus").latest("id")
        assert issued.amount_fen == 100_000_00
        card = f"#grant-{issued.pk}"
        page.click(f"{card} summary:has-text('调低额度')")
        page.fill(f"#reduce-{issued.pk}", "60000")
        page.fill(f"#reduce-reason-{issued.pk}", "合同金额核减")
        page.click(f"{card} form:has(input[value=reduce]) button")
        officer.check("lowered")
        assert "额度已调整" in officer.notice()
        page.click(f"{card} summary:has-text('撤销券额')")
        page.fill(f"#revoke-reason-{issued.pk}", "企业申请放弃")
        page.click(f"{card} form:has(input[value=revoke]) button")
        officer.check("revoked")
        issued.refresh_from_db()
        assert issued.status == Grant.REVOKED and "已撤销" in page.inner_text(card)

        # Provider: redeem by credit code and invoice with a hold, capture, reverse, statement.
        provider = RolePhone(browser, base, "provider")
        provider.sign_in("13600000001", "/provider/")
        provider.accept_dialogs()
        page = provider.page
        page.fill("#credit-code", company.credit_code)
        page.select_option("#kind", "compute")
        page.fill("#invoice-no", "FP-20261208-01")
        page.fill("#contract-no", "HT-2026-118")
        page.fill("#invoice-amount", "20000")
        page.check("#redeem input[name=hold]")
        provider.check("redeem-form")
        page.click("#redeem button[type=submit]")
        provider.check("held")
        assert "已冻结" in provider.notice()
        assert "FP-20261208-01" in page.inner_text("#holds")
        page.click("#holds button:has-text('确认核销')")
        provider.check("captured")
        redemption = Redemption.objects.get(invoice_no="FP-20261208-01")
        assert redemption.status == Redemption.POSTED
        page.click("#recent .redemption:has-text('FP-20261208-01') button:has-text('冲回')")
        provider.check("reversed")
        redemption.refresh_from_db()
        assert redemption.status == Redemption.REVERSED
        provider.tab("结算单", "statement")
        text = page.inner_text("main")
        assert "已冲回" in text and "算力券" in text and "posted" not in text and "compute" not in text
        with page.expect_download() as download:
            page.click("#totals a:has-text('CSV')")
        csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "FP-20261208-01" in csv_text and "算力券" in csv_text and "已冲回" in csv_text
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", csv_text)


def test_judge_service_officer_and_town_admin_days(town, browser):  # noqa: F811
    with uvicorn_server() as base:
        # Judge: the sheets of the round open today, the deck, a score.
        judge = RolePhone(browser, base, "judge")
        judge.sign_in("13900000007", "/staff/")
        judge.tab("评审", "sheets")
        page = judge.page
        sheet = page.locator("main article:has(form input[name^=score-])").first
        deck = sheet.locator("a.deck")
        response = page.request.get(base + deck.get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        for field in sheet.locator("input[name^=score-]").all():
            field.fill("8")
        sheet.locator("textarea[name=comment]").fill("场景清晰,团队执行力强。")
        sheet.locator("button:has-text('保存评分')").click()
        judge.check("scored")
        assert "评分已保存" in judge.notice()
        assert Assignment.objects.filter(judge__phone="13900000007", scores__isnull=False).count() == 1

        # Service officer: the queue in the tab bar, a request, the handovers.
        officer = RolePhone(browser, base, "service-officer")
        officer.sign_in("13900000006", "/staff/")
        officer.tab("服务", "queue")
        page = officer.page
        page.click("main article a >> nth=0")
        officer.check("request")
        page.fill("main textarea[name=text]", "您好,人才公寓下月有空房,我把申请表发您。")
        page.click("main form:has(input[value=reply]) button[type=submit]")
        officer.check("replied")
        assert "人才公寓下月有空房" in page.inner_text("main")
        officer.go("/staff/")
        page.click("#work-service a:has-text('转人工')")
        officer.check("handovers")

        # Town admin: a competition set up from the pages with its judges; a placement round.
        admin = RolePhone(browser, base, "town-admin")
        admin.sign_in("13900000005", "/staff/")
        admin.accept_dialogs()
        page = admin.page
        page.click("main a:has-text('创业大赛')")
        admin.check("competitions")
        page.fill("input[name=title]", "北杨智能体创新大赛 2027")
        page.fill("input[name=prize_pool_cny]", "300000")
        page.fill("textarea[name=rounds]", "初赛, 2027-03-01 09:00, 2027-03-08 18:00, 5")
        page.fill("textarea[name=rubric]", "technology, 技术创新, 3, 10\nmarket, 市场前景, 2, 10")
        page.fill("textarea[name=prizes]", "一等奖, 150000\n二等奖, 100000")
        page.click("main form button[type=submit]")
        admin.check("competition-created")
        created = Competition.objects.get(title="北杨智能体创新大赛 2027")
        for phone in ("13900000007", "13900000008", "13900000009"):
            page.fill("input[name=phone]", phone)
            page.click("form:has(input[name=phone]) button[type=submit]")
        admin.check("judges-added")
        assert created.judges.count() == 3
        winter = Competition.objects.get(title__startswith="模速空间AI应用挑战赛")
        admin.go(f"/staff/competitions/{winter.pk}/")
        assert "已评 1 /" in page.inner_text("main")
        admin.go("/staff/")
        page.click("main a:has-text('实习匹配')")
        admin.check("placement")
        page.click("#open-round button")
        admin.check("round-opened")
        page.click("main article.round button:has-text('匹配并发布结果')")
        admin.check("round-placed")
        assert "结果已通知" in page.inner_text("main")
        assert Placement.objects.filter(student__phone="13700000001").exists()


def test_student_and_founder_days(town, browser):  # noqa: F811
    with uvicorn_server() as base:
        # A student signs up as a student from the pages, fills in the profile and applies.
        student = RolePhone(browser, base, "student")
        page = student.page
        student.go("/signup/")
        page.check("#signup-as input[value=student]")
        page.fill("#phone", "13700000042")
        page.fill("#password", "Beiyang@2027")
        page.fill("#name", "林同学")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{base}/internships/")
        student.check("signed-up")
        page.fill("input[name=school]", "香港科技大学")
        page.fill("input[name=programme]", "计算机科学")
        page.fill("input[name=skills]", "Python, 大模型微调")
        page.click("form:has(input[value=student]) button")
        student.check("profile")
        assert StudentProfile.objects.get(user__phone="13700000042").school == "香港科技大学"
        page.click("form:has(input[value=apply]) button >> nth=0")
        student.check("applied")
        demo_student = RolePhone(browser, base, "demo-student")
        demo_student.sign_in("13700000001", "/internships/")

        # Founder: sees the applicants' school and skills, finds the competition from the home
        # page and enters it from the benefit card, asks for a voucher amount of their own.
        founder = RolePhone(browser, base, "founder")
        founder.sign_in("13800000001", "/")
        page = founder.page
        founder.go("/internships/")
        assert "香港科技大学" in page.inner_text("main") and "大模型微调" in page.inner_text("main")
        founder.go("/")
        page.click("#link-competitions")
        founder.check("competitions")
        founder.go("/benefits/")
        page.click("#enter-hkust-competition")
        founder.check("competition-entry")
        page.fill("input[name=project]", "北杨智能体工作台")
        page.fill("textarea[name=summary]", "面向园区企业的政策智能体。")
        page.click("main form button[type=submit]")
        founder.check("entered")
        assert Entry.objects.filter(company__name=DEMO_COMPANY, project="北杨智能体工作台").exists()
        founder.go("/benefits/")
        card = "#benefit-corpus-voucher"
        assert "申请金额" in page.inner_text(card)
        page.fill(f"{card} input[name=amount_cny]", "50000")
        page.click(f"{card} button[type=submit]")
        founder.check("voucher-application")
        assert "5万元" in page.inner_text("main")
        user = User.objects.get(phone="13800000001")
        assert user.applications.filter(policy_id="corpus-voucher").get().amount_requested_fen == 50_000_00
        founder.go("/benefits/")
        assert "申请进行中" in page.inner_text(card)
    assert SHOTS.exists()
