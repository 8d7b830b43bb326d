"""Deployment checks (``beiyang check --deploy``): configuration that would otherwise be wrong
quietly. Under ``BEIYANG_PROFILE=production`` ``beiyang run`` and ``beiyang worker`` run them
and refuse to start on any error (``refuse_unsafe_start``). Each message says what is wrong and
its hint what to set, in Chinese and English."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

# Backends that keep messages on this machine instead of sending them.
LOCAL_SMS = ("FileSmsBackend", "ConsoleSmsBackend", "LocmemSmsBackend")
LOCAL_EMAIL = ("filebased", "console", "locmem", "dummy")
MIN_SECRET_LENGTH = 50
MIN_SHARED_SECRET_LENGTH = 32
KNOWN_DEFAULTS = {"change-me", "changeme", "secret", "django-insecure"}


def _error(number: int, zh: str, en: str, hint_zh: str, hint_en: str) -> checks.Error:
    return checks.Error(f"{zh} {en}", hint=f"{hint_zh} {hint_en}", id=f"beiyang.E{number:03d}")


def _weak(secret: str, length: int) -> bool:
    lowered = secret.lower()
    return len(secret) < length or len(set(secret)) < 10 or any(lowered.startswith(d) for d in KNOWN_DEFAULTS)


@checks.register(checks.Tags.security, deploy=True)
def check_sms(app_configs=None, **kwargs) -> list[checks.Error]:
    backend = settings.SMS_BACKEND
    if not backend:
        return [
            _error(
                1,
                f"短信服务商 SMS_PROVIDER={settings.SMS_PROVIDER!r} 无法识别。",
                f"SMS_PROVIDER={settings.SMS_PROVIDER!r} is not a known SMS provider.",
                "请设置 SMS_PROVIDER=aliyun、tencent 或 http。",
                "Set SMS_PROVIDER to aliyun, tencent or http.",
            )
        ]
    if backend.endswith(LOCAL_SMS):
        return [
            _error(
                1,
                f"短信没有发出,只写在本机({backend.rsplit('.', 1)[-1]}):创业者收不到登录验证码。",
                f"SMS is not sent, only kept on this machine ({backend.rsplit('.', 1)[-1]}): founders get no login code.",
                "请设置 SMS_PROVIDER=aliyun 或 tencent,以及 SMS_ACCESS_KEY_ID、SMS_ACCESS_KEY_SECRET、"
                "SMS_SIGN_NAME、SMS_TEMPLATE_CODE、SMS_NOTICE_TEMPLATE_CODE(见 docs/operations.md)。",
                "Set SMS_PROVIDER=aliyun or tencent with SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET,"
                " SMS_SIGN_NAME, SMS_TEMPLATE_CODE and SMS_NOTICE_TEMPLATE_CODE (docs/operations.md).",
            )
        ]
    needed = {
        "AliyunSmsBackend": [
            "SMS_ACCESS_KEY_ID",
            "SMS_ACCESS_KEY_SECRET",
            "SMS_SIGN_NAME",
            "SMS_TEMPLATE_CODE",
            "SMS_NOTICE_TEMPLATE_CODE",
        ],
        "TencentSmsBackend": [
            "SMS_ACCESS_KEY_ID",
            "SMS_ACCESS_KEY_SECRET",
            "SMS_SDK_APP_ID",
            "SMS_SIGN_NAME",
            "SMS_TEMPLATE_CODE",
            "SMS_NOTICE_TEMPLATE_CODE",
        ],
        "HttpSmsBackend": ["SMS_GATEWAY_URL"],
    }.get(backend.rsplit(".", 1)[-1], [])
    missing = [name for name in needed if not getattr(settings, name, "")]
    if missing:
        names = ", ".join(missing)
        return [
            _error(
                2,
                f"短信服务商 {settings.SMS_PROVIDER} 缺少配置:{names}。",
                f"The SMS provider {settings.SMS_PROVIDER} is missing {names}.",
                f"请在 /etc/beiyang/beiyang.env 中设置 {names}。",
                f"Set {names} in /etc/beiyang/beiyang.env.",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_email(app_configs=None, **kwargs) -> list[checks.Error]:
    backend = settings.EMAIL_BACKEND
    if any(f".{kind}." in backend for kind in LOCAL_EMAIL):
        return [
            _error(
                3,
                f"邮件没有发出,只写在本机({backend}):创业者收不到邮件。",
                f"Email is not sent, only kept on this machine ({backend}): founders get no email.",
                "请设置 EMAIL_HOST(及 EMAIL_PORT、EMAIL_HOST_USER、EMAIL_HOST_PASSWORD、EMAIL_USE_TLS 或"
                " EMAIL_USE_SSL、DEFAULT_FROM_EMAIL),并删除 EMAIL_BACKEND。",
                "Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS or"
                " EMAIL_USE_SSL, DEFAULT_FROM_EMAIL) and remove EMAIL_BACKEND.",
            )
        ]
    if backend.endswith("smtp.EmailBackend") and not settings.EMAIL_HOST:
        return [
            _error(
                3,
                "邮件使用 SMTP 但没有设置 EMAIL_HOST。",
                "Email goes over SMTP but EMAIL_HOST is not set.",
                "请设置 EMAIL_HOST 为小镇的 SMTP 服务器。",
                "Set EMAIL_HOST to the town's SMTP server.",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_secrets(app_configs=None, **kwargs) -> list[checks.Error]:
    errors = []
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # empty: Django refuses to hand it out
        secret_key = ""
    if _weak(secret_key, MIN_SECRET_LENGTH):
        errors.append(
            _error(
                4,
                f"SECRET_KEY 太短或是默认值(至少 {MIN_SECRET_LENGTH} 个随机字符)。",
                f"SECRET_KEY is short or a default (it needs {MIN_SECRET_LENGTH}+ random characters).",
                "请用 python3 -c 'import secrets; print(secrets.token_urlsafe(64))' 生成并设置 SECRET_KEY。",
                "Generate one with python3 -c 'import secrets; print(secrets.token_urlsafe(64))' and set SECRET_KEY.",
            )
        )
    if settings.NOTIFY_WEBHOOK_URL and _weak(settings.NOTIFY_WEBHOOK_SECRET, MIN_SHARED_SECRET_LENGTH):
        errors.append(
            _error(
                5,
                f"NOTIFY_WEBHOOK_SECRET 太短或是默认值(至少 {MIN_SHARED_SECRET_LENGTH} 个随机字符),"
                "接收方无法相信推送的签名。",
                f"NOTIFY_WEBHOOK_SECRET is short or a default ({MIN_SHARED_SECRET_LENGTH}+ random characters):"
                " the receiver cannot trust the signature.",
                "请生成随机密钥,同时设置在 NOTIFY_WEBHOOK_SECRET 和接收方。",
                "Generate a random secret and set it as NOTIFY_WEBHOOK_SECRET and at the receiver.",
            )
        )
    if settings.METRICS_TOKEN and _weak(settings.METRICS_TOKEN, MIN_SHARED_SECRET_LENGTH):
        errors.append(
            _error(
                6,
                f"METRICS_TOKEN 太短(至少 {MIN_SHARED_SECRET_LENGTH} 个随机字符)。",
                f"METRICS_TOKEN is short ({MIN_SHARED_SECRET_LENGTH}+ random characters).",
                "请设置更长的随机 METRICS_TOKEN,或留空只允许本机抓取。",
                "Set a longer random METRICS_TOKEN, or leave it empty to allow loopback scrapes only.",
            )
        )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs) -> list[checks.Error]:
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme != "https" or not parts.hostname or parts.hostname in ("127.0.0.1", "localhost"):
        return [
            _error(
                7,
                f"SITE_URL 未设置或不是小镇的 https 地址(现为 {settings.SITE_URL}):日历、邮件和短信里的链接会打不开。",
                f"SITE_URL is unset or not the town's https address (now {settings.SITE_URL}):"
                " links in calendars, email and SMS would not open.",
                "请设置 SITE_URL=https://<对外域名>,不带结尾斜杠。",
                "Set SITE_URL=https://<public host name>, without a trailing slash.",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_allowed_hosts(app_configs=None, **kwargs) -> list[checks.Error]:
    bad = [host for host in settings.ALLOWED_HOSTS if host in ("*", "testserver", ".testserver")]
    if bad or not settings.ALLOWED_HOSTS:
        return [
            _error(
                8,
                f"ALLOWED_HOSTS 含有 {', '.join(bad) or '(空)'}:任何主机名都会被接受或测试主机名被放行。",
                f"ALLOWED_HOSTS holds {', '.join(bad) or '(nothing)'}: any host name, or the test one, is served.",
                "请把 ALLOWED_HOSTS 设为小镇的域名(逗号分隔),例如 founders.example.gov.cn,127.0.0.1。",
                "Set ALLOWED_HOSTS to the town's host names, comma-separated, e.g. founders.example.gov.cn,127.0.0.1.",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_jobs(app_configs=None, **kwargs) -> list[checks.Error]:
    errors = []
    if settings.HUEY.get("immediate"):
        errors.append(
            _error(
                9,
                "后台任务在请求中立即执行(HUEY_IMMEDIATE):短信、邮件网关变慢时请求也会变慢,失败不再重试。",
                "Jobs run inside requests (HUEY_IMMEDIATE): a slow SMS or mail gateway slows requests and"
                " failures are not retried.",
                "请删除 HUEY_IMMEDIATE,并运行一个 beiyang worker。",
                "Remove HUEY_IMMEDIATE and run one beiyang worker.",
            )
        )
    if settings.WEB_WORKERS > 1 and not settings.REDIS_URL:
        errors.append(
            _error(
                10,
                f"{settings.WEB_WORKERS} 个服务进程却没有 Redis:消息推送、令牌吊销和限流在进程之间不一致。",
                f"{settings.WEB_WORKERS} server processes without Redis: message fan-out, token revocation"
                " and rate limits are not shared between them.",
                "请设置 REDIS_URL=redis://127.0.0.1:6379/0,或只用一个进程(--workers 1)。",
                "Set REDIS_URL=redis://127.0.0.1:6379/0, or serve with one process (--workers 1).",
            )
        )
    return errors


def refuse_unsafe_start(command, workers: int | None = None) -> None:
    """In the production profile, run every deployment check and refuse to start on an error,
    listing each with what to set. ``workers``: the server processes about to start."""
    if not settings.PRODUCTION:
        return
    if workers is not None:
        settings.WEB_WORKERS = workers
    issues = checks.run_checks(include_deployment_checks=True)
    errors = [issue for issue in issues if issue.is_serious() and not issue.is_silenced()]
    if errors:
        lines = [f"{issue.id}: {issue.msg}\n    {issue.hint}" for issue in errors]
        raise CommandError(
            "生产配置有误,拒绝启动(beiyang check --deploy 列出同样的问题)。"
            " The production configuration is wrong; refusing to start (beiyang check --deploy lists the same):\n"
            + "\n".join(lines)
        )
