"""Account actions: sign-up, login (password or SMS code), tokens, staff, providers."""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import secrets
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from beiyang.accounts.models import ApiToken, LoginThrottle, Provider, ProviderApiKey, SmsCode, User
from beiyang.accounts.queries import users_for_tokens
from beiyang.accounts.roles import ROLE_NAMES
from beiyang.accounts.signals import voucher_kinds_wanted
from beiyang.accounts.sms import SmsDeliveryError, login_code_sms, send_sms
from beiyang.accounts.token_cache import FORGET_USER, token_users
from beiyang.accounts.tokens import code_digest, digest, new_secret
from beiyang.core.audit import log_action, snapshot
from beiyang.core.errors import AuthenticationRequired, Conflict, InvalidInput, NotFound, RateLimited
from beiyang.core.groupcommit import GroupCommit
from beiyang.core.identifiers import (
    birth_date_from_resident_id,
    parse_credit_code,
    parse_phone,
    parse_resident_id,
)
from beiyang.core.ratelimit import check_rate, hit, once_per
from beiyang.core.realtime import hub

logger = logging.getLogger(__name__)
TOKEN_TOUCH_SECONDS = 300  # how stale a token's last-use stamp may get
PROFILE_FIELDS = ["name", "email", "birth_date", "resident_id"]


def _check_password_strength(password: str, user: User | None = None) -> None:
    if not isinstance(password, str) or not password:
        raise InvalidInput("请设置密码", "A password is required", field="password", code="invalid_password")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            "密码太弱:至少8位,且不能是纯数字或常见密码",
            "Password too weak: " + " ".join(exc.messages),
            field="password",
            code="weak_password",
        ) from None


def _identity_fields(birth_date: dt.date | None, resident_id: str | None) -> dict[str, Any]:
    """Birth date from the resident ID when given; both given must agree."""
    fields: dict[str, Any] = {}
    if resident_id:
        rid = parse_resident_id(resident_id)
        born = birth_date_from_resident_id(rid)
        if birth_date and birth_date != born:
            raise InvalidInput(
                "出生日期与身份证号不一致",
                "The birth date does not match the resident ID",
                field="birth_date",
                code="birth_date_mismatch",
            )
        fields["resident_id"] = rid
        fields["birth_date"] = born
    elif birth_date:
        today = timezone.localdate()
        if birth_date > today or birth_date.year < 1900:
            raise InvalidInput(
                "出生日期不合理",
                "The birth date is impossible",
                field="birth_date",
                code="invalid_birth_date",
            )
        fields["birth_date"] = birth_date
    return fields


