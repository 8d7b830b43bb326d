"""Competition pages: founders enter and follow their entry, judges score on a phone, town
admins add judges, assign, watch progress and close rounds."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from beiyang.accounts.roles import has_role
from beiyang.competitions import actions, queries
from beiyang.competitions.labels import STATUS
from beiyang.competitions.models import Entry
from beiyang.core.errors import DomainError, InvalidInput
from beiyang.core.identifiers import parse_phone
from beiyang.core.numbers import read_id, read_int
from beiyang.core.schemas import checked_moment

ENTRY_WORDS = ("参赛项目", "entry")
COMPETITION_WORDS = ("大赛", "competition")
ROUND_WORDS = ("轮次", "round")
ADVANCE_WORDS = ("晋级数", "number advancing")


def _run(request, call, success: str) -> bool:
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.localized())
        return False
    messages.success(request, success)
    return True


@login_required
def competition_list(request):
    return render(
        request,
        "competitions/list.html",
        {
            "tab": "benefits",
            "competitions": queries.competitions(),
            "entries": queries.entries_of(request.user),
        },
    )


@login_required
def competition_detail(request, competition_id: int):
    competition = queries.competition_or_404(competition_id)
    entry = Entry.objects.filter(competition=competition, company__memberships__user=request.user).first()
    if request.method == "POST":
        if request.POST.get("do") == "deck" and entry is not None:
            _run(
                request,
                lambda: actions.do_upload_deck(request.user, entry.pk, request.FILES.get("file")),
                "路演材料已上传",
            )
        else:
            _run(
                request,
                lambda: actions.do_enter(
                    request.user,
                    competition.pk,
                    project=request.POST.get("project", ""),
                    summary=request.POST.get("summary", ""),
                    track=request.POST.get("track", ""),
                ),
                "报名成功",
            )
        return redirect("web:competition", competition_id=competition.pk)
    rounds = list(competition.rounds.all())
    first = rounds[0] if rounds else None
    return render(
        request,
        "competitions/detail.html",
        {
            "tab": "benefits",
            "competition": competition,
            "rounds": rounds,
            "entry": entry,
            "status": STATUS.get(entry.status) if entry else None,
            "entries_open": first is None or timezone.now() < first.starts_at,
            "now": timezone.now(),
        },
    )


@login_required
def judge_desk(request):
    if not has_role(request.user, "judge"):
        raise PermissionDenied
    if request.method == "POST":
        try:
            entry_id = read_id(request.POST.get("entry_id"), "entry_id", label=ENTRY_WORDS)
        except DomainError as exc:
            messages.error(request, exc.localized())
            return redirect("web:judge_desk")
        if request.POST.get("do") == "conflict":
            _run(
                request,
                lambda: actions.do_declare_conflict(
                    request.user,
                    read_id(request.POST.get("competition_id"), "competition_id", label=COMPETITION_WORDS),
                    entry_id,
                ),
                "已申报利益冲突,该项目将改由其他评委评审",
            )
        else:
            sheet = queries.judge_assignments(request.user)
            found = next(
                (
                    a
                    for a in sheet
                    if a.entry_id == entry_id and str(a.round.number) == request.POST.get("round")
                ),
                None,
            )
            if found is not None:
                raw = {
                    c["id"]: request.POST.get(f"score-{c['id']}", "") for c in found.round.competition.rubric
                }
                try:
                    scores = {k: float(v) for k, v in raw.items()}
                except ValueError:
                    messages.error(request, "分数须为数字 Scores must be numbers")
                else:
                    _run(
                        request,
                        lambda: actions.do_score(
                            request.user,
                            entry_id,
                            round_number=found.round.number,
                            scores=scores,
                            comment=request.POST.get("comment", ""),
                        ),
                        "评分已保存",
                    )
        return redirect("web:judge_desk")
    now = timezone.now()
    sheets = [
        {
            "a": a,
            "open": not a.round.closed_at and a.round.starts_at <= now <= a.round.ends_at,
            "rubric": a.round.competition.rubric,
        }
        for a in queries.judge_assignments(request.user)
    ]
    return render(request, "competitions/judge.html", {"sheets": sheets, "tab": "me"})


def _lines(text: str, fields: int, field: str) -> list[list[str]]:
    rows = []
    for n, line in enumerate(text.strip().splitlines(), start=1):
        parts = [p.strip() for p in line.replace(",", ",").split(",")]
        if len(parts) != fields:
            raise InvalidInput(
                f"第{n}行应有{fields}项,用逗号分隔",
                f"Line {n} needs {fields} comma-separated values",
                field=field,
            )
        rows.append(parts)
    return rows


def _when(text: str, field: str):
    try:
        moment = dt.datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise InvalidInput(
            f"时间格式应为 2027-03-01 09:00:{text}", f"Use 2027-03-01 09:00: {text}", field=field
        ) from None
    return checked_moment(moment, field)


def _number(text: str, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"应为数字:{text}", f"Not a number: {text}", field=field) from None


def _create_from_form(request):
    post = request.POST
    rounds = [
        {
            "name": name,
            "starts_at": _when(a, "rounds"),
            "ends_at": _when(b, "rounds"),
            "advance": read_int(n, "rounds", low=1, high=10_000, label=ADVANCE_WORDS),
        }
        for name, a, b, n in _lines(post.get("rounds", ""), 4, "rounds")
    ]
    rubric = [
        {"id": cid, "label": label, "weight": _number(w, "rubric"), "max": _number(m, "rubric")}
        for cid, label, w, m in _lines(post.get("rubric", ""), 4, "rubric")
    ]
    prizes = [
        {"label": label, "amount_cny": amount}
        for label, amount in _lines(post.get("prizes", ""), 2, "prizes")
    ]
    return actions.do_create_competition(
        request.user,
        title=post.get("title", ""),
        prize_pool_cny=post.get("prize_pool_cny", ""),
        rounds=rounds,
        rubric=rubric,
        tracks=[t for t in post.get("tracks", "").replace(",", ",").split(",") if t.strip()],
        prizes=prizes,
    )


@login_required
def staff_competitions(request):
    if not has_role(request.user, "town_admin"):
        raise PermissionDenied
    if request.method == "POST":
        created = []
        if _run(request, lambda: created.append(_create_from_form(request)), "大赛已创建"):
            return redirect("web:staff_competition", competition_id=created[0].pk)
        return render(
            request,
            "competitions/staff_list.html",
            {"competitions": queries.competitions(), "form": request.POST},
        )
    return render(
        request, "competitions/staff_list.html", {"competitions": queries.competitions(), "form": {}}
    )


@login_required
def staff_competition(request, competition_id: int):
    if not has_role(request.user, "town_admin"):
        raise PermissionDenied
    competition = queries.competition_or_404(competition_id)
    if request.method == "POST":
        action = request.POST.get("do")
        try:
            number = read_int(
                request.POST.get("round"), "round", low=1, high=1000, label=ROUND_WORDS, optional=True
            )
        except DomainError as exc:
            messages.error(request, exc.localized())
            return redirect("web:staff_competition", competition_id=competition.pk)
        number = number or 1
        if action == "judge":
            try:
                phone = parse_phone(request.POST.get("phone", ""))
            except DomainError as exc:
                messages.error(request, exc.localized())
            else:
                user = get_user_model().objects.filter(phone=phone).first()
                _run(
                    request,
                    lambda: actions.do_add_judge(request.user, competition.pk, user.pk if user else 0),
                    "已添加评委",
                )
        elif action == "assign":
            _run(
                request,
                lambda: actions.check_assign_round(
                    request.user,
                    competition.pk,
                    number,
                    read_int(
                        request.POST.get("judges_per_entry") or 3,
                        "judges_per_entry",
                        low=1,
                        high=20,
                        label=("每个项目的评委人数", "judges per entry"),
                    ),
                ),
                "已分配评委",
            )
        elif action == "close":
            _run(
                request,
                lambda: actions.check_close_round(
                    request.user,
                    competition.pk,
                    number,
                    override_reason=request.POST.get("override_reason", ""),
                ),
                "本轮已结束,结果已通知参赛者",
            )
        return redirect("web:staff_competition", competition_id=competition.pk)
    progress = queries.round_progress(competition)
    current = next((p for p in progress if not p["closed"]), progress[-1] if progress else None)
    ranking = queries.round_ranking(competition, current["number"]) if current else None
    return render(
        request,
        "competitions/staff.html",
        {
            "competition": competition,
            "progress": progress,
            "current": current,
            "ranking": ranking,
            "judges": competition.judges.select_related("user"),
            "entries": competition.entries.select_related("company"),
            "status": STATUS,
        },
    )
