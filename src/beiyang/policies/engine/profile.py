"""Turning a founder-and-company profile into the flat facts the criteria read.

>>> from beiyang.policies.engine.pack import Fact, Text
>>> facts = {"founder.birth_date": Fact("founder.birth_date", "date", Text("出生日期", "birth date")),
...          "founder.age": Fact("founder.age", "int", Text("年龄", "age"), minimum=0, maximum=150,
...                              derive_age_from="founder.birth_date")}
>>> profile_facts({"founder": {"birth_date": "1991-05-01"}}, dt.date(2026, 5, 1), facts)["founder.age"]
35
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from beiyang.core.identifiers import age_on, normalize_district
from beiyang.policies.engine.errors import ProfileError
from beiyang.policies.engine.expr import LATEST_DATE, MAX_MAGNITUDE, MIN_YEAR, TODAY
from beiyang.policies.engine.pack import Fact

ROOTS = ("founder", "company")


def _bad(field: str, zh: str, en: str) -> ProfileError:
    return ProfileError(field, zh, en)


def parse_fact_value(fact: Fact, value: Any, field: str) -> Any:
    """Check and normalise one input value; ``None`` means unknown."""
    if value is None:
        return None
    t = fact.type
    if t == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(field, f"{fact.label.zh}应为整数", f"{fact.label.en} must be a whole number")
        lowest = -MAX_MAGNITUDE if fact.minimum is None else fact.minimum
        highest = MAX_MAGNITUDE if fact.maximum is None else fact.maximum
        if not lowest <= value <= highest:
            raise _bad(
                field,
                f"{fact.label.zh}应在{lowest}到{highest}之间",
                f"{fact.label.en} must be between {lowest} and {highest}",
            )
        return value
    if t == "money":
        if isinstance(value, (bool, float)):
            value = str(value) if isinstance(value, float) else value
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise _bad(
                field, f"{fact.label.zh}应为金额(元)", f"{fact.label.en} must be an amount in CNY"
            ) from None
        if not amount.is_finite() or amount < 0 or amount > Decimal("1e12"):
            raise _bad(field, f"{fact.label.zh}超出范围", f"{fact.label.en} is out of range")
        return amount
    if t == "date":
        day = None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            day = value
        elif isinstance(value, str):
            with contextlib.suppress(ValueError):
                day = dt.date.fromisoformat(value.strip())
        # Within the years the expression language computes with (expr.MIN_YEAR on).
        if day is not None and MIN_YEAR <= day.year <= LATEST_DATE.year:
            return day
        raise _bad(
            field,
            f"{fact.label.zh}应为有效日期(YYYY-MM-DD)",
            f"{fact.label.en} must be a real date YYYY-MM-DD",
        )
    if t == "bool":
        if not isinstance(value, bool):
            raise _bad(field, f"{fact.label.zh}应为 true 或 false", f"{fact.label.en} must be true or false")
        return value
    if t == "district":
        name = normalize_district(value) if isinstance(value, str) else None
        if name is None:
            raise _bad(
                field,
                "未知的区:请填写上海的区名,如“徐汇”,外地企业填“外省市”",
                "Unknown district: give a Shanghai district such as 徐汇, or 外省市",
            )
        return name
    if t == "enum":
        text = value.strip().lower() if isinstance(value, str) else None
        if text not in fact.values:
            raise _bad(
                field,
                f"{fact.label.zh}取值无效,可选:{'、'.join(fact.values)}",
                f"{fact.label.en} must be one of {', '.join(fact.values)}",
            )
        return text
    if t == "set":
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise _bad(field, f"{fact.label.zh}应为列表", f"{fact.label.en} must be a list")
        items = frozenset(v.strip().lower() for v in value)
        unknown = sorted(items - fact.values.keys())
        if unknown:
            raise _bad(
                field,
                f"{fact.label.zh}含未知取值:{'、'.join(unknown)}",
                f"{fact.label.en} has unknown value(s): {', '.join(unknown)}",
            )
        return items
    raise _bad(field, "不支持的事实类型", f"unsupported fact type {t}")


def profile_facts(profile: Any, as_of: dt.date, facts: dict[str, Fact]) -> dict[str, Any]:
    """Flat ``{fact id: value}``; facts the profile does not give are absent (unknown)."""
    if not isinstance(profile, dict):
        raise _bad("profile", "资料应为JSON对象", "The profile must be a JSON object")
    out: dict[str, Any] = {}
    for root in ROOTS:
        section = profile.get(root)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise _bad(root, f"{root} 应为对象", f"{root} must be an object")
        for key, value in section.items():
            fid = f"{root}.{key}"
            fact = facts.get(fid)
            if fact is None:
                raise _bad(fid, f"未知字段 {fid}", f"Unknown field {fid}")
            parsed = parse_fact_value(fact, value, fid)
            if parsed is not None:
                out[fid] = parsed
    for key in profile:
        if key not in (*ROOTS, "as_of"):
            raise _bad(str(key), f"未知字段 {key}", f"Unknown field {key}")
    for fact in facts.values():
        if fact.derive_age_from and fact.derive_age_from in out:
            born = out[fact.derive_age_from]
            if born > as_of:
                raise _bad(
                    fact.derive_age_from,
                    f"{facts[fact.derive_age_from].label.zh}晚于评估日期",
                    f"{facts[fact.derive_age_from].label.en} is after the evaluation date",
                )
            derived = age_on(born, as_of)
            stated = out.get(fact.id)
            if stated is not None and stated != derived:
                raise _bad(
                    fact.id,
                    f"{fact.label.zh}与{facts[fact.derive_age_from].label.zh}不一致",
                    f"{fact.label.en} does not match {facts[fact.derive_age_from].label.en}",
                )
            out[fact.id] = derived
        if fact.id not in out and fact.default is not None:
            out[fact.id] = fact.default
    out[TODAY] = as_of
    return out
