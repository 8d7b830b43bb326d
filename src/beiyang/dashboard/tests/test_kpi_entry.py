"""The town administrator's KPI entry page: a figure with who published it, in which
document and for which date; the history; the dashboards showing it with its source."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from conftest import page_client
from django.test import Client
from django.utils import timezone

from beiyang.core.models import AuditEntry
from beiyang.dashboard.models import KpiValue

pytestmark = pytest.mark.django_db

URL = "/staff/dashboard/kpis/"


def test_admin_enters_a_figure_with_its_source_and_sees_it_everywhere(admin_page):
    as_of = timezone.localdate() - dt.timedelta(days=10)
    listing = admin_page.get(URL).content.decode()
    assert "独角兽企业和龙头企业" in listing and "尚未录入" in listing
    resp = admin_page.post(
        f"{URL}town_unicorns/",
        {
            "value": "4",
            "as_of": as_of.isoformat(),
            "source_by": "徐汇区统计局",
            "source_document": "2026年三季度统计公报",
        },
    )
    assert resp.status_code == 302
    reading = KpiValue.objects.get(kpi="town_unicorns", computed=False)
    assert reading.value == 4 and reading.source == "徐汇区统计局《2026年三季度统计公报》"
    assert reading.source_by == "徐汇区统计局" and reading.as_of == as_of
    entry = AuditEntry.objects.get(action_type="dashboard.kpi.recorded")
    assert entry.data["kpi"] == "town_unicorns" and entry.data["replaced"] is None
    history = admin_page.get(resp.url).content.decode()
    assert "已保存" in history and "4家" in history and "徐汇区统计局《2026年三季度统计公报》" in history
    day = f"{as_of.year}年{as_of.month}月{as_of.day}日"
    assert day in history
    public = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/dashboard/").content.decode()
    card = public[public.index('id="kpi-town_unicorns"') :]
    card = card[: card.index("</article>")]
    assert "来源:徐汇区统计局《2026年三季度统计公报》" in card and day in card
    staff = admin_page.get("/staff/dashboard/").content.decode()
    assert 'id="enter-kpis"' in staff and "徐汇区统计局《2026年三季度统计公报》" in staff


def test_a_correction_replaces_the_days_figure_and_the_audit_keeps_both(admin_page):
    day = timezone.localdate().isoformat()
    for value in ("3", "5"):
        admin_page.post(f"{URL}town_scenarios/", {"value": value, "as_of": day, "source_by": "小镇办"})
    assert list(KpiValue.objects.filter(kpi="town_scenarios").values_list("value", flat=True)) == [5]
    replaced = AuditEntry.objects.filter(action_type="dashboard.kpi.recorded").order_by("id").last()
    assert Decimal(replaced.data["replaced"]["value"]) == 3


def test_money_is_entered_in_yi_and_shown_in_the_one_format(admin_page):
    resp = admin_page.post(f"{URL}district_core_industry_cny/", {"value": "1,350.5", "source_by": "区经委"})
    assert resp.status_code == 302
    assert KpiValue.objects.get(kpi="district_core_industry_cny").value == Decimal("135050000000")
    assert "1,350.5亿元" in admin_page.get(URL).content.decode()


def test_an_official_figure_comes_before_the_platforms_count(admin_page, founder):
    admin_page.post(f"{URL}town_companies/", {"value": "420", "source_document": "小镇企业名录"})
    page = admin_page.get(URL).content.decode()
    card = page[page.index('id="kpi-town_companies"') :]
    assert "420家" in card and "平台统计:1家" in card
    public = {k["kpi"]: k for k in Client().get("/api/v1/dashboard/kpis").json()}
    assert float(public["town_companies"]["value"]) == 420
    assert public["town_companies"]["source_kind"] == "entered"
    assert float(public["town_companies"]["platform_value"]) == 1


@pytest.mark.parametrize(
    ("kpi", "post", "field", "words"),
    [
        ("town_unicorns", {"value": "很多"}, "value", "数值必须是数字"),
        ("town_unicorns", {"value": "-1"}, "value", "不能为负"),
        ("town_unicorns", {"value": "NaN"}, "value", "有限"),
        ("town_unicorns", {"value": "1e999"}, "value", "超出范围"),
        ("town_unicorns", {"value": "9" * 5000}, "value", "超出范围"),
        ("town_unicorns", {"value": "2.5"}, "value", "应为整数"),
        ("district_core_industry_cny", {"value": "100000"}, "value", "超出范围"),
        ("town_unicorns", {"value": "3", "as_of": "2026-13-45"}, "as_of", "日期格式"),
        ("town_unicorns", {"value": "3", "as_of": "2999-01-01"}, "as_of", "晚于今天"),
        ("town_unicorns", {"value": "3", "as_of": "0001-01-01"}, "as_of", "早于2000年"),
        ("town_unicorns", {"value": "3", "source_by": "", "source_document": "  "}, "source", "数据来源"),
        ("town_unicorns", {"value": "3", "source_by": "局" * 101}, "source_by", "100个字"),
        ("town_unicorns", {"value": "3", "source_document": "x" * 201}, "source_document", "200个字"),
    ],
)
def test_hostile_input_is_refused_with_the_field(admin_page, kpi, post, field, words):
    body = {"source_by": "区统计局", **post}
    resp = admin_page.post(f"{URL}{kpi}/", body)
    assert resp.status_code == 400
    html = resp.content.decode()
    assert f'data-field="{field}"' in html and words in html
    assert re.search(rf'id="{field if field != "source" else "source_by"}"[^>]*aria-invalid="true"', html)
    assert not KpiValue.objects.filter(computed=False).exists()


def test_errors_read_in_english_when_english_is_chosen(make_staff):
    client = page_client(make_staff("town_admin")[0], "en")
    html = client.post(f"{URL}town_unicorns/", {"value": "-1", "source_by": "x"}).content.decode()
    assert "A KPI cannot be negative" in html and "不能为负" not in html


def test_unknown_kpi_is_a_404(admin_page):
    assert admin_page.get(f"{URL}mood/").status_code == 404
    assert admin_page.post(f"{URL}<script>/", {"value": "1", "source_by": "x"}).status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "event_manager", "voucher_officer", "service_officer"])
def test_other_staff_are_refused(make_staff, role):
    client = page_client(make_staff(role)[0])
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}town_unicorns/").status_code == 403
    resp = client.post(f"{URL}town_unicorns/", {"value": "1", "source_by": "x"})
    assert resp.status_code == 403 and not KpiValue.objects.exists()


def test_founders_and_strangers_are_refused(founder):
    user, _company, _api = founder
    assert page_client(user).post(f"{URL}town_unicorns/", {"value": "1", "source_by": "x"}).status_code == 403
    anonymous = Client().post(f"{URL}town_unicorns/", {"value": "1", "source_by": "x"})
    assert anonymous.status_code == 302 and "/login/" in anonymous.url
    assert not KpiValue.objects.exists()


def test_api_takes_who_and_which_document(make_staff):
    _admin, api = make_staff("town_admin")
    resp = api.post(
        "staff/dashboard/kpis",
        {"kpi": "town_scenarios", "value": 20, "source_by": "小镇办", "source_document": "场景清单"},
    )
    assert resp.status_code == 201 and resp.json()["source"] == "小镇办《场景清单》"
    assert api.post("staff/dashboard/kpis", {"kpi": "town_scenarios", "value": 1.5}).json()["field"] in (
        "value",
        "source",
    )
