from __future__ import annotations


def kpi_rows(kpis: list[dict]) -> tuple[list[str], list[list]]:
    head = [
        "指标 kpi",
        "名称 label",
        "当前值 value",
        "2027目标 target",
        "单位 unit",
        "截至 as of",
        "来源 source",
    ]
    return head, [
        [
            k["kpi"],
            k["label"],
            k["value"],
            k["target"],
            k["unit"],
            k["as_of"].isoformat() if k["as_of"] else "",
            k["source"],
        ]
        for k in kpis
    ]