@transaction.atomic(durable=True)
def do_signup(
    *,
    phone: str,
    password: str,
    name: str = "",
    email: str = "",
    birth_date: dt.date | None = None,
    resident_id: str | None = None,
    ip: str = "",
) -> User:
    """``ip``: the client's address, for its limit (none without one: the shell, the demo)."""
    if ip:
        check_rate("signup_ip", ip)
    phone = parse_phone(phone)
    name = (name or "").strip()
    if len(name) > 80:
        raise InvalidInput("姓名过长", "The name is too long", field="name")
    identity = _identity_fields(birth_date, resident_id)
    _check_password_strength(password)
    if User.objects.filter(phone=phone).exists():
        raise Conflict(
            "该手机号已注册,请直接登录",
            "This phone number is already registered; log in instead",
            field="phone",
            code="phone_taken",
        )
    if identity.get("resident_id") and User.objects.filter(resident_id=identity["resident_id"]).exists():
        raise Conflict(
            "该身份证号已被其他账户使用",
            "This resident ID belongs to another account",
            field="resident_id",
            code="resident_id_taken",
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(phone, password, name=name, email=email or "", **identity)
    except IntegrityError:
        raise Conflict(
            "该手机号已注册,请直接登录",
            "This phone number is already registered; log in instead",
            field="phone",
            code="phone_taken",
        ) from None
    log_action("accounts.user.signed_up", actor=user, obj=user, after=snapshot(user, ["phone", "name"]))
    return user


# Password logins are limited twice, in the manner of django-axes' lockout by the combination of
# username and address, plus a slower limit on the number alone:
# - a number from one address: ``LOGIN_MAX_FAILURES`` wrong passwords within
#   ``LOGIN_LOCKOUT_SECONDS`` shut that address out of that number for ``LOGIN_LOCKOUT_SECONDS``.
#   Someone guessing from their own address locks only themselves out, not the owner.
# - a number from anywhere: ``LOGIN_MAX_FAILURES_PER_NUMBER`` (a larger figure) stops guessing
#   spread over many addresses the same way. This one the owner feels too, so it is bounded:
#   refused attempts are not counted, so a lock cannot be extended while it holds, and it never
#   closes SMS-code login, which needs the owner's phone. Nobody can lock the owner out of the
#   account, only shut the password door for one lockout period at a time.
# Both count per number as typed, registered or not, and a refused login answers exactly as a
# wrong password does (401 ``bad_credentials``): a lock tells nothing about registration.
# Each attempt takes its place under both limits in one guarded UPDATE before the password is
# hashed: an attempt in flight counts as a failure until it proves right, so requests fired
# together cannot all pass the check before any of them counts (Zulip and axes count after;
# in parallel that lets every request through).


def _throttle_keys(phone: str, ip: str) -> list[tuple[str, int]]:
    return [
        (f"pair:{phone}:{ip[:45]}", settings.LOGIN_MAX_FAILURES),
        (f"phone:{phone}", settings.LOGIN_MAX_FAILURES_PER_NUMBER),
    ]


def _open(now: dt.datetime) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


def _take_attempt(keys: list[tuple[str, int]], now: dt.datetime) -> bool:
    """Count this attempt as a failure under every key, or under none when any key is locked
    or full. A window older than the lockout starts again from this attempt."""
    stale = Q(window_start__lte=now - dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS))
    with transaction.atomic():
        LoginThrottle.objects.bulk_create(
            [LoginThrottle(key=key, window_start=now) for key, _ in keys], ignore_conflicts=True
        )
        for key, limit in keys:
            taken = LoginThrottle.objects.filter(_open(now), Q(failures__lt=limit) | stale, key=key).update(
                failures=Case(When(stale, then=Value(1)), default=F("failures") + 1),
                window_start=Case(When(stale, then=Value(now)), default=F("window_start")),
            )
            if not taken:
                transaction.set_rollback(True)
                return False
    return True


def _attempt_failed(keys: list[tuple[str, int]], phone: str, now: dt.datetime) -> None:
    """The attempt stays counted; a key it filled is locked (its own transaction, so that the
    count survives the error raised next)."""
    until = now + dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    with transaction.atomic():
        for key, limit in keys:
            if LoginThrottle.objects.filter(key=key, failures__gte=limit).update(
                locked_until=until, failures=0, window_start=now
            ):
                log_action(
                    "accounts.login.locked",
                    actor_label="system",
                    scope=key.split(":")[0],
                    phone=phone[:3] + "****" + phone[-4:],
                    until=until,
                )


def _attempt_succeeded(keys: list[tuple[str, int]], now: dt.datetime) -> bool:
    """Give the attempt's place back: the address's count starts again, the number's drops by
    this one. False, and nothing changed, when a failure in flight beside it locked a key."""
    (pair, _), (number, _) = keys
    with transaction.atomic():
        reset = LoginThrottle.objects.filter(_open(now), key=pair).update(failures=0)
        released = LoginThrottle.objects.filter(_open(now), key=number, failures__gt=0).update(
            failures=F("failures") - 1
        )
        if not (reset and released):
            transaction.set_rollback(True)
            return False
    return True


_BAD_LOGIN = ("手机号或密码不正确", "Wrong phone number or password")


