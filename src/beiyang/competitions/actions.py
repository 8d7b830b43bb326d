"""Competition actions: a town admin sets up the competition and its judges, founders enter,
judges declare conflicts and score, the admin assigns and closes rounds. Each is one
transaction with its audit entry and a message to the people concerned."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from beiyang.accounts.roles import has_role, require_town_admin
from beiyang.companies.models import Company, Membership
from beiyang.companies.queries import company_of, member_ids
from beiyang.competitions import judging
from beiyang.competitions.models import Assignment, Competition, Conflict, Entry, Judge, JudgeInterest, Round
from beiyang.competitions.queries import round_ranking
from beiyang.core.audit import log_action, snapshot
from beiyang.core.errors import AccessDenied, InvalidInput, NotFound
from beiyang.core.errors import Conflict as ConflictError
from beiyang.core.money import fen_to_yuan, format_cny_short, yuan_to_fen
from beiyang.core.uploads import check_room, replace_file, sniff
from beiyang.core.words import moment_words
from beiyang.notifications.actions import do_send_message
from beiyang.policies.queries import current_pack, evaluate_company

User = get_user_model()
DECK_TYPES = ("pdf", "pptx")


def _competition(competition_id: int, *, lock: bool = False) -> Competition:
    qs = Competition.objects.select_for_update() if lock else Competition.objects.all()
    competition = qs.filter(pk=competition_id).first()
    if competition is None:
        raise NotFound("大赛不存在", "No such competition", field="competition_id")
    return competition


def _round(competition: Competition, number: int, *, lock: bool = False) -> Round:
    qs = Round.objects.select_for_update() if lock else Round.objects.all()
    found = qs.filter(competition=competition, number=number).first()
    if found is None:
        raise NotFound("轮次不存在", "No such round", field="round")
    return found


# --- set-up -------------------------------------------------------------------------------------


def _clean_rubric(rubric: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rubric:
        raise InvalidInput("请至少设置一项评分标准", "Give at least one criterion", field="rubric")
    seen, out = set(), []
    for item in rubric:
        cid = str(item.get("id", "")).strip()
        weight, top = item.get("weight"), item.get("max")
        if not cid or cid in seen:
            raise InvalidInput("评分标准的编号须唯一且不为空", "Criterion ids must be unique", field="rubric")
        if not isinstance(weight, int | float) or weight <= 0 or not isinstance(top, int | float) or top <= 0:
            raise InvalidInput("权重和满分须为正数", "Weights and maxima must be positive", field="rubric")
        seen.add(cid)
        out.append({"id": cid, "label": str(item.get("label") or cid)[:80], "weight": weight, "max": top})
    return out


def _clean_rounds(rounds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rounds:
        raise InvalidInput("请至少设置一轮", "Give at least one round", field="rounds")
    previous_end = None
    for i, r in enumerate(rounds):
        if not str(r.get("name", "")).strip():
            raise InvalidInput("每一轮都需要名称", "Every round needs a name", field=f"rounds.{i}.name")
        if r["ends_at"] <= r["starts_at"]:
            raise InvalidInput(
                "结束时间须晚于开始时间", "A round must end after it starts", field=f"rounds.{i}"
            )
        if previous_end is not None and r["starts_at"] < previous_end:
            raise InvalidInput(
                "各轮时间不能重叠,须按顺序", "Rounds must follow one another", field=f"rounds.{i}.starts_at"
            )
        if int(r.get("advance", 0)) < 1:
            raise InvalidInput("晋级名额至少为1", "At least one entry advances", field=f"rounds.{i}.advance")
        previous_end = r["ends_at"]
    return rounds


def _competition_policy() -> str:
    """The pack's competition policy (``kind: competition``): its criteria decide who may enter."""
    found = [p.id for p in current_pack().policies.values() if p.kind == "competition"]
    if not found:
        raise ConflictError(
            "政策包中没有创业大赛政策,无法设立大赛",
            "The policy pack has no competition policy to hold a competition under",
            field="policy",
            code="no_competition_policy",
        )
    return found[0]


