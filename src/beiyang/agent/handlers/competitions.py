"""The HKUST competition: entering (the competitions app's own rules and eligibility check), the
round the founder's entry has reached, and its result once the organisers publish it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from beiyang.agent.handlers.common import Reply, _company, _login_first
from beiyang.core.money import yuan_figure_en, yuan_text
from beiyang.core.words import date_words


def _open_for_entries():
    """The competitions still taking entries (their first round has not begun), soonest first."""
    from beiyang.competitions.queries import competitions

    now = timezone.now()
    found = []
    for competition in competitions():
        rounds = sorted(competition.rounds.all(), key=lambda r: r.number)
        if not rounds or now < rounds[0].starts_at:
            found.append((rounds[0].starts_at if rounds else now, competition))
    return [c for _start, c in sorted(found, key=lambda x: (x[0], x[1].pk))]


def _day(when, *, en: bool) -> str:
    return date_words(timezone.localtime(when).date(), en=en, year=False)


def _track_named(text: str, tracks: list[str]) -> str | None:
    lowered = text.lower()
    named = [t for t in tracks if t.lower() in lowered]
    return named[0] if len(named) == 1 else None


def on_competition_enter(user, text, slots, state) -> Reply:
    from beiyang.competitions.queries import entries_of

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    company = _company(user)
    if company is None:
        return Reply(
            "请先在“我的企业”登记企业信息,我再帮您报名大赛。",
            "Please register your company under “My company” first; then I can enter you.",
        )
    held = {e.competition_id: e for e in entries_of(user)}
    open_now = [c for c in _open_for_entries() if c.pk not in held]
    if not open_now:
        if held:
            return on_competition_status(user, text, slots, state)
        return Reply(
            "目前没有正在接受报名的创业大赛。",
            "No competition is taking entries now.",
            suggestions=["最近有什么活动"],
        )
    competition = open_now[0]
    first = min(competition.rounds.all(), key=lambda r: r.number, default=None)
    deadline = (
        (
            f",报名截止于{_day(first.starts_at, en=False)}",
            f"; entries close on {_day(first.starts_at, en=True)}",
        )
        if first
        else ("", "")
    )
    track = _track_named(text, competition.tracks) if competition.tracks else ""
    if competition.tracks and track is None:
        return Reply(
            f"{competition.title}有{len(competition.tracks)}个赛道:{'、'.join(competition.tracks)}{deadline[0]}。"
            "请问报名哪个赛道?",
            f"{competition.title} has {len(competition.tracks)} tracks: {', '.join(competition.tracks)}"
            f"{deadline[1]}. Which track?",
            suggestions=[f"报名{competition.title} {t}赛道" for t in competition.tracks[:3]],
        )
    refusal = _not_eligible(company, competition)
    if refusal is not None:
        return refusal
    project = company.name
    summary = (
        f"{company.name}报名{competition.title}" + (f"{track}赛道" if track else "") + "(经服务智能体提交)"
    )
    return Reply(
        f"确认以“{project}”报名{competition.title}"
        + (f"({track}赛道)" if track else "")
        + f"吗?{deadline[0].lstrip(',')}。回复“确认”后提交,路演材料可在大赛页面上传。",
        f"Enter “{project}” in {competition.title}" + (f" ({track} track)" if track else "") + "? "
        f"{deadline[1].lstrip('; ').capitalize()}. Reply “confirm” to submit; upload your deck on the "
        "competition page.",
        proposed={
            "action": "competition_enter",
            "competition_id": competition.pk,
            "project": project,
            "summary": summary,
            "track": track or "",
            "label": competition.title,
        },
    )


def _not_eligible(company, competition) -> Reply | None:
    """The benefits engine's verdict on the competition's policy, said before proposing: the same
    check the competitions app makes on entry, so a confirmation never fails on it."""
    from beiyang.agent.handlers.eligibility import _failed_label
    from beiyang.policies.queries import evaluate_company

    result = evaluate_company(company).by_policy().get(competition.policy_id)
    if result is None or result.status != "ineligible":
        return None
    data = result.to_dict()
    failed = [_failed_label(competition.policy_id, c) for c in data["criteria"] if c["result"] == "fail"]
    return Reply(
        f"暂不符合{competition.title}的参赛条件:{'、'.join(f[0] for f in failed)}。没有为您报名。",
        f"Not eligible for {competition.title}: {'; '.join(f[1] for f in failed)}. I have not entered you.",
        citations=data["citations"],
    )


def _standing(entry) -> tuple[str, str]:
    """Where an entry stands: its round, and its result when the organisers have published it."""
    from beiyang.competitions.actions import prize_yuan
    from beiyang.competitions.models import ENTRY_STATUSES

    competition = entry.competition
    rounds = {r.number: r for r in competition.rounds.all()}
    current = rounds.get(entry.reached_round)
    status = ENTRY_STATUSES.get(entry.status, (entry.status, entry.status))
    if entry.final_rank is not None:
        prize = prize_yuan(entry)
        zh = f"已完成决赛,名列第{entry.final_rank}" + (
            f",获{entry.prize_label}({yuan_text(prize)})" if entry.prize_label and prize is not None else ""
        )
        en = f"finished the final, ranked {entry.final_rank}" + (
            f", winning {entry.prize_label} ({yuan_figure_en(prize)} CNY)"
            if entry.prize_label and prize is not None
            else ""
        )
        return zh, en
    if entry.status == "eliminated":
        name = current.name if current else f"第{entry.reached_round}轮"
        return f"{status[0]}(止步{name})", f"{status[1].lower()} (stopped at {name})"
    if current is None:
        return status[0], status[1].lower()
    now = timezone.now()
    if now < current.starts_at:
        when = (f",{_day(current.starts_at, en=False)}开始", f", starting {_day(current.starts_at, en=True)}")
    elif current.closed_at is None:
        when = ("(评审中,结果公布后会通知您)", " (being judged; you will be told when results are out)")
    else:
        when = ("(本轮已结束)", " (this round has closed)")
    return (
        f"{status[0]},当前在{current.name}{when[0]}",
        f"{status[1].lower()}, in the {current.name}{when[1]}",
    )


def on_competition_status(user, text, slots, state) -> Reply:
    from beiyang.competitions.queries import entries_of

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    entries = entries_of(user)
    if not entries:
        open_now = _open_for_entries()
        if not open_now:
            return Reply(
                "贵公司没有报名创业大赛,目前也没有大赛在接受报名。",
                "You have not entered a competition, and none is taking entries.",
            )
        competition = open_now[0]
        return Reply(
            f"贵公司还没有报名{competition.title}。需要的话说“帮我报名{competition.title}”。",
            f"Your company has not entered {competition.title}. Say “enter me in the competition” to enter.",
            suggestions=[f"帮我报名{competition.title}"],
        )
    lines = [
        (
            f"· {e.competition.title}:项目“{e.project}”,{_standing(e)[0]}",
            f"· {e.competition.title}: “{e.project}”, {_standing(e)[1]}",
        )
        for e in entries[:3]
    ]
    return Reply(
        "您的参赛情况:\n" + "\n".join(zh for zh, _en in lines),
        "Your competition entries:\n" + "\n".join(en for _zh, en in lines),
        suggestions=["/competitions/"],
    )


def confirmed_enter(user, pending: dict[str, Any]) -> Reply:
    from beiyang.competitions.actions import do_enter

    entry = do_enter(
        user,
        pending["competition_id"],
        project=pending["project"],
        summary=pending["summary"],
        track=pending["track"],
    )
    return Reply(
        f"已为您报名{pending['label']}(项目“{entry.project}”)。请在大赛页面上传路演材料,首轮评审开始后请留意结果通知。",
        f"You're entered in {pending['label']} (project “{entry.project}”). Upload your deck on the competition "
        "page; you will be told the results of each round.",
        done={
            "action": "competition_enter",
            "entry_id": entry.pk,
            "link": f"/competitions/{pending['competition_id']}/",
        },
    )
