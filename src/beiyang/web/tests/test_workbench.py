"""The staff workbench and the founder's finish, page by page (the browser walk is in tests/e2e)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation

from beiyang.applications import actions as application_actions
from beiyang.applications.models import Application
from beiyang.demo import demo_pdf
from beiyang.events.models import Event, Registration
from beiyang.events.tests.factories import EventFactory
from beiyang.notifications.actions import do_send_message
from beiyang.notifications.models import ChannelPreference, Message
from beiyang.web.labels import forecast, label, money

pytestmark = pytest.mark.django_db


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submitted(founder_user, policy="startup-capital", amount=None) -> Application:
    application = application_actions.do_start_application(founder_user, policy_id=policy, amount_cny=amount)
    for code in application.eligibility.get("documents") or []:
        upload = SimpleUploadedFile(f"{code}.pdf", demo_pdf(code))
        application_actions.do_upload_document(founder_user, application.pk, doc_type=code, upload=upload)
    if application.documents.exists():
        application.documents.update(content_type="text/html")  # what a client claimed
    return application_actions.do_submit(founder_user, application.pk)


def test_each_role_sees_only_its_workspace(make_staff):
    reviewer, _ = make_staff("reviewer")
    manager, _ = make_staff("event_manager")
    home = page(reviewer).get("/staff/").content.decode()
    assert "审核队列" in home and "活动与签到" not in home and "审核员" in home
    home = page(manager).get("/staff/").content.decode()
    assert "活动与签到" in home and "审核队列" not in home and "活动管理员" in home
    forbidden = page(manager).get("/staff/applications/")
    assert forbidden.status_code == 403 and "没有权限" in forbidden.content.decode()
    assert 'class="tabs"' in forbidden.content.decode()  # the site's layout, not bare text


def test_not_found_is_a_page_in_the_layout():
    resp = Client().get("/no-such-page/")
    assert resp.status_code == 404
    html = resp.content.decode()
    assert "页面不存在" in html and "Page not found" in html and "site.css" in html


def test_decision_page_documents_and_decision(founder, make_staff):
    user, _company, _api = founder
    application = submitted(user)
    reviewer, _ = make_staff("reviewer")
    second, _ = make_staff("reviewer")
    html = page(reviewer).get(f"/staff/applications/{application.pk}/").content.decode()
    assert "申请人填写的信息" in html and "提交时" in html and "政策最高额度" in html
    assert "提交审核" in html and "applications.application" not in html
    document = application.documents.first()
    served = page(reviewer).get(f"/applications/{application.pk}/documents/{document.pk}/")
    # Inline by the checked extension, never by the type the uploader claimed (text/html).
    assert served["Content-Type"] == "application/pdf" and "attachment" not in served["Content-Disposition"]
    page(second).post(f"/staff/applications/{application.pk}/", {"step": "approve", "reason": "复核通过"})
    application.refresh_from_db()
    assert application.status == "approved"
    history = page(reviewer).get("/staff/applications/decided/?status=approved").content.decode()
    assert f"/staff/applications/{application.pk}/" in history
    rejected_only = page(reviewer).get("/staff/applications/decided/?status=rejected").content.decode()
    assert f"/staff/applications/{application.pk}/" not in rejected_only


def test_first_approval_says_a_second_reviewer_is_needed(founder, make_staff):
    user, _company, _api = founder
    application = submitted(user)
    Application.objects.filter(pk=application.pk).update(amount_requested_fen=10**12, max_amount_fen=10**12)
    reviewer, _ = make_staff("reviewer")
    application.refresh_from_db()
    application.first_approved_by, application.first_approved_fen = reviewer, application.amount_requested_fen
    application.status = "in_review"
    application.save()
    html = page(reviewer).get(f"/staff/applications/{application.pk}/").content.decode()
    assert "等待第二位审核员" in html
    # The first approver cannot approve again: the form is not offered to them.
    assert 'id="you-approved"' in html and 'id="decision-form"' not in html
    assert "等待第二位审核员" in page(reviewer).get("/staff/applications/").content.decode()
    second, _ = make_staff("reviewer")
    assert 'id="decision-form"' in page(second).get(f"/staff/applications/{application.pk}/").content.decode()


def test_office_files_download_rather_than_open(founder, make_staff):
    user, _company, _api = founder
    application = application_actions.do_start_application(user, policy_id="startup-capital")
    code = application.eligibility["documents"][0]
    docx = SimpleUploadedFile("plan.docx", _docx_bytes(), content_type="text/html")
    document = application_actions.do_upload_document(user, application.pk, doc_type=code, upload=docx)
    served = page(user).get(f"/applications/{application.pk}/documents/{document.pk}/")
    assert (
        served["Content-Type"] == "application/octet-stream" and "attachment" in served["Content-Disposition"]
    )
    other, _ = make_staff("event_manager")
    assert page(other).get(f"/applications/{application.pk}/documents/{document.pk}/").status_code == 404


def test_event_manager_creates_edits_and_checks_in_by_name(make_staff, make_founder):
    manager, _ = make_staff("event_manager")
    client = page(manager)
    resp = client.post(
        "/staff/events/new/",
        {
            "title": "路演日 · 页面测试",
            "kind": "roadshow",
            "venue": "模速空间",
            "starts_at": "2027-03-18T14:00",
            "ends_at": "2027-03-18T12:00",
            "capacity": "50",
        },
    )
    assert resp.status_code == 400 and "结束时间不能早于开始时间" in resp.content.decode()
    resp = client.post(
        "/staff/events/new/",
        {
            "title": "路演日 · 页面测试",
            "kind": "roadshow",
            "venue": "模速空间",
            "starts_at": "2027-03-18T14:00",
            "ends_at": "2027-03-18T17:00",
            "capacity": "50",
            "waitlist_enabled": "on",
        },
    )
    event = Event.objects.get(title="路演日 · 页面测试")
    assert resp.status_code == 302 and event.capacity == 50
    assert timezone.localtime(event.starts_at).hour == 14
    desk = client.get(f"/staff/events/{event.pk}/checkin/").content.decode()
    assert "签到将于" in desk and "3月18日 11:00" in desk
    client.post(
        f"/staff/events/{event.pk}/edit/",
        {
            "title": "路演日 · 改期",
            "kind": "roadshow",
            "venue": "模速空间",
            "starts_at": "2027-03-19T14:00",
            "ends_at": "2027-03-19T17:00",
            "capacity": "60",
        },
    )
    event.refresh_from_db()
    assert event.title == "路演日 · 改期" and event.capacity == 60

    now = timezone.now()
    today = EventFactory(starts_at=now + dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3))
    person, _company, api = make_founder()
    api.post(f"events/{today.pk}/registrations")
    registration = Registration.objects.get(event=today)
    found = client.get(f"/staff/events/{today.pk}/checkin/?q={person.name}").content.decode()
    assert registration.checkin_code in found and "签到进行中" in found
    client.post(f"/staff/events/{today.pk}/checkin/?q={person.name}", {"code": registration.checkin_code})
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    listing = client.get("/staff/events/").content.decode()
    assert listing.index(today.title) < listing.index("路演日 · 改期")  # soonest first

    resp = client.post(f"/staff/events/{today.pk}/cancel/")
    today.refresh_from_db()
    assert resp.status_code == 302 and today.status == Event.CANCELLED
    assert Message.objects.filter(user=person, title__contains="取消").exists()


def test_opening_a_message_reads_it_and_read_all_empties_the_badge(founder):
    user, _company, _api = founder
    for n in range(3):
        do_send_message(user.pk, kind="system", title=f"通知{n}", body="正文")
    client = page(user)
    assert 'data-count="3"' in client.get("/me/messages/").content.decode()
    first = Message.objects.filter(user=user).first()
    html = client.get(f"/me/messages/{first.pk}/").content.decode()
    assert 'data-count="2"' in html and first.title in html
    client.post("/me/messages/")
    assert 'data-count="0"' in client.get("/me/messages/").content.decode()
    stranger_message = Message.objects.create(user=_other_user(), title="别人的", body="")
    assert client.get(f"/me/messages/{stranger_message.pk}/").status_code == 404


def _other_user():
    from beiyang.accounts.models import User

    return User.objects.create_user("13700000009", "Str0ng-pass-1", name="路人")


def test_notification_preferences_page(founder):
    user, _company, _api = founder
    client = page(user)
    resp = client.post(
        "/me/notifications/",
        {"sms": "on", "language": "zh-hans", "quiet_start": "22:00", "quiet_end": "07:30"},
    )
    assert resp.status_code == 302
    pref = ChannelPreference.objects.get(user=user)
    assert pref.sms and not pref.email and pref.quiet_end == dt.time(7, 30)
    bad = client.post("/me/notifications/", {"quiet_start": "22:00"})
    assert bad.status_code == 400 and "免打扰" in bad.content.decode()


def test_my_page_links_and_my_registrations_show_the_code_not_the_feed_url(founder):
    user, _company, api = founder
    me = page(user).get("/me/").content.decode()
    for url in ("/applications/", "/events/mine/", "/vouchers/", "/me/notifications/"):
        assert f'href="{url}"' in me
    event = EventFactory()
    api.post(f"events/{event.pk}/registrations")
    mine = page(user).get("/events/mine/").content.decode()
    assert "<svg" in mine and "http://testserver/events/feed/" not in mine


def test_one_money_format_and_readable_forecasts():
    assert money(100000) == "10万元" and money("360000.00") == "36万元"
    assert money(49150000) == "4,915万元" and money(135_000_000_000) == "1,350亿元"
    assert money(9800) == "9,800元" and money("12.5") == "12.50元"
    with translation.override("en"):
        assert money(135_000_000_000) == "¥135 billion" and money(49150000) == "¥49.15 million"
        assert money(1_200_000) == "¥1,200,000" and money("12.5") == "¥12.50"
    assert forecast(dt.date(2108, 12, 21), today=dt.date(2026, 11, 30)) == "本年度内不会用完"
    assert forecast(dt.date(2026, 12, 21), today=dt.date(2026, 11, 30)) == "预计12月21日用完"
    assert label("event_manager", "role") == "活动管理员"
    assert label("applications.application.first_approved", "audit").startswith("第一位审核员批准")
    assert label("no-such-code", "role") == "—"


def test_defaults_debug_off_and_a_generated_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "BEIYANG_PROFILE")}
    env.update({"BEIYANG_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "beiyang.settings"})
    code = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY)"
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    debug, key = first.stdout.split()
    assert debug == "False" and len(key) >= 50 and again.stdout == first.stdout
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    on = subprocess.run(
        [sys.executable, "-c", code], env={**env, "DEBUG": "1"}, capture_output=True, text=True
    )
    assert on.stdout.startswith("True")


def test_demo_is_refused_in_production(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update({"BEIYANG_VAR_DIR": str(tmp_path), "BEIYANG_PROFILE": "production", "SECRET_KEY": "k" * 60})
    run = subprocess.run(
        [sys.executable, "-m", "beiyang.cli", "demo"], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0 and "演示" in run.stderr + run.stdout


def test_api_docs_and_favicon_are_served_from_our_static_files():
    docs = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert Client().get("/favicon.ico")["Location"].endswith("web/favicon.svg")


def test_server_error_page_is_in_the_layout(rf):
    from django.views.defaults import server_error

    html = server_error(rf.get("/")).content.decode()
    assert "服务出了点问题" in html and "Something went wrong" in html and "site.css" in html


def _docx_bytes() -> bytes:
    """The smallest file the upload check takes for a Word document: a zip with word/ parts."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_time_stamps_read_in_words():
    from beiyang.web.labels import moment_text, moment_words

    now = timezone.localtime()
    stamp = now.replace(month=3, day=5, hour=9, minute=7)
    assert moment_text(stamp) == "3月5日 09:07"
    assert moment_text(stamp.replace(year=now.year - 1)) == f"{now.year - 1}年3月5日 09:07"
    with translation.override("en"):
        assert moment_text(stamp) == "5 Mar 09:07"
    # Messages and errors carry both languages whatever the page's language.
    assert (moment_words(stamp, en=False), moment_words(stamp, en=True)) == ("3月5日 09:07", "5 Mar 09:07")