@transaction.atomic
def do_create_competition(
    admin,
    *,
    title: str,
    prize_pool_cny: Any,
    rounds: list[dict[str, Any]],
    rubric: list[dict[str, Any]],
    tracks: list[str] | None = None,
    prizes: list[dict[str, Any]] | None = None,
) -> Competition:
    require_town_admin(admin)
    if not title.strip():
        raise InvalidInput("请填写大赛名称", "Give the competition a title", field="title")
    pool = yuan_to_fen(prize_pool_cny, "prize_pool_cny")
    if pool < 0:
        raise InvalidInput("奖金总额不能为负", "The prize pool cannot be negative", field="prize_pool_cny")
    prize_rows = [
        {
            "label": str(p.get("label", "")).strip()[:80] or f"第{i + 1}名",
            "amount_fen": yuan_to_fen(p["amount_cny"], f"prizes.{i}.amount_cny"),
        }
        for i, p in enumerate(prizes or [])
    ]
    if sum(p["amount_fen"] for p in prize_rows) > pool:
        raise InvalidInput(
            "奖项合计超过奖金总额", "The prizes add up to more than the prize pool", field="prizes"
        )
    clean_rubric = _clean_rubric(rubric)
    clean_rounds = _clean_rounds(rounds)
    competition = Competition.objects.create(
        title=title.strip()[:160],
        policy_id=_competition_policy(),
        prize_pool_fen=pool,
        prizes=prize_rows,
        rubric=clean_rubric,
        tracks=[t.strip() for t in tracks or [] if t.strip()],
        created_by=admin,
    )
    for number, r in enumerate(clean_rounds, start=1):
        Round.objects.create(
            competition=competition,
            number=number,
            name=r["name"].strip()[:80],
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
            advance=int(r["advance"]),
        )
    log_action(
        "competitions.competition.created",
        actor=admin,
        obj=competition,
        after=snapshot(competition, ["title", "prize_pool_fen", "prizes", "rubric", "tracks"]),
        rounds=len(clean_rounds),
    )
    return competition


@transaction.atomic
def do_add_judge(admin, competition_id: int, user_id: int) -> Judge:
    require_town_admin(admin)
    competition = _competition(competition_id, lock=True)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not has_role(user, "judge"):
        raise InvalidInput(
            "该用户不是评委(请先以 judge 角色创建)",
            "That user does not hold the judge role",
            field="user_id",
            code="not_a_judge",
        )
    judge, created = Judge.objects.get_or_create(
        competition=competition, user=user, defaults={"added_by": admin}
    )
    if not created:
        raise ConflictError("该评委已在本次大赛中", "Already a judge of this competition", field="user_id")
    log_action("competitions.judge.added", actor=admin, obj=competition, judge_id=user.pk)
    _record_automatic_conflicts(competition)
    return judge


@transaction.atomic
def do_record_interest(admin, *, user_id: int, company_id: int, note: str = "") -> JudgeInterest:
    """A judge's tie to a company, which keeps them off its entries."""
    require_town_admin(admin)
    if not get_user_model().objects.filter(pk=user_id).exists():
        raise NotFound("用户不存在", "No such user", field="user_id")
    if not Company.objects.filter(pk=company_id).exists():
        raise NotFound("企业不存在", "No such company", field="company_id")
    interest, _ = JudgeInterest.objects.get_or_create(
        user_id=user_id, company_id=company_id, defaults={"note": note[:200]}
    )
    log_action(
        "competitions.interest.recorded", actor=admin, obj=interest, user_id=user_id, company_id=company_id
    )
    for competition in Competition.objects.filter(entries__company_id=company_id).distinct():
        _record_automatic_conflicts(competition)
    return interest