def check_password_login(phone: str, password: str, ip: str = "") -> User:
    """The active user with this number and password, from the address ``ip``; see the limits
    above. Unknown numbers, inactive users, locks and wrong passwords all answer the same."""
    if ip:
        check_rate("login_ip", ip)  # each attempt costs a hash: bounded per address
    phone = parse_phone(phone)
    now = timezone.now()
    keys = _throttle_keys(phone, ip)
    if not _take_attempt(keys, now):
        raise AuthenticationRequired(*_BAD_LOGIN, field="password", code="bad_credentials")
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        # Hash anyway so that timing does not reveal which numbers are registered.
        User().set_password(password or "x")
        right = False
    else:
        right = user.check_password(password or "")
    if not right or not _attempt_succeeded(keys, now):
        if not right:
            _attempt_failed(keys, phone, now)
        raise AuthenticationRequired(*_BAD_LOGIN, field="password", code="bad_credentials")
    _login_succeeded(user, "password")
    return user


def _login_succeeded(user: User, method: str) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
        log_action("accounts.user.logged_in", actor=user, obj=user, method=method)


def do_request_sms_code(phone: str, purpose: str = "login", ip: str = "") -> SmsCode | None:
    """Send a six-digit code if the number belongs to an active user; None, and the same
    answer to the caller, if not. The limits (``sms_code_ip`` per address; one per
    ``SMS_CODE_RESEND_SECONDS`` and ``SMS_CODE_DAILY_LIMIT`` a day per number) count every
    number alike, registered or not, so that neither the answer nor a refusal tells."""
    if ip:
        check_rate("sms_code_ip", ip)
    phone = parse_phone(phone)
    wait = once_per(f"sms-resend:{phone}", settings.SMS_CODE_RESEND_SECONDS)
    if wait:
        raise RateLimited(
            f"验证码发送过于频繁,请{wait}秒后再试",
            f"Too many codes; try again in {wait} s",
            field="phone",
            code="sms_too_frequent",
        )
    if not hit(f"sms-daily:{phone}", settings.SMS_CODE_DAILY_LIMIT, 86400):
        raise RateLimited(
            "今日验证码次数已用完,请明天再试",
            "Daily code limit reached; try tomorrow",
            field="phone",
            code="sms_daily_limit",
        )
    registered = User.objects.filter(phone=phone, is_active=True).exists()
    now = timezone.now()
    # The same work either way (a code row, an audit entry, one transaction), and the gateway is
    # called from the worker: the time of the answer does not tell a registered number. For any
    # other number the row is void from the start (used), so nothing can sign in with it.
    with transaction.atomic(durable=True):
        code = f"{secrets.randbelow(1_000_000):06d}"
        sms = SmsCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=code_digest(phone, code),
            expires_at=now + dt.timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
            used_at=None if registered else now,
        )
        log_action(
            "accounts.sms_code.sent" if registered else "accounts.sms_code.withheld",
            obj=sms,
            actor_label=phone,
            purpose=purpose,
        )
        if registered:
            sms_id = sms.pk
            transaction.on_commit(lambda: _queue_login_code(sms_id, phone, code))
    return sms if registered else None


def _queue_login_code(sms_code_id: int, phone: str, code: str) -> None:
    """After commit: the job worker sends the code, so the founder's request never waits on the
    gateway. With the queue down, a thread of this process sends it instead."""
    from beiyang.accounts.tasks import send_login_code_task

    try:
        send_login_code_task(sms_code_id, phone, code)
    except Exception:
        logger.warning(
            "queue unavailable: login code %s sent from the web process", sms_code_id, exc_info=True
        )
        threading.Thread(target=do_send_login_code, args=(sms_code_id, phone, code), daemon=True).start()


