from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

KINDS = {
    "roadshow": ("模速路演日", "Roadshow day"),
    "salon": ("沙龙", "Salon"),
    "seminar": ("研讨会", "Seminar"),
    "competition": ("创业大赛", "Competition"),
    "training": ("培训", "Training"),
    "open_day": ("开放日", "Open day"),
}


class Event(models.Model):
    DRAFT, PUBLISHED, CANCELLED = "draft", "published", "cancelled"
    STATUSES = [(DRAFT, "草稿 draft"), (PUBLISHED, "已发布 published"), (CANCELLED, "已取消 cancelled")]

    kind = models.CharField("类型 kind", max_length=20, choices=[(k, v[0]) for k, v in KINDS.items()])
    title = models.CharField("标题 title", max_length=200)
    title_en = models.CharField("英文标题 title (en)", max_length=200, blank=True)
    description = models.TextField("介绍 description", blank=True)
    description_en = models.TextField("英文介绍 description (en)", blank=True)
    venue = models.CharField("地点 venue", max_length=200)
    starts_at = models.DateTimeField("开始 starts", db_index=True)
    ends_at = models.DateTimeField("结束 ends")
    capacity = models.PositiveIntegerField("名额 capacity")
    registration_opens_at = models.DateTimeField("报名开始 registration opens", null=True, blank=True)
    registration_closes_at = models.DateTimeField("报名截止 registration closes", null=True, blank=True)
    waitlist_enabled = models.BooleanField("允许候补 waiting list", default=True)
    eligibility = models.CharField("报名条件 eligibility (condition language)", max_length=2000, blank=True)
    # The gate as the manager chose it from the pack's facts (see events.eligibility); empty for
    # events whose condition was written by hand, or that are open to everyone.
    gate = models.JSONField("报名条件 eligibility gate", default=list, blank=True)
    eligibility_label = models.CharField("报名条件说明 eligibility, in words", max_length=200, blank=True)
    per_company_limit = models.PositiveIntegerField(
        "每家企业限报人数 per-company limit", null=True, blank=True
    )
    status = models.CharField("状态 status", max_length=12, choices=STATUSES, default=PUBLISHED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "活动 event"
        verbose_name_plural = "活动 events"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="events_event_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    CONFIRMED, WAITLISTED, CANCELLED = "confirmed", "waitlisted", "cancelled"
    STATUSES = [
        (CONFIRMED, "已报名 confirmed"),
        (WAITLISTED, "候补 waitlisted"),
        (CANCELLED, "已取消 cancelled"),
    ]
    ACTIVE = (CONFIRMED, WAITLISTED)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations")
    company = models.ForeignKey(
        "companies.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations"
    )
    status = models.CharField("状态 status", max_length=12, choices=STATUSES)
    idempotency_key = models.CharField(max_length=80, blank=True)
    checkin_code = models.CharField("签到码 check-in code", max_length=12, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminded_day_at = models.DateTimeField(null=True, blank=True)
    reminded_hour_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "报名 registration"
        verbose_name_plural = "报名 registrations"
        ordering = ["id"]
        constraints = [
            # A person holds at most one live registration per event, whatever the concurrency.
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(status__in=["confirmed", "waitlisted"]),
                name="events_one_active_registration",
            ),
        ]
        indexes = [models.Index(fields=["event", "status"])]

    # Set by the action that wrote a waiting registration, which counted the list anyway;
    # ``waitlist_position`` counts again for any other instance.
    known_waitlist_position: int | None = None

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.event_id}: {self.status}"


class CalendarFeed(models.Model):
    """A founder's personal calendar link. The link is signed with the user and ``generation``:
    replacing it moves the generation on, so every older link stops; turning it off stops them
    all. No row means the first link (generation 0), on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    generation = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "日历订阅 calendar feed"
        verbose_name_plural = "日历订阅 calendar feeds"

    def __str__(self) -> str:
        return f"{self.user_id} #{self.generation}{'' if self.enabled else ' off'}"