def _record_automatic_conflicts(competition: Competition) -> None:
    """Membership of, or a recorded tie to, the entering company excludes a judge; an
    assignment that such a conflict now touches is removed with its score."""
    judges = set(Judge.objects.filter(competition=competition).values_list("user_id", flat=True))
    if not judges:
        return
    entries = dict(Entry.objects.filter(competition=competition).values_list("company_id", "id"))
    found: dict[tuple[int, int], str] = {}
    for user_id, company_id in Membership.objects.filter(
        user_id__in=judges, company_id__in=entries
    ).values_list("user_id", "company_id"):
        found[(user_id, entries[company_id])] = "member"
    for user_id, company_id in JudgeInterest.objects.filter(
        user_id__in=judges, company_id__in=entries
    ).values_list("user_id", "company_id"):
        found.setdefault((user_id, entries[company_id]), "interest")
    for (user_id, entry_id), source in found.items():
        _add_conflict(competition, user_id, entry_id, source, actor=None)


def _add_conflict(competition: Competition, judge_id: int, entry_id: int, source: str, actor) -> bool:
    if Conflict.objects.filter(entry_id=entry_id, judge_id=judge_id).exists():
        return False
    Conflict.objects.create(entry_id=entry_id, judge_id=judge_id, source=source)
    dropped = list(
        Assignment.objects.filter(entry_id=entry_id, judge_id=judge_id).values("round__number", "scores")
    )
    Assignment.objects.filter(entry_id=entry_id, judge_id=judge_id).delete()
    log_action(
        "competitions.conflict.recorded",
        actor=actor,
        obj=competition,
        entry_id=entry_id,
        judge_id=judge_id,
        source=source,
        dropped_assignments=dropped,
    )
    return True


@transaction.atomic
def do_declare_conflict(judge_user, competition_id: int, entry_id: int) -> Conflict:
    competition = _competition(competition_id, lock=True)
    if not Judge.objects.filter(competition=competition, user=judge_user).exists():
        raise AccessDenied("您不是本次大赛的评委", "You are not a judge of this competition")
    if not Entry.objects.filter(pk=entry_id, competition=competition).exists():
        raise NotFound("参赛项目不存在", "No such entry", field="entry_id")
    _add_conflict(competition, judge_user.pk, entry_id, "declared", actor=judge_user)
    return Conflict.objects.get(entry_id=entry_id, judge=judge_user)


# --- entering ----------------------------------------------------------------------------------


def _eligibility(company, policy_id: str) -> None:

    pack = current_pack()
    result = evaluate_company(company, pack=pack).by_policy().get(policy_id)
    if result is None:
        raise ConflictError("大赛当前不在有效期内", "The competition is not in force", field="competition_id")
    data = result.to_dict()
    if data["status"] == "ineligible":
        failed = [c["label"] for c in data["criteria"] if c["result"] == "fail"]
        raise ConflictError(
            f"暂不符合参赛条件:{'、'.join(c['zh'] if isinstance(c, dict) else str(c) for c in failed)}",
            f"Not eligible: {', '.join(c['en'] if isinstance(c, dict) else str(c) for c in failed)}",
            field="company",
            code="not_eligible",
            extra={"failed": failed},
        )


@transaction.atomic
def do_enter(user, competition_id: int, *, project: str, summary: str, track: str = "") -> Entry:
    company = company_of(user)
    if company is None:
        raise NotFound("请先登记企业信息", "Register your company first", field="company", code="no_company")
    competition = _competition(competition_id, lock=True)
    first = competition.rounds.order_by("number").first()
    # Closed early counts as begun: the round's entrants are already ranked and told.
    if first is not None and (timezone.now() >= first.starts_at or first.closed_at is not None):
        raise ConflictError(
            "报名已截止(首轮评审已开始)",
            "Entries have closed: the first round has begun",
            code="entries_closed",
        )
    if not project.strip() or not summary.strip():
        raise InvalidInput(
            "请填写项目名称和简介",
            "Give the project a name and a summary",
            field="project" if not project.strip() else "summary",
        )
    if competition.tracks and track not in competition.tracks:
        raise InvalidInput(
            f"赛道须为:{'、'.join(competition.tracks)}",
            f"Track must be one of: {', '.join(competition.tracks)}",
            field="track",
        )
    if Entry.objects.filter(competition=competition, company=company).exists():
        raise ConflictError(
            "贵公司已报名本次大赛", "Your company has already entered", code="already_entered"
        )
    _eligibility(company, competition.policy_id)
    try:
        with transaction.atomic():
            entry = Entry.objects.create(
                competition=competition,
                company=company,
                submitted_by=user,
                project=project.strip()[:160],
                summary=summary.strip()[:4000],
                track=track,
            )
    except IntegrityError:
        raise ConflictError(
            "贵公司已报名本次大赛", "Your company has already entered", code="already_entered"
        ) from None
    log_action(
        "competitions.entry.created",
        actor=user,
        obj=entry,
        competition_id=competition.pk,
        company_id=company.pk,
    )
    _record_automatic_conflicts(competition)
    do_send_message(
        user.pk,
        kind="competition",
        title=f"已报名{competition.title}",
        body=f"项目“{entry.project}”已报名,首轮评审开始后请留意结果通知。",
        title_en=f"Entered {competition.title}",
        link=f"/competitions/{competition.pk}/",
        data={"competition_id": competition.pk, "entry_id": entry.pk},
    )
    return entry


