from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **fields) -> User:
        user = self.model(phone=phone, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(phone, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: a founder, a member of the town's staff, or both. Logs in by mobile number."""

    phone = models.CharField("手机号 mobile", max_length=11, unique=True)
    name = models.CharField("姓名 name", max_length=80, blank=True)
    email = models.EmailField("邮箱 email", blank=True)
    birth_date = models.DateField("出生日期 birth date", null=True, blank=True)
    resident_id = models.CharField("身份证号 resident ID", max_length=18, blank=True)
    is_staff = models.BooleanField("工作人员 staff", default=False)
    is_active = models.BooleanField("启用 active", default=True)
    date_joined = models.DateTimeField("注册时间 joined", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "用户 user"
        verbose_name_plural = "用户 users"
        constraints = [
            models.UniqueConstraint(
                fields=["resident_id"], condition=~Q(resident_id=""), name="accounts_user_unique_resident_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or '—'} ({self.phone})"

    @property
    def masked_phone(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}"


class SmsCode(models.Model):
    """A one-time login code sent by SMS; stored hashed, single-use, expiring."""

    phone = models.CharField(max_length=11, db_index=True)
    purpose = models.CharField(max_length=20, default="login")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "短信验证码 SMS code"
        verbose_name_plural = "短信验证码 SMS codes"

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class LoginThrottle(models.Model):
    """Failed password logins counted under one key: a number from one address
    (``pair:<phone>:<ip>``) or a number from anywhere (``phone:<phone>``). Keyed by the number
    as typed, registered or not, so a lock says nothing about who is registered.
    ``accounts.actions.check_password_login`` explains the two limits."""

    key = models.CharField(max_length=80, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "登录限制 login throttle"
        verbose_name_plural = "登录限制 login throttles"

    def __str__(self) -> str:
        return self.key


class ApiToken(models.Model):
    """A founder's bearer token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称 name", max_length=80, default="api")
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API令牌 API token"
        verbose_name_plural = "API令牌 API tokens"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.phone})"

    @property
    def expires_at(self) -> dt.datetime | None:
        """When the token stops working: ``TOKEN_LIFETIME_DAYS`` after its issue, whatever its
        use (absolute, not sliding: a stolen token is good for a bounded time); None with 0."""
        days = settings.TOKEN_LIFETIME_DAYS
        return self.created_at + dt.timedelta(days=days) if days else None


class Provider(models.Model):
    """A compute, model or corpus provider that redeems vouchers through the provider API."""

    name = models.CharField("名称 name", max_length=120, unique=True)
    credit_code = models.CharField("统一社会信用代码 credit code", max_length=18, blank=True)
    kinds = models.JSONField("可受理券种 voucher kinds", default=list)
    related_credit_codes = models.JSONField("关联方 related parties", default=list, blank=True)
    # People of the provider who sign in to its portal (redeem, statements) with their phone.
    members = models.ManyToManyField(
        User, related_name="provider_memberships", blank=True, verbose_name="服务商人员 members"
    )
    is_active = models.BooleanField("启用 active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "服务商 provider"
        verbose_name_plural = "服务商 providers"

    def __str__(self) -> str:
        return self.name


class ProviderApiKey(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="api_keys")
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "服务商密钥 provider API key"
        verbose_name_plural = "服务商密钥 provider API keys"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.provider_id})"
