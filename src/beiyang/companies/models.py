from __future__ import annotations

from django.conf import settings
from django.db import models

from beiyang.companies.vocab import MEMBER_ROLES, STAGES


class Company(models.Model):
    credit_code = models.CharField("统一社会信用代码 credit code", max_length=18, unique=True)
    name = models.CharField("企业名称 name", max_length=160)
    district = models.CharField("注册区 district", max_length=20, db_index=True)
    address = models.CharField("地址 address", max_length=255, blank=True)
    founded_on = models.DateField("成立日期 founded on", null=True, blank=True)
    stage = models.CharField(
        "融资阶段 stage", max_length=10, choices=[(k, v[0]) for k, v in STAGES.items()], blank=True
    )
    sectors = models.JSONField("细分领域 sectors", default=list, blank=True)
    headcount = models.PositiveIntegerField("员工人数 headcount", null=True, blank=True)
    programmes = models.JSONField("参与项目 programmes", default=list, blank=True)
    in_town = models.BooleanField("入驻北杨小镇 settled in the town", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "企业 company"
        verbose_name_plural = "企业 companies"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in a company. A person belongs to one company on the platform."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(
        "角色 role", max_length=12, choices=[(k, v[0]) for k, v in MEMBER_ROLES.items()], default="founder"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "企业成员 member"
        verbose_name_plural = "企业成员 members"

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.role})"


class StaffTie(models.Model):
    """A staff member's tie to a company that is not membership (an investment, a relative, a
    past employer), recorded by a town admin: like membership, it keeps them off the company's
    grants, applications and service requests (``companies.queries.conflict_of_interest``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_ties")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="staff_ties")
    note = models.CharField("说明 note", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工作人员关联 staff tie"
        verbose_name_plural = "工作人员关联 staff ties"
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="companies_one_staff_tie")]

    def __str__(self) -> str:
        return f"{self.user} ~ {self.company}"