@transaction.atomic
def do_upload_deck(user, entry_id: int, upload: UploadedFile | None) -> Entry:
    entry = Entry.objects.select_for_update().filter(pk=entry_id, company__memberships__user=user).first()
    if entry is None:
        raise NotFound("参赛项目不存在", "No such entry", field="entry_id")
    ext = (upload.name or "").rsplit(".", 1)[-1].lower() if upload is not None else ""
    if upload is not None and ext not in DECK_TYPES:
        raise InvalidInput(
            "路演材料须为 PDF 或 PPTX", "The deck must be a PDF or PPTX", field="file", code="file_type"
        )
    ext, _kind = sniff(upload)  # the bytes must be what the name says
    # One deck an entry: a new one replaces the old, so nothing else stays beside it.
    check_room("competitions.Entry.deck", upload, files=0, stored_bytes=0)
    replace_file(entry.deck, f"entry-{entry.pk}.{ext}", upload)  # the old deck leaves the disk
    entry.deck_type = ext
    entry.save(update_fields=["deck", "deck_type"])
    log_action("competitions.entry.deck_uploaded", actor=user, obj=entry, size=upload.size, type=ext)
    return entry


# --- judging ------------------------------------------------------------------------------------


@transaction.atomic
def check_assign_round(admin, competition_id: int, number: int, judges_per_entry: int) -> list[Assignment]:
    require_town_admin(admin)
    competition = _competition(competition_id, lock=True)
    round_ = _round(competition, number, lock=True)
    if round_.closed_at:
        raise ConflictError("该轮已结束", "This round is closed", field="round", code="round_closed")
    if not 1 <= judges_per_entry <= 20:
        raise InvalidInput(
            "每个项目的评委数须在1到20之间", "judges_per_entry must be 1–20", field="judges_per_entry"
        )
    if Assignment.objects.filter(round=round_, scores__isnull=False).exists():
        raise ConflictError(
            "本轮已有评分,不能重新分配",
            "Scores are in for this round; it cannot be reassigned",
            code="already_scored",
        )
    entries = list(
        Entry.objects.filter(competition=competition, status="active", reached_round__gte=number).values_list(
            "id", flat=True
        )
    )
    judges = list(Judge.objects.filter(competition=competition).values_list("user_id", flat=True))
    if not entries:
        raise ConflictError("本轮没有参赛项目", "No entries in this round", code="no_entries")
    conflicts = set(
        Conflict.objects.filter(entry__competition=competition).values_list("judge_id", "entry_id")
    )
    try:
        pairs = judging.assign(entries, judges, judges_per_entry, conflicts)
    except judging.NotEnoughJudges as exc:
        raise ConflictError(
            f"有{len(exc.entry_ids)}个项目没有足够的无利益冲突评委",
            f"{len(exc.entry_ids)} entries lack enough judges free of conflict",
            field="judges_per_entry",
            code="not_enough_judges",
            extra={"entry_ids": exc.entry_ids},
        ) from None
    Assignment.objects.filter(round=round_).delete()
    made = Assignment.objects.bulk_create(
        [Assignment(round=round_, judge_id=j, entry_id=e) for j, e in pairs]
    )
    log_action(
        "competitions.round.assigned",
        actor=admin,
        obj=round_,
        judges_per_entry=judges_per_entry,
        assignments=[[j, e] for j, e in pairs],
    )
    for judge_id in sorted({j for j, _ in pairs}):
        count = sum(1 for j, _ in pairs if j == judge_id)
        do_send_message(
            judge_id,
            kind="competition",
            title=f"{competition.title} · {round_.name}:请评审{count}个项目",
            body=f"评审时间:{moment_words(round_.starts_at, en=False)}至{moment_words(round_.ends_at, en=False)}。",
            title_en=f"{competition.title}: {count} entries to score in {round_.name}",
            link="/judge/",
            data={"competition_id": competition.pk, "round": number},
        )
    return made


