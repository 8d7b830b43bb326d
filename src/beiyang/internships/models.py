"""HKUST's "1+1" model: students study a year in Hong Kong and intern a year with companies in
Xuhui. Companies post positions, students apply and rank, companies rank applicants, and a town
admin places a round by deferred acceptance."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StudentProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student")
    school = models.CharField("学校 school", max_length=120)
    programme = models.CharField("专业 programme", max_length=120)
    skills = models.JSONField("技能 skills", default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} · {self.school}"


class Position(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="internships")
    title = models.CharField("岗位 title", max_length=120)
    skills = models.JSONField("技能要求 skills", default=list)
    seats = models.PositiveIntegerField("名额 seats")
    months = models.PositiveSmallIntegerField("实习月数 months")
    starts_on = models.DateField("开始日期 starts on")
    is_open = models.BooleanField(default=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]

    def __str__(self) -> str:
        return f"{self.company} · {self.title}"


class InternshipApplication(models.Model):
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="applications")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="internship_applications"
    )
    student_rank = models.PositiveIntegerField(null=True, blank=True)  # 1 = the student's first choice
    company_rank = models.PositiveIntegerField(null=True, blank=True)  # 1 = the company's first choice
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["position", "student"], name="one_application_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.position}"


class PlacementRound(models.Model):
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    positions = models.ManyToManyField(Position, related_name="rounds")
    placed_at = models.DateTimeField(null=True, blank=True)
    unplaced = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"匹配轮次 {self.pk}"


class Placement(models.Model):
    round = models.ForeignKey(PlacementRound, on_delete=models.CASCADE, related_name="placements")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="placements")
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="placements")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "student"], name="one_placement_per_round")]

    def __str__(self) -> str:
        return f"{self.student} → {self.position}"
