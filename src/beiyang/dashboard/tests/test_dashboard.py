import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from beiyang.dashboard import charts
from beiyang.dashboard.actions import do_snapshot_kpis
from beiyang.dashboard.models import KpiValue
from beiyang.matching.models import MatchProfile

pytestmark = pytest.mark.django_db


def test_public_kpis_with_the_seven_targets(api, founder):
    _user, company, _client = founder
    MatchProfile.objects.create(kind="incubator", name="港科大北杨孵化器", free_seats=5)
    kpis = {k["kpi"]: k for k in api.get("dashboard/kpis").json()}
    assert {k: float(v["target"]) for k, v in kpis.items()} == {
        "town_platforms": 10,
        "town_companies": 600,
        "town_unicorns": 10,
        "town_scenarios": 50,
        "district_companies": 2500,
        "district_talents": 120000,
        "district_core_industry_cny": 2e11,
    }
    assert float(kpis["town_companies"]["value"]) == 1 and float(kpis["town_platforms"]["value"]) == 1
    assert float(kpis["district_talents"]["value"]) == company.headcount
    assert kpis["town_unicorns"]["value"] is None and kpis["town_unicorns"]["as_of"] is None
    page = Client().get("/dashboard/").content.decode()
    assert "<svg" in page and "2027" in page and company.name not in page


def test_staff_enter_what_the_platform_does_not_hold(make_staff, founder):
    _admin, admin = make_staff("town_admin")
    resp = admin.post(
        "staff/dashboard/kpis", {"kpi": "town_unicorns", "value": 3, "source": "区统计局 2026年三季度"}
    )
    assert resp.status_code == 201 and float(resp.json()["value"]) == 3 and "统计局" in resp.json()["source"]
    assert (
        admin.post("staff/dashboard/kpis", {"kpi": "town_unicorns", "value": 3, "source": ""}).json()["field"]
        == "source"
    )
    assert (
        admin.post("staff/dashboard/kpis", {"kpi": "mood", "value": 3, "source": "x"}).json()["field"]
        == "kpi"
    )
    assert (
        admin.post("staff/dashboard/kpis", {"kpi": "town_unicorns", "value": -1, "source": "x"}).json()[
            "field"
        ]
        == "value"
    )
    _user, _company, founder_api = founder
    assert (
        founder_api.post(
            "staff/dashboard/kpis", {"kpi": "town_unicorns", "value": 1, "source": "x"}
        ).status_code
        == 403
    )


def test_history_exports_and_the_staff_page(make_staff, founder):
    user, _company, _client = founder
    for days in (60, 30, 0):
        do_snapshot_kpis(timezone.localdate() - dt.timedelta(days=days))
    assert KpiValue.objects.filter(kpi="town_companies", computed=True).count() == 3
    csv_text = Client().get("/api/v1/dashboard/kpis/export?format=csv").content.decode("utf-8-sig")
    assert "town_companies" in csv_text and "600" in csv_text
    book = openpyxl.load_workbook(
        io.BytesIO(Client().get("/api/v1/dashboard/kpis/export?format=xlsx").content)
    )
    assert book.active.max_row == 8
    staff, staff_api = make_staff("reviewer")
    assert staff_api.get("staff/dashboard").json()["service"]["applications"]["by_status"] == {}
    page = Client()
    page.force_login(staff)
    html = page.get("/staff/dashboard/").content.decode()
    assert "<svg" in html and "活动报名漏斗" in html
    assert page.get("/staff/dashboard/?export=xlsx&table=vouchers").status_code == 200
    founder_page = Client()
    founder_page.force_login(user)
    assert founder_page.get("/staff/dashboard/").status_code == 403


def test_charts():
    bar = charts.progress("企业", 300, 600, "家")
    assert "<title>企业: 300家 / 600家</title>" in bar and "50%" in bar
    assert "1,350亿元" in charts.progress("产业规模", 135_000_000_000, 200_000_000_000, "元")
    past = charts.progress("平台", 12, 10)
    assert "#12805c" in past
    line = charts.trend("趋势", [("2026-10-01", 1), ("2026-11-01", 3)], target=10)
    assert "<path" in line and "stroke-dasharray" in line
    assert "历史数据不足" in charts.trend("x", [("2026-11-01", 1)])
    assert "<rect" in charts.funnel("漏斗", [("报名", 10), ("签到", 4)]) and "(40%)" in charts.funnel(
        "漏斗", [("报名", 10), ("签到", 4)]
    )
    assert "&lt;script&gt;" in charts.progress("<script>", 1, 2)
