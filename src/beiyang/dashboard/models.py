from __future__ import annotations

from django.conf import settings
from django.db import models

# The 2027 targets from the source article: (label zh, label en, target, unit, scope, computed from platform data?)
KPIS: dict[str, dict] = {
    "town_platforms": {
        "zh": "AI创新项目培育平台",
        "en": "AI project cultivation platforms",
        "target": 10,
        "unit": "个",
        "scope": "town",
        "computed": True,
    },
    "town_companies": {
        "zh": "小镇集聚企业",
        "en": "Companies in the town",
        "target": 600,
        "unit": "家",
        "scope": "town",
        "computed": True,
    },
    "town_unicorns": {
        "zh": "独角兽企业和龙头企业",
        "en": "Unicorns and leading companies",
        "target": 10,
        "unit": "家",
        "scope": "town",
        "computed": False,
    },
    "town_scenarios": {
        "zh": "可复制可推广的AI应用场景",
        "en": "Replicable AI application scenarios",
        "target": 50,
        "unit": "个",
        "scope": "town",
        "computed": False,
    },
    "district_companies": {
        "zh": "徐汇区人工智能企业",
        "en": "AI companies in Xuhui",
        "target": 2500,
        "unit": "家",
        "scope": "district",
        "computed": True,
    },
    "district_talents": {
        "zh": "徐汇区人工智能人才",
        "en": "AI talents in Xuhui",
        "target": 120_000,
        "unit": "人",
        "scope": "district",
        "computed": True,
    },
    "district_core_industry_cny": {
        "zh": "徐汇区人工智能核心产业规模",
        "en": "Xuhui AI core industry",
        "target": 200_000_000_000,
        "unit": "元",
        "scope": "district",
        "computed": False,
    },
}
SOURCE = "中国城市报《上海徐汇这个小镇如何成AI创业“梦工厂”》"


class KpiValue(models.Model):
    """One reading of a KPI: computed by the nightly snapshot, or entered by staff with its source."""

    kpi = models.CharField(max_length=40, choices=[(k, v["zh"]) for k, v in KPIS.items()], db_index=True)
    value = models.DecimalField(max_digits=20, decimal_places=2)
    as_of = models.DateField(db_index=True)
    source = models.CharField("来源 source", max_length=300)
    # Who published the figure (区统计局) and in which document (《2026年三季度统计公报》); the
    # ``source`` line is these two as a reader sees them.
    source_by = models.CharField("发布单位 published by", max_length=100, blank=True)
    source_document = models.CharField("文件 document", max_length=200, blank=True)
    computed = models.BooleanField(default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "指标读数 KPI reading"
        verbose_name_plural = "指标读数 KPI readings"
        ordering = ["kpi", "as_of", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "as_of", "computed"], name="dashboard_one_reading_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.as_of}: {self.value}"
