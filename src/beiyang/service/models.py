from __future__ import annotations

from django.conf import settings
from django.db import models

# The seven categories; their limits live in the policy pack (service.*.<code>).
CATEGORIES = {
    "registration": ("注册落户", "Registration and settling in"),
    "office": ("办公选址", "Office space"),
    "apartment": ("人才公寓", "Talent apartment"),
    "invoice": ("开票与报销", "Invoices and reimbursement"),
    "policy": ("政策咨询", "Policy questions"),
    "financing": ("融资对接", "Financing introductions"),
    "other": ("其他", "Other"),
}
STATUSES = {
    "open": ("待处理", "Open"),
    "in_progress": ("处理中", "In progress"),
    "waiting_founder": ("待您补充", "Waiting for you"),
    "resolved": ("已办结", "Resolved"),
}
LIVE = ("open", "in_progress", "waiting_founder")
# Where a request came from: the founder's portal, or the agent's 转人工 (a handover).
SOURCES = {"portal": ("服务请求", "Service request"), "agent": ("转人工", "Handover from the agent")}


class OfficerAssignment(models.Model):
    """The company's named service officer (专属服务专员): one a company, many companies an officer."""

    company = models.OneToOneField(
        "companies.Company", on_delete=models.CASCADE, related_name="officer_assignment"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="served_companies"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "专属服务专员 company officer"
        verbose_name_plural = "专属服务专员 company officers"

    def __str__(self) -> str:
        return f"{self.company_id} → {self.officer_id}"


class ServiceRequest(models.Model):
    company = models.ForeignKey(
        "companies.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="service_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests",
        help_text="None for a visitor's handover from the agent",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_cases",
        help_text="None: in the pool, any officer may take it",
    )
    category = models.CharField(
        "类别 category", max_length=16, choices=[(k, v[0]) for k, v in CATEGORIES.items()]
    )
    title = models.CharField("标题 title", max_length=120)
    description = models.TextField("描述 description", blank=True)
    status = models.CharField(
        "状态 status", max_length=16, choices=[(k, v[0]) for k, v in STATUSES.items()], default="open"
    )
    source = models.CharField(
        max_length=10, choices=[(k, v[0]) for k, v in SOURCES.items()], default="portal", db_index=True
    )
    conversation_id = models.UUIDField(null=True, blank=True, db_index=True)
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolve_due = models.DateTimeField(null=True, blank=True, db_index=True)
    due_estimated = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_minutes_left = models.PositiveIntegerField(null=True, blank=True)
    response_reminded_at = models.DateTimeField(null=True, blank=True)
    response_escalated_at = models.DateTimeField(null=True, blank=True)
    resolve_reminded_at = models.DateTimeField(null=True, blank=True)
    resolve_escalated_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "服务请求 service request"
        verbose_name_plural = "服务请求 service requests"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "officer"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="service_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title} ({self.status})"

    @property
    def category_label(self) -> dict[str, str]:
        zh, en = CATEGORIES.get(self.category, (self.category, self.category))
        return {"label": zh, "label_en": en}

    @property
    def status_label(self) -> dict[str, str]:
        zh, en = STATUSES[self.status]
        return {"label": zh, "label_en": en}


def attachment_path(instance: ServiceMessage, filename: str) -> str:
    return f"service/{instance.request_id}/{instance.sha256[:16]}-{filename[-80:]}"


class ServiceMessage(models.Model):
    """One entry in a request's thread: text, a file, or both."""

    ROLES = {
        "founder": ("创业者", "Founder"),
        "officer": ("服务专员", "Officer"),
        "agent": ("智能体", "Agent"),
        "system": ("系统", "System"),
    }

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=8, choices=[(k, v[0]) for k, v in ROLES.items()])
    text = models.TextField(blank=True)
    file = models.FileField(upload_to=attachment_path, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "服务请求留言 request message"
        verbose_name_plural = "服务请求留言 request messages"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:40]}"

    @property
    def role_label(self) -> dict[str, str]:
        zh, en = self.ROLES[self.role]
        return {"label": zh, "label_en": en}
