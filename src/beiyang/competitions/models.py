"""HKUST's 百万元奖金创业大赛: a competition, its rounds, entries, judges, conflicts and scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models

ENTRY_STATUSES = {
    "active": ("进行中", "In the running"),
    "eliminated": ("未晋级", "Not advanced"),
    "finalist": ("决赛完成", "Finished the final"),
}
CONFLICT_SOURCES = {
    "declared": ("评委申报", "Declared by the judge"),
    "member": ("评委是该企业成员", "The judge is a member of the company"),
    "interest": ("评委与该企业有关联或投资关系", "The judge is related to or invested in the company"),
}


class Competition(models.Model):
    title = models.CharField("名称 title", max_length=160)
    # The pack's competition policy whose criteria an entrant must meet (set on creation).
    policy_id = models.CharField("资格政策 eligibility policy", max_length=60)
    prize_pool_fen = models.BigIntegerField("奖金总额(分) prize pool in fen")
    prizes = models.JSONField("奖项 prizes", default=list, blank=True)  # [{label, amount_fen}], best first
    rubric = models.JSONField("评分标准 rubric")  # [{id, label, weight, max}]
    tracks = models.JSONField("赛道 tracks", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "创业大赛 competition"
        verbose_name_plural = "创业大赛 competitions"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class Round(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField("轮次 number")  # from 1
    name = models.CharField("名称 name", max_length=80)
    starts_at = models.DateTimeField("开始 starts at")
    ends_at = models.DateTimeField("结束 ends at")
    advance = models.PositiveIntegerField("晋级名额 advance")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["competition_id", "number"]
        constraints = [models.UniqueConstraint(fields=["competition", "number"], name="one_round_number")]

    def __str__(self) -> str:
        return f"{self.competition} · {self.name}"


class Entry(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="entries")
    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="competition_entries"
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    project = models.CharField("项目 project", max_length=160)
    summary = models.TextField("简介 summary")
    track = models.CharField("赛道 track", max_length=60, blank=True)
    deck = models.FileField("路演材料 deck", upload_to="competitions/%Y/%m/", blank=True)
    deck_type = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        max_length=12, default="active", choices=[(k, v[0]) for k, v in ENTRY_STATUSES.items()]
    )
    reached_round = models.PositiveSmallIntegerField(default=1)
    final_rank = models.PositiveIntegerField(null=True, blank=True)
    prize_label = models.CharField(max_length=80, blank=True)
    prize_fen = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "company"], name="one_entry_per_company")
        ]

    def __str__(self) -> str:
        return self.project


class Judge(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="judges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="judging")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["competition", "user"], name="one_judge_seat")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.competition}"


class JudgeInterest(models.Model):
    """A judge's tie to a company (an investment, a relative, a past employer), recorded by a
    town admin; it excludes the judge from that company's entries in every competition."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="judge_interests"
    )
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="one_interest")]

    def __str__(self) -> str:
        return f"{self.user} ~ {self.company}"


class Conflict(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="conflicts")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=[(k, v[0]) for k, v in CONFLICT_SOURCES.items()])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "judge"], name="one_conflict")]

    def __str__(self) -> str:
        return f"{self.judge} × {self.entry}"


class Assignment(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assignments")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="assignments")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    scores = models.JSONField(null=True, blank=True)  # {criterion id: value}; null until scored
    comment = models.TextField(blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round_id", "entry_id", "judge_id"]
        constraints = [models.UniqueConstraint(fields=["round", "entry", "judge"], name="one_assignment")]

    def __str__(self) -> str:
        return f"{self.judge} → {self.entry} ({self.round})"
