"""Ages and dates are counted on today in the town (Asia/Shanghai), from the clock: never on the
date the corpus was written against."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from beiyang.agent import dates, nlu

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch):
    """Freeze django's clock at an instant (UTC)."""

    def freeze(instant: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: instant)

    return freeze


def say(client, text, conversation=None):
    resp = client.post(
        "agent/messages", {"text": text, **({"conversation_id": conversation} if conversation else {})}
    )
    assert resp.status_code == 200, resp.json()
    return resp.json()


def test_today_is_the_towns_date_not_utcs(clock):
    clock(dt.datetime(2026, 12, 6, 16, 30, tzinfo=dt.UTC))  # 00:30 on 7 December in Shanghai
    assert dates.town_today() == dt.date(2026, 12, 7)


def test_a_birth_date_is_counted_on_today(clock, api):
    clock(dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC))
    text = "我1990年12月1日出生,公司在徐汇,能申请青年创业基金吗"
    assert nlu.understand(text).slots["age"] == 36
    out = say(api, text)
    assert out["intent"] == "check_eligibility" and out["slots"]["age"] == 36
    assert out["reply"].startswith("暂不符合") and "符合条件" not in out["reply"]


@pytest.mark.parametrize("today", [dt.date(2026, 12, 7), dt.date(2027, 3, 1)])
def test_36_years_and_3_days_is_36_and_not_eligible_for_the_youth_fund(clock, api, today):
    clock(dt.datetime.combine(today, dt.time(10), tzinfo=dates.TOWN_ZONE))
    born = (today - dt.timedelta(days=3)).replace(year=today.year - 36)
    text = f"我{born.year}年{born.month}月{born.day}日出生,公司在徐汇,能申请青年创业基金吗"
    assert nlu.understand(text).slots["age"] == 36
    out = say(api, text)
    assert out["slots"]["age"] == 36 and out["reply"].startswith("暂不符合")
    # Born a day later (the 36th birthday is tomorrow) the founder is 35: the age is no bar.
    younger = (today + dt.timedelta(days=1)).replace(year=today.year - 36)
    text = f"我{younger.year}年{younger.month}月{younger.day}日出生,公司在徐汇,能申请青年创业基金吗"
    out = say(api, text)
    assert out["slots"]["age"] == 35 and not out["reply"].startswith("暂不符合")


def test_only_the_eval_command_uses_the_corpus_date():
    """No fixed date in the agent's code outside the corpus date, which only training and
    `beiyang agent eval` pass explicitly."""
    import re

    root = Path(nlu.__file__).parent
    fixed = re.compile(r"dt\.date\(\s*20\d\d|datetime\.date\(\s*20\d\d|date\(20\d\d")
    found = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if fixed.search(line) and not line.lstrip().startswith((">>>", "(datetime.date")):  # doctests
                found.append(f"{path.relative_to(root)}:{number}")
    assert found == ["nlu.py:" + str(_line_of("CORPUS_DATE = dt.date("))]
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path.name in ("nlu.py", "agent.py"):
            continue
        assert "CORPUS_DATE" not in path.read_text(encoding="utf-8"), path


def _line_of(text: str) -> int:
    lines = Path(nlu.__file__).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)
