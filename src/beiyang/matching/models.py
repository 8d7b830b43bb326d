from __future__ import annotations

from django.conf import settings
from django.db import models

KINDS = {
    "mentor": ("导师", "Mentor"),
    "investor": ("投资机构", "Investor"),
    "incubator": ("孵化器", "Incubator"),
    "talent": ("人才", "Talent"),
}


class MatchProfile(models.Model):
    """A mentor of the 导师团, a partner investor, an incubator or a candidate in the talent pool."""

    kind = models.CharField(max_length=10, choices=[(k, v[0]) for k, v in KINDS.items()], db_index=True)
    name = models.CharField("名称 name", max_length=120)
    organisation = models.CharField("机构 organisation", max_length=120, blank=True)
    summary = models.TextField(
        "简介 summary", blank=True, help_text="Expertise, thesis, focus or skills, in words"
    )
    sectors = models.JSONField(default=list, blank=True)
    stages = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    skills = models.JSONField(default=list, blank=True)
    seniority = models.CharField(max_length=20, blank=True)
    monthly_capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Intros a month (mentors, investors)"
    )
    free_seats = models.PositiveIntegerField(null=True, blank=True, help_text="Incubators")
    space_m2 = models.PositiveIntegerField(null=True, blank=True)
    lab_m2 = models.PositiveIntegerField(null=True, blank=True)
    ticket_min_cny = models.BigIntegerField(null=True, blank=True)
    ticket_max_cny = models.BigIntegerField(null=True, blank=True)
    available = models.BooleanField(default=True, help_text="Talent: looking now")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="match_profiles",
        help_text="Who answers intro requests, when they have an account",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "对接对象 match profile"
        verbose_name_plural = "对接对象 match profiles"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class IntroRequest(models.Model):
    REQUESTED, ACCEPTED, DECLINED, NO_SHOW, MET = "requested", "accepted", "declined", "no_show", "met"
    STATUSES = [
        (REQUESTED, "待回复 requested"),
        (ACCEPTED, "已接受 accepted"),
        (DECLINED, "已婉拒 declined"),
        (NO_SHOW, "未到场 no-show"),
        (MET, "已见面 met"),
    ]

    founder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intro_requests"
    )
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="intro_requests")
    target = models.ForeignKey(MatchProfile, on_delete=models.CASCADE, related_name="intro_requests")
    message = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "引荐请求 intro request"
        verbose_name_plural = "引荐请求 intro requests"
        constraints = [
            models.UniqueConstraint(
                fields=["company", "target"],
                condition=models.Q(status="requested"),
                name="matching_one_pending_intro",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} → {self.target_id} ({self.status})"