def _clean_scores(rubric: list[dict[str, Any]], scores: dict[str, Any]) -> dict[str, float]:
    wanted = {c["id"]: c for c in rubric}
    if set(scores) != set(wanted):
        missing = sorted(set(wanted) - set(scores))
        extra = sorted(set(scores) - set(wanted))
        raise InvalidInput(
            f"评分项不符:缺少{missing or '无'},多出{extra or '无'}",
            f"Scores must cover exactly the rubric: missing {missing}, unknown {extra}",
            field="scores",
            code="rubric_mismatch",
        )
    out = {}
    for cid, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise InvalidInput(
                "分数须为数字", "Scores must be numbers", field=f"scores.{cid}", code="invalid_score"
            )
        top = wanted[cid]["max"]
        if not 0 <= float(value) <= float(top):
            raise InvalidInput(
                f"“{wanted[cid]['label']}”的分数须在0到{float(top):g}之间",
                f"The score for {cid} must be between 0 and {float(top):g}",
                field=f"scores.{cid}",
                code="score_out_of_range",
            )
        out[cid] = float(value)
    return out


@transaction.atomic
def do_score(
    judge_user, entry_id: int, *, round_number: int, scores: dict[str, Any], comment: str = ""
) -> Assignment:
    entry = Entry.objects.select_related("competition").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("参赛项目不存在", "No such entry", field="entry_id")
    if Conflict.objects.filter(entry=entry, judge=judge_user).exists():
        raise AccessDenied(
            "您与该项目存在利益冲突,不能评分",
            "You have a conflict with this entry",
            code="conflict_of_interest",
        )
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("round")
        .filter(entry=entry, judge=judge_user, round__number=round_number)
        .first()
    )
    if assignment is None:
        raise AccessDenied("该项目未分配给您评审", "This entry is not assigned to you", code="not_assigned")
    round_ = assignment.round
    now = timezone.now()
    if round_.closed_at or not round_.starts_at <= now <= round_.ends_at:
        raise ConflictError(
            "本轮评审未开放", "This round is not open for scoring", field="round", code="round_not_open"
        )
    clean = _clean_scores(entry.competition.rubric, scores)
    before = {"scores": assignment.scores, "comment": assignment.comment}
    assignment.scores = clean
    assignment.comment = comment.strip()[:2000]
    assignment.scored_at = now
    assignment.save(update_fields=["scores", "comment", "scored_at"])
    log_action(
        "competitions.score.saved", actor=judge_user, obj=assignment, before=before, after={"scores": clean}
    )
    return assignment


