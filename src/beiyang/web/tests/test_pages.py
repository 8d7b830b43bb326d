import pytest
from django.test import Client

from beiyang.accounts.models import User
from beiyang.companies.models import Company
from beiyang.companies.tests.factories import next_credit_code

pytestmark = pytest.mark.django_db


def test_public_pages_render_in_chinese_by_default():
    client = Client()
    for url in ("/", "/login/", "/login/?mode=sms", "/signup/", "/benefits/calculator/"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert 'lang="zh-hans"' in resp.content.decode()
    assert "北杨" in client.get("/").content.decode()


def test_english_switch():
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page and "Welcome to the Beiyang AI Innovation Town" in page


def test_signup_company_and_benefits_walk():
    client = Client()
    resp = client.post(
        "/signup/",
        {"phone": "13812340000", "password": "Str0ng-pass-1", "name": "小林", "birth_date": "1992-06-18"},
    )
    assert resp.status_code == 302 and resp["Location"] == "/me/company/"
    resp = client.post(
        "/me/company/",
        {
            "name": "模速科技",
            "credit_code": next_credit_code(),
            "district": "徐汇",
            "stage": "seed",
            "sectors": ["llm"],
            "founded_on": "2025-03-01",
            "headcount": "6",
            "in_town": "on",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:500]
    page = client.get("/benefits/").content.decode()
    assert "算力券" in page and "在徐汇区注册" not in page and "mark pass" in page


def test_form_errors_are_shown_not_raised():
    client = Client()
    resp = client.post("/signup/", {"phone": "123", "password": "x"})
    assert resp.status_code == 400 and "手机号" in resp.content.decode()
    assert User.objects.count() == 0
    User.objects.create_user("13812340001", "Str0ng-pass-1")
    client.post("/login/", {"phone": "13812340001", "password": "Str0ng-pass-1"})
    resp = client.post("/me/company/", {"name": "x", "credit_code": "BAD", "district": "徐汇"})
    assert resp.status_code == 400 and "统一社会信用代码" in resp.content.decode()
    assert Company.objects.count() == 0


def test_login_with_password_and_next():
    User.objects.create_user("13812340002", "Str0ng-pass-1")
    client = Client()
    resp = client.post("/login/", {"phone": "13812340002", "password": "Str0ng-pass-1", "next": "/me/"})
    assert resp.status_code == 302 and resp["Location"] == "/me/"
    resp = Client().post(
        "/login/", {"phone": "13812340002", "password": "x", "next": "https://evil.example/"}
    )
    assert resp.status_code == 400
    resp = Client().post(
        "/login/", {"phone": "13812340002", "password": "Str0ng-pass-1", "next": "//evil.example/"}
    )
    assert resp["Location"] == "/"


def test_calculator_answers_htmx_with_a_fragment():
    client = Client()
    resp = client.post(
        "/benefits/calculator/",
        {"age": "30", "district": "长宁", "sectors": ["llm"]},
        headers={"HX-Request": "true"},
    )
    page = resp.content.decode()
    assert resp.status_code == 200 and "<html" not in page and "在徐汇区注册即可符合条件" in page
    resp = client.post("/benefits/calculator/", {"age": "abc"}, headers={"HX-Request": "true"})
    assert "年龄应为0到150之间的整数" in resp.content.decode()


def test_staff_pages_need_roles(founder, make_staff):
    user, _company, _api = founder
    client = Client()
    client.force_login(user)
    assert client.get("/staff/").status_code == 403
    admin, _ = make_staff("town_admin")
    client.force_login(admin)
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/packs/").status_code == 200


def test_health_endpoints():
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ok"