def do_send_login_code(sms_code_id: int, phone: str, code: str) -> str:
    """Hand a login code to the SMS gateway and record the outcome: "sent", "skipped" (used or
    expired meanwhile: a late code only confuses), "failed" (the gateway can never take it) or
    "retry" (refused for now; the job tries again while the code is valid)."""
    sms = SmsCode.objects.filter(pk=sms_code_id, used_at__isnull=True, expires_at__gt=timezone.now()).first()
    if sms is None:
        return "skipped"
    try:
        external_id = send_sms(
            phone,
            login_code_sms(code, settings.SMS_CODE_TTL_SECONDS // 60),
            idempotency_key=f"beiyang-sms-code-{sms_code_id}",
        )
    except Exception as exc:
        permanent = isinstance(exc, SmsDeliveryError) and exc.permanent
        with transaction.atomic():
            log_action(
                "accounts.sms_code.failed",
                obj=sms,
                actor_label="delivery",
                error=f"{type(exc).__name__}: {exc}"[:500],
                permanent=permanent,
            )
        logger.warning("login code %s not sent: %s", sms_code_id, exc)
        return "failed" if permanent else "retry"
    with transaction.atomic():
        log_action(
            "accounts.sms_code.delivered", obj=sms, actor_label="delivery", external_id=external_id[:120]
        )
    return "sent"


_BAD_CODE = ("验证码不正确或已过期", "The code is wrong or has expired")


def check_sms_login(phone: str, code: str, ip: str = "") -> User:
    if ip:
        check_rate("login_ip", ip)
    phone = parse_phone(phone)
    if not isinstance(code, str) or not code.strip().isdigit() or len(code.strip()) != 6:
        raise InvalidInput("验证码应为6位数字", "The code has six digits", field="code", code="invalid_code")
    code = code.strip()
    now = timezone.now()
    sms = (
        SmsCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if sms is None:
        raise AuthenticationRequired(*_BAD_CODE, field="code", code="bad_code")
    # The attempt is counted before the code is compared, in one guarded statement: guesses
    # fired together cannot all pass the check before any of them counts.
    with transaction.atomic():
        counted = SmsCode.objects.filter(
            pk=sms.pk, used_at__isnull=True, expires_at__gt=now, attempts__lt=settings.SMS_CODE_MAX_ATTEMPTS
        ).update(attempts=F("attempts") + 1)
    if not counted or not secrets.compare_digest(sms.code_hash, code_digest(phone, code)):
        raise AuthenticationRequired(*_BAD_CODE, field="code", code="bad_code")
    # Single use even under a double submit: only one UPDATE can flip used_at.
    with transaction.atomic():
        used = SmsCode.objects.filter(pk=sms.pk, used_at__isnull=True).update(used_at=now)
    if not used:
        raise AuthenticationRequired(*_BAD_CODE, field="code", code="bad_code")
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:  # deactivated since the code was sent
        raise AuthenticationRequired(*_BAD_CODE, field="code", code="bad_code")
    _login_succeeded(user, "sms")
    return user


def do_log_out(request) -> None:
    """End the portal session, and the message streams it opened in every server process (the
    notice goes after the session is gone, so that the streams find it gone)."""
    user = request.user
    logout(request)
    if user.is_authenticated:
        log_action("accounts.user.logged_out", actor=user, obj=user)
        hub.broadcast(FORGET_USER, user.pk)


@transaction.atomic(durable=True)
def do_issue_token(user: User, name: str = "api") -> tuple[ApiToken, str]:
    raw, prefix, key_hash = new_secret("byt")
    token = ApiToken.objects.create(user=user, name=(name or "api")[:80], prefix=prefix, key_hash=key_hash)
    log_action("accounts.token.issued", actor=user, obj=token, name=token.name)
    return token, raw


@transaction.atomic(durable=True)
def do_revoke_token(user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound("令牌不存在", "No such token", field="token_id")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log_action("accounts.token.revoked", actor=user, obj=token)
    return token


class _TokenUse:
    """Tokens' last-use stamps, written behind the requests: the first request of each founder
    in a rush would otherwise wait for a write of its own. Stamps gather here and a background
    thread writes them once a second in one statement (``TOKEN_USE_WRITE_BEHIND``; the test
    settings write at once, so that a test can look). The stamp is informational and coarse (``TOKEN_TOUCH_SECONDS``); a crash loses at
    most the last second of them."""

    def __init__(self) -> None:
        self._pending: dict[int, dt.datetime] = {}
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None

    def note(self, token_id: int, at: dt.datetime) -> None:
        behind = settings.TOKEN_USE_WRITE_BEHIND
        with self._lock:
            self._pending[token_id] = at
            idle = self._writer is None or not self._writer.is_alive()
            if idle and behind:
                self._writer = threading.Thread(target=self._write_forever, name="token-use", daemon=True)
                self._writer.start()
        if not behind:
            self.write()

    def write(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        if pending:
            with transaction.atomic():
                ApiToken.objects.filter(pk__in=pending).update(last_used_at=max(pending.values()))

    def _write_forever(self) -> None:
        while True:
            time.sleep(1)
            try:
                self.write()
            except DatabaseError:
                logger.warning("could not record token use", exc_info=True)
            finally:
                connection.close()


_token_use = _TokenUse()


@atexit.register
def _write_token_use_at_exit() -> None:
    try:
        _token_use.write()
    except Exception:  # the interpreter is going away: the stamps are informational
        logger.warning("could not record token use at exit", exc_info=True)


def _look_up_tokens(key_hashes: Sequence[str]) -> list[User | None]:
    found = users_for_tokens(key_hashes, timezone.now() - dt.timedelta(seconds=TOKEN_TOUCH_SECONDS))
    return [found.get(key_hash) for key_hash in key_hashes]


# Tokens the process does not remember, looked up at the same moment (a rush of founders new to
# it), share one query: alone, each lookup cost a rush ten times what it costs a quiet server.
_token_lookups = GroupCommit(_look_up_tokens, identity=lambda key_hash: key_hash)


def authenticate_token(raw: str) -> User | None:
    """The active user the token belongs to, from the process's memory when it was looked up
    lately (``token_cache``), else from the database."""
    now = timezone.now()
    key_hash = digest(raw)
    touch = dt.timedelta(seconds=TOKEN_TOUCH_SECONDS)
    user = token_users.get(key_hash, now)
    if user is None:
        generation = token_users.generation
        user = _token_lookups.submit("tokens", key_hash)
        if user is None:
            return None
        if user.token_lasting:  # else it could be answered from memory after it expired
            token_users.remember(key_hash, user, generation, stamp_due=now + touch)
    elif user.token_stale:
        token_users.stamped(key_hash, now + touch)
    if user.token_stale:
        _token_use.note(user.token_id, now)
    return user


@transaction.atomic(durable=True)
def do_update_profile(
    user: User,
    *,
    actor: User,
    name: str | None = None,
    email: str | None = None,
    birth_date: dt.date | None = None,
    resident_id: str | None = None,
) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, PROFILE_FIELDS)
    if name is not None:
        name = name.strip()
        if not name or len(name) > 80:
            raise InvalidInput("姓名不能为空且不超过80字", "Name must be 1-80 characters", field="name")
        user.name = name
    if email is not None:
        user.email = email
    if resident_id is not None or birth_date is not None:
        identity = _identity_fields(birth_date, resident_id or None)
        if (
            identity.get("resident_id")
            and User.objects.filter(resident_id=identity["resident_id"]).exclude(pk=user.pk).exists()
        ):
            raise Conflict(
                "该身份证号已被其他账户使用",
                "This resident ID belongs to another account",
                field="resident_id",
                code="resident_id_taken",
            )
        for key, value in identity.items():
            setattr(user, key, value)
    user.save()
    log_action(
        "accounts.user.profile_updated",
        actor=actor,
        obj=user,
        before=before,
        after=snapshot(user, PROFILE_FIELDS),
    )
    return user


@transaction.atomic(durable=True)
def do_create_staff(
    *, phone: str, password: str, role: str, name: str = "", actor: User | None = None
) -> User:
    phone = parse_phone(phone)
    if role not in ROLE_NAMES:
        raise InvalidInput(
            f"未知角色,可选:{', '.join(ROLE_NAMES)}",
            f"Unknown role; one of {', '.join(ROLE_NAMES)}",
            field="role",
            code="invalid_role",
        )
    _check_password_strength(password)
    user = User.objects.filter(phone=phone).first()
    created = user is None
    if created:
        user = User.objects.create_user(phone, password, name=name or role)
    else:
        user.set_password(password)
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    log_action(
        "accounts.staff.created" if created else "accounts.staff.role_added", actor=actor, obj=user, role=role
    )
    return user


def _parse_kinds(kinds: list[str] | str) -> list[str]:
    if isinstance(kinds, str):
        kinds = [k.strip() for k in kinds.split(",") if k.strip()]
    known = [k for _receiver, kinds in voucher_kinds_wanted.send(sender=None) for k in kinds]
    bad = [k for k in kinds if k not in known]
    if not kinds or bad:
        raise InvalidInput(
            f"券种须为 {'、'.join(known)} 之一",
            f"Kinds must be among {', '.join(known)}",
            field="kinds",
            code="invalid_kinds",
        )
    return sorted(set(kinds))


@transaction.atomic(durable=True)
def do_create_provider(
    *,
    name: str,
    kinds: list[str] | str,
    credit_code: str = "",
    related_credit_codes: list[str] | None = None,
    demo_key: str | None = None,
    actor: User | None = None,
) -> tuple[Provider, str]:

    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写服务商名称", "A provider name is required", field="name")
    if Provider.objects.filter(name=name).exists():
        raise Conflict(
            "同名服务商已存在", "A provider with this name exists", field="name", code="provider_exists"
        )
    provider = Provider.objects.create(
        name=name,
        kinds=_parse_kinds(kinds),
        credit_code=parse_credit_code(credit_code) if credit_code else "",
        related_credit_codes=[
            parse_credit_code(c, "related_credit_codes") for c in (related_credit_codes or [])
        ],
    )
    raw = _issue_provider_key(provider, demo_key)
    log_action(
        "accounts.provider.created", actor=actor, obj=provider, after=snapshot(provider, ["name", "kinds"])
    )
    return provider, raw


def _issue_provider_key(provider: Provider, fixed: str | None = None) -> str:
    """A new key, shown once. ``fixed`` is for the demo town only, so its README can show curl."""
    raw, prefix, key_hash = new_secret("byp")
    if fixed:
        raw, prefix, key_hash = fixed, fixed[4:12], digest(fixed)
    ProviderApiKey.objects.create(provider=provider, prefix=prefix, key_hash=key_hash)
    return raw


@transaction.atomic(durable=True)
def do_rotate_provider_key(provider: Provider, *, actor: User | None = None) -> str:
    now = timezone.now()
    ProviderApiKey.objects.filter(provider=provider, revoked_at__isnull=True).update(revoked_at=now)
    raw = _issue_provider_key(provider)
    log_action("accounts.provider.key_rotated", actor=actor, obj=provider)
    return raw


@transaction.atomic(durable=True)
def do_revoke_provider_keys(provider: Provider, *, actor: User | None = None) -> int:
    count = ProviderApiKey.objects.filter(provider=provider, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    log_action("accounts.provider.keys_revoked", actor=actor, obj=provider, count=count)
    return count


def authenticate_provider_key(raw: str) -> Provider | None:
    key = (
        ProviderApiKey.objects.select_related("provider")
        .filter(key_hash=digest(raw), revoked_at__isnull=True, provider__is_active=True)
        .first()
    )
    return key.provider if key else None