@transaction.atomic
def check_close_round(
    admin, competition_id: int, number: int, *, override_reason: str = ""
) -> dict[str, Any]:

    require_town_admin(admin)
    competition = _competition(competition_id, lock=True)
    round_ = _round(competition, number, lock=True)
    if round_.closed_at:
        raise ConflictError("该轮已结束", "This round is already closed", code="round_closed")
    if timezone.now() < round_.starts_at:
        # Closing would eliminate entrants and tell everyone before a judge could score.
        raise ConflictError(
            f"本轮{moment_words(round_.starts_at, en=False)}才开始,开始前不能结束",
            f"This round starts {moment_words(round_.starts_at, en=True)}; it cannot close before",
            code="round_not_started",
        )
    if not Assignment.objects.filter(round=round_).exists():
        raise ConflictError("本轮尚未分配评委", "This round has no assignments yet", code="not_assigned")
    missing = Assignment.objects.filter(round=round_, scores__isnull=True).count()
    if missing and not override_reason.strip():
        raise ConflictError(
            f"还有{missing}份评分未提交;如需强制结束,请填写理由",
            f"{missing} score sheets are missing; give a reason to close anyway",
            field="override_reason",
            code="scores_missing",
            extra={"missing": missing},
        )
    ranking = round_ranking(competition, number)
    is_final = not Round.objects.filter(competition=competition, number__gt=number).exists()
    in_round = list(Entry.objects.filter(competition=competition, status="active", reached_round__gte=number))
    place = {row["entry_id"]: i for i, row in enumerate(ranking["ranking"])}
    advancing = {row["entry_id"] for row in ranking["ranking"][: round_.advance]}
    prizes = competition.prizes if is_final else []
    for entry in in_round:
        if is_final:
            entry.status = "finalist"
            entry.final_rank = place[entry.pk] + 1 if entry.pk in place else None
            prize = prizes[place[entry.pk]] if entry.pk in place and place[entry.pk] < len(prizes) else None
            if prize:
                entry.prize_label, entry.prize_fen = prize["label"], prize["amount_fen"]
        elif entry.pk in advancing:
            entry.reached_round = number + 1
        else:
            entry.status = "eliminated"
        entry.save(update_fields=["status", "reached_round", "final_rank", "prize_label", "prize_fen"])
    round_.closed_at = timezone.now()
    round_.closed_by = admin
    round_.override_reason = override_reason.strip()[:2000] if missing else ""
    round_.save(update_fields=["closed_at", "closed_by", "override_reason"])
    log_action(
        "competitions.round.closed",
        actor=admin,
        obj=round_,
        missing_scores=missing,
        override_reason=round_.override_reason,
        advanced=sorted(advancing) if not is_final else [],
        final=is_final,
    )
    _tell_results(competition, round_, ranking, in_round, is_final)
    return {
        "closed": True,
        "advanced": sorted(advancing) if not is_final else [],
        "final": is_final,
        **ranking,
    }


def _tell_results(competition, round_, ranking, entries, is_final: bool) -> None:
    rows = {row["entry_id"]: row for row in ranking["ranking"]}
    comments: dict[int, list[str]] = {}
    for entry_id, comment in (
        Assignment.objects.filter(round=round_)
        .exclude(comment="")
        .order_by("judge_id")
        .values_list("entry_id", "comment")
    ):
        comments.setdefault(entry_id, []).append(comment)
    for entry in entries:
        row = rows.get(entry.pk)
        score = f"{row['normalised']:.1f}" if row else "—"
        if is_final:
            outcome = f"最终第{entry.final_rank}名" if entry.final_rank else "决赛已结束"
            if entry.prize_fen:
                outcome += f",获得{entry.prize_label}(奖金{format_cny_short(entry.prize_fen)})"
            outcome_en = f"final place {entry.final_rank}" if entry.final_rank else "the final is over"
        elif entry.status == "active":
            outcome, outcome_en = "恭喜晋级下一轮", "you advance to the next round"
        else:
            outcome, outcome_en = "很遗憾未能晋级", "you did not advance"
        notes = "\n".join(f"评委{i}:{c}" for i, c in enumerate(comments.get(entry.pk, []), start=1))
        for user_id in member_ids(entry.company_id):
            do_send_message(
                user_id,
                kind="competition",
                title=f"{competition.title} · {round_.name}结果:{outcome}",
                body=f"项目“{entry.project}”校正后得分{score}(满分100)。"
                + (f"\n评委意见:\n{notes}" if notes else ""),
                title_en=f"{competition.title} · {round_.name}: {outcome_en}",
                body_en=f"Adjusted score {score} of 100.",
                link=f"/competitions/{competition.pk}/",
                data={"competition_id": competition.pk, "entry_id": entry.pk, "round": round_.number},
            )


def prize_yuan(entry: Entry) -> Decimal | None:
    return fen_to_yuan(entry.prize_fen) if entry.prize_fen is not None else None
