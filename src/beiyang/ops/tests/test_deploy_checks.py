"""Configuration that cannot be wrong quietly: ``beiyang check --deploy`` and the refusal of
``beiyang run`` and ``beiyang worker`` to start in the production profile."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from beiyang.ops import checks

ROOT = Path(__file__).resolve().parents[4]


def shipped_env() -> dict[str, str]:
    """``deploy/beiyang.env`` as an operator installs it, before filling anything in."""
    values = {}
    for line in (ROOT / "deploy" / "beiyang.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def beiyang(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_", "EMAIL_", "REDIS", "DATABASE"))}
    clean.pop("HUEY_IMMEDIATE", None)
    full = {**clean, "DJANGO_SETTINGS_MODULE": "beiyang.settings", **env, "BEIYANG_VAR_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "beiyang.cli", *args], env=full, capture_output=True, text=True, timeout=120
    )


def configured_env() -> dict[str, str]:
    """Aliyun SMS and SMTP filled in as docs/operations.md says."""
    return {
        **shipped_env(),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SMS_PROVIDER": "aliyun",
        "SMS_ACCESS_KEY_ID": "LTAI5tBeiyangTestKeyId",
        "SMS_ACCESS_KEY_SECRET": secrets.token_urlsafe(24),
        "SMS_SIGN_NAME": "北杨小镇",
        "SMS_TEMPLATE_CODE": "SMS_480010001",
        "SMS_NOTICE_TEMPLATE_CODE": "SMS_480010002",
        "EMAIL_HOST": "smtp.example.gov.cn",
        "EMAIL_PORT": "465",
        "EMAIL_USE_SSL": "1",
        "EMAIL_HOST_USER": "noreply@founders.example.gov.cn",
        "EMAIL_HOST_PASSWORD": secrets.token_urlsafe(16),
        "METRICS_TOKEN": secrets.token_urlsafe(32),
    }


def test_the_shipped_env_fails_the_deploy_check_naming_sms_and_email(tmp_path):
    done = beiyang(["check", "--deploy"], shipped_env(), tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    for named in ("beiyang.E001", "SMS_PROVIDER", "beiyang.E003", "EMAIL_HOST", "beiyang.E004", "SECRET_KEY"):
        assert named in out, named
    assert "短信" in out and "邮件" in out  # Chinese first, then English


def test_beiyang_run_refuses_to_start_with_the_shipped_env(tmp_path):
    port = 18000 + secrets.randbelow(1000)
    done = beiyang(["run", "--port", str(port), "--no-jobs"], shipped_env(), tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "拒绝启动" in out and "refusing to start" in out
    assert "beiyang.E001" in out and "beiyang.E003" in out and "Beiyang: http" not in out


def test_the_worker_refuses_to_start_with_the_shipped_env(tmp_path):
    done = beiyang(["worker", "--quiet"], shipped_env(), tmp_path)
    assert done.returncode != 0 and "beiyang.E001" in done.stdout + done.stderr


def test_aliyun_sms_and_smtp_pass_the_deploy_check(tmp_path):
    done = beiyang(["check", "--deploy", "--fail-level", "WARNING"], configured_env(), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def production(settings):
    """Settings that pass, to spoil one at a time."""
    settings.SMS_PROVIDER = "aliyun"
    settings.SMS_BACKEND = settings.SMS_PROVIDERS["aliyun"]
    for name in ("SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME", "SMS_TEMPLATE_CODE"):
        setattr(settings, name, "set")
    settings.SMS_NOTICE_TEMPLATE_CODE = "set"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "smtp.example.gov.cn"
    settings.SECRET_KEY = secrets.token_urlsafe(64)
    settings.SITE_URL = "https://founders.example.gov.cn"
    settings.ALLOWED_HOSTS = ["founders.example.gov.cn", "127.0.0.1"]
    settings.HUEY = {"name": "beiyang", "immediate": False}
    settings.NOTIFY_WEBHOOK_URL = ""
    settings.METRICS_TOKEN = ""
    settings.WEB_WORKERS = 1
    return settings


def _ids() -> set[str]:
    return {
        issue.id
        for check in (
            checks.check_sms,
            checks.check_email,
            checks.check_secrets,
            checks.check_site_url,
            checks.check_allowed_hosts,
            checks.check_jobs,
        )
        for issue in check()
    }


def test_the_baseline_passes(production):
    assert _ids() == set()


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("SMS_BACKEND", "beiyang.accounts.sms.FileSmsBackend", "beiyang.E001"),
        ("SMS_BACKEND", "beiyang.accounts.sms.ConsoleSmsBackend", "beiyang.E001"),
        ("SMS_BACKEND", "", "beiyang.E001"),
        ("SMS_SIGN_NAME", "", "beiyang.E002"),
        ("SMS_NOTICE_TEMPLATE_CODE", "", "beiyang.E002"),
        ("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend", "beiyang.E003"),
        ("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend", "beiyang.E003"),
        ("EMAIL_HOST", "", "beiyang.E003"),
        ("SECRET_KEY", "short-key", "beiyang.E004"),
        ("SECRET_KEY", "django-insecure-" + "x" * 60, "beiyang.E004"),
        ("SITE_URL", "http://founders.example.gov.cn", "beiyang.E007"),
        ("SITE_URL", "https://127.0.0.1:8000", "beiyang.E007"),
        ("ALLOWED_HOSTS", ["founders.example.gov.cn", "testserver"], "beiyang.E008"),
        ("ALLOWED_HOSTS", ["*"], "beiyang.E008"),
        ("HUEY", {"name": "beiyang", "immediate": True}, "beiyang.E009"),
    ],
)
def test_each_wrong_setting_is_named(production, setting, value, expected):
    setattr(production, setting, value)
    assert _ids() == {expected}


def test_tencent_needs_its_app_id(production):
    production.SMS_PROVIDER = "tencent"
    production.SMS_BACKEND = production.SMS_PROVIDERS["tencent"]
    production.SMS_SDK_APP_ID = ""
    [issue] = checks.check_sms()
    assert issue.id == "beiyang.E002" and "SMS_SDK_APP_ID" in issue.msg and "SMS_SDK_APP_ID" in issue.hint


def test_the_webhook_secret_is_checked_when_the_webhook_is_on(production):
    production.NOTIFY_WEBHOOK_URL = "https://hooks.example.gov.cn/beiyang"
    for weak in ("", "change-me", "s3cr3t"):
        production.NOTIFY_WEBHOOK_SECRET = weak
        assert _ids() == {"beiyang.E005"}
    production.NOTIFY_WEBHOOK_SECRET = secrets.token_urlsafe(32)
    assert _ids() == set()


def test_several_processes_need_redis(production):
    production.WEB_WORKERS = 2
    production.REDIS_URL = ""
    assert _ids() == {"beiyang.E010"}
    production.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert _ids() == set()


def test_allowed_hosts_outside_tests_have_no_testserver(tmp_path):
    done = beiyang(
        ["shell", "-c", "from django.conf import settings; print(settings.ALLOWED_HOSTS)"], {}, tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "testserver" not in done.stdout and "localhost" in done.stdout


def test_run_points_links_at_the_port_it_serves(monkeypatch, settings):
    """Without SITE_URL, calendar files and messages link to where `beiyang run` listens."""
    import signal

    import uvicorn

    seen = {}
    settings.SITE_URL = "http://127.0.0.1:8000"  # what the settings gave (restored after the test)
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # not this test process's handler
    monkeypatch.setattr(
        uvicorn, "run", lambda *a, **kw: seen.update(site=settings.SITE_URL, env=os.environ["SITE_URL"])
    )
    call_command("run", port=18765, no_jobs=True)
    assert seen == {"site": "http://127.0.0.1:18765", "env": "http://127.0.0.1:18765"}
