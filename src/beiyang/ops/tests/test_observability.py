"""Request ids, one access line per request, JSON logs, /metrics and the probes."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from beiyang.ops.requestlog import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_request_id_and_a_good_offered_one_is_kept(client):
    fresh = client.get("/healthz")
    assert len(fresh["X-Request-ID"]) == 32
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-4f1c2d3e")
    assert kept["X-Request-ID"] == "nginx-4f1c2d3e"
    hostile = client.get("/healthz", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b" + "y" * 80)
    assert hostile["X-Request-ID"] != "x" and "\n" not in hostile["X-Request-ID"]


def test_a_client_error_is_logged_once_with_its_request_id(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/api/v1/me", HTTP_X_REQUEST_ID="req-00000001")
    assert response.status_code == 401
    lines = [r for r in caplog.records if "/api/v1/me" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert (
        lines[0].name == "beiyang.access" and lines[0].status == 401 and lines[0].route == "api-1.0.0:me"
    ) or lines[0].route


def test_json_log_lines_carry_the_request_id():
    from beiyang.ops.requestlog import request_id_var

    record = logging.LogRecord("beiyang.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.status = 200
    token = request_id_var.set("req-12345678")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-12345678" and line["message"] == "GET /x" and line["status"] == 200


def test_metrics_count_requests_and_read_the_town(founder, client):
    _, _, api = founder
    api.get("me")
    text = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    assert "beiyang_http_requests_total{" in text
    assert "beiyang_database_figures_up 1.0" in text
    assert "beiyang_registrations_total" in text or "beiyang_registrations" in text


def test_metrics_are_not_for_strangers(settings):
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 404
    assert (
        Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").get("/metrics").status_code == 404
    )
    settings.METRICS_TOKEN = "s3cret-token"
    ok = Client(REMOTE_ADDR="203.0.113.9").get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200


def test_probes_answer_plain_http_in_the_production_profile(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 301


def test_readyz_is_this_process_and_answers_within_two_seconds_when_the_database_hangs(
    client, settings, monkeypatch
):
    import threading
    import time

    from beiyang.ops import health

    settings.HUEY = {**settings.HUEY, "immediate": False}
    monkeypatch.setattr(health, "worker_heartbeat_age", lambda: None)  # no worker at all
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    # ... while the town's status says the worker is missing.
    status = client.get("/statusz")
    assert status.status_code == 503 and status.json()["worker"]["ok"] is False

    release = threading.Event()

    def hanging_database():  # a connect that never answers, as with PostgreSQL gone
        release.wait(30)
        raise OSError("gone")

    monkeypatch.setattr(health, "_select_one", hanging_database)
    started = time.monotonic()
    try:
        gone = client.get("/readyz")
    finally:
        release.set()
    assert gone.status_code == 503 and gone.json()["status"] == "unavailable"
    assert time.monotonic() - started < 2


def test_statusz_reports_the_oldest_queued_delivery(founder, client):
    import datetime as dt

    from django.utils import timezone

    from beiyang.notifications.actions import do_prepare_deliveries, do_send_message
    from beiyang.notifications.models import Delivery

    user, _company, _api = founder
    message = do_send_message(user.pk, kind="system", title="t", channels=False)
    ids = do_prepare_deliveries(message.pk)
    Delivery.objects.filter(pk__in=ids).update(created_at=timezone.now() - dt.timedelta(minutes=10))
    status = client.get("/statusz").json()
    assert status["deliveries"]["ok"] is False
    assert status["deliveries"]["oldest_queued_age_seconds"] >= 600
    text = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    assert "beiyang_delivery_oldest_queued_age_seconds" in text
