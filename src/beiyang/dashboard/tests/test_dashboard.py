import datetime as dt
import io
import itertools
import re

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone, translation

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
    assert "2027年目标" in bar
    assert "<rect" in charts.funnel("漏斗", [("报名", 10), ("签到", 4)]) and "(40%)" in charts.funnel(
        "漏斗", [("报名", 10), ("签到", 4)]
    )
    assert "&lt;script&gt;" in charts.progress("<script>", 1, 2)


def _axis(svg: str) -> list[tuple[float, str, str]]:
    return [
        (float(x), anchor, text)
        for x, anchor, text in re.findall(
            r'<text x="([\d.]+)" y="\d+" font-size="10" text-anchor="(\w+)"[^>]*>([^<]+)<', svg
        )
    ]


def _boxes_apart(axis, size=10) -> bool:
    boxes = []
    for x, anchor, text in axis:
        w = charts.text_width(text, size)
        left = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
        boxes.append((left, left + w))
    boxes.sort()
    return (
        all(a[1] <= b[0] for a, b in itertools.pairwise(boxes)) and boxes[0][0] >= 0 and boxes[-1][1] <= 320
    )


def test_trend_dates_read_in_chinese_and_do_not_overlap():
    start = dt.date(2026, 11, 1)
    days = [(start + dt.timedelta(days=i), i) for i in range(30)]
    axis = _axis(charts.trend("近一月", days, target=100))
    assert axis[0][2] == "11月1日" and axis[-1][2] == "11月30日" and _boxes_apart(axis)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", charts.trend("近一月", days))
    # Over a year of daily readings: months, each named once, none touching another.
    year = [(dt.date(2026, 1, 1) + dt.timedelta(days=i), i) for i in range(365)]
    axis = _axis(charts.trend("一年", year, target=400))
    texts = [t for _, _, t in axis]
    assert texts[0] == "2026年1月" and texts[-1] == "2026年12月" and len(texts) == len(set(texts)) >= 3
    assert _boxes_apart(axis)
    # Two readings a day apart on a narrow chart: the second label is dropped, not drawn over.
    tight = _axis(charts.trend("两天", [(start, 1), (start + dt.timedelta(days=1), 2)], width=60))
    assert _boxes_apart(tight) or len(tight) == 1


def test_trend_dates_in_english():
    with translation.override("en"):
        svg = charts.trend("trend", [(dt.date(2026, 10, 1), 1), (dt.date(2026, 11, 30), 3)])
        long = charts.trend("trend", [(dt.date(2026, 1, 1), 1), (dt.date(2026, 11, 30), 3)])
    assert [t for _, _, t in _axis(svg)] == ["1 Oct", "30 Nov"]
    assert [t for _, _, t in _axis(long)] == ["Jan 2026", "Nov 2026"]


def test_dashboard_charts_label_dates_in_chinese(client):
    do_snapshot_kpis(timezone.localdate() - dt.timedelta(days=200))
    do_snapshot_kpis(timezone.localdate())
    html = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/dashboard/").content.decode()
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月" in html
    assert not re.search(r">\d{4}-\d{2}-\d{2}<", html)


def test_dashboard_charts_name_their_figure_in_the_readers_language(client):
    do_snapshot_kpis(timezone.localdate())
    reader = Client()
    reader.cookies["django_language"] = "en"
    titles = re.findall(r"<title>(.*?)</title>", reader.get("/dashboard/").content.decode())
    assert len(titles) > 7 and not [t for t in titles if re.search(r"[\u4e00-\u9fff]", t)], titles
