"""Application actions: the founder's side (start, upload, submit, respond, withdraw) and the
review side (assign, request information, approve with four eyes, reject, disburse), each a
state transition with its audit entry and a message to the people concerned."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from beiyang.accounts.roles import has_role
from beiyang.applications.models import OPEN, STATUSES, Application, Document
from beiyang.applications.queries import policy_title
from beiyang.applications.workdays import add_working_days, working_days_between
from beiyang.companies.actions import check_no_conflict_of_interest
from beiyang.companies.models import Company
from beiyang.companies.queries import company_of, conflicted_pairs, member_ids
from beiyang.core.audit import log_action
from beiyang.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from beiyang.core.money import fen_text, fen_to_yuan, yuan_to_fen
from beiyang.core.uploads import check_room, kept, sniff
from beiyang.core.words import date_words
from beiyang.notifications.actions import do_send_message
from beiyang.policies.queries import current_pack, document_name, evaluate_company
from beiyang.vouchers.actions import issue_grant

TRANSITIONS = {
    "submit": ({"draft"}, "submitted", "提交"),
    # Assigning starts the review of a submitted application; re-assigning keeps the state.
    "assign": ({"submitted", "in_review", "needs_info"}, "in_review", "分派"),
    "request_info": ({"submitted", "in_review"}, "needs_info", "要求补充材料"),
    "respond": ({"needs_info"}, "in_review", "补充材料"),
    "approve": ({"submitted", "in_review"}, "approved", "批准"),
    "reject": ({"submitted", "in_review", "needs_info"}, "rejected", "驳回"),
    "withdraw": (set(OPEN), "withdrawn", "撤回"),
    "disburse": ({"approved"}, "disbursed", "拨付"),
}


def _move(application: Application, action: str) -> str:
    allowed, target, verb = TRANSITIONS[action]
    if application.status not in allowed:
        label = STATUSES[application.status][0]
        raise Conflict(
            f"申请当前为“{label}”,不能{verb}",
            f"A {application.status} application cannot be {action}ed",
            field="status",
            code="invalid_transition",
        )
    before = application.status
    application.status = target
    return before


def _evaluate(company, policy_id: str) -> dict[str, Any]:
    """The engine's answer for one policy, kept on the application as evidence."""

    pack = current_pack()
    if policy_id not in pack.policies:
        raise NotFound("未知的政策", "No such policy", field="policy", code="unknown_policy")
    result = evaluate_company(company, pack=pack).by_policy().get(policy_id)
    if result is None:
        raise Conflict(
            "该政策当前不在有效期内", "This policy is not in force now", field="policy", code="not_in_force"
        )
    data = result.to_dict()
    return {
        "status": data["status"],
        "amount_fen": data["amount_fen"],
        # The policy's published upper bound (None: the policy has no amount at all).
        "max_fen": data["max_amount_fen"],
        "has_amount": policy_has_amount(pack, policy_id),
        "lane": data["lane"],
        "failed": [c["label"] for c in data["criteria"] if c["result"] == "fail"],
        "missing": [m["label"] for m in data["missing_facts"]],
        "pack_version": pack.version,
        "documents": data["documents"],
        "method": data["how_to_apply"],
        "params": {p["parameter"]: p["value"] for p in data["parameters"]},
    }


def policy_has_amount(pack, policy_id: str) -> bool:
    return pack.policies[policy_id].amount is not None


def _limit_fen(snapshot: dict[str, Any]) -> int | None:
    """The most that may be asked: the engine's amount for this company when it can compute one,
    else the policy's published maximum (the formula may lack a fact; the bound never does)."""
    if snapshot["amount_fen"] is not None:
        return snapshot["amount_fen"]
    return snapshot.get("max_fen")


def amount_limit_fen(company, policy_id: str) -> int | None:
    """The most this company may ask of a policy, as ``do_start_application`` will check it: for
    the agent to refuse an amount when it proposes, not after the founder confirmed."""
    return _limit_fen(_evaluate(company, policy_id))


def _refuse_ineligible(snapshot: dict[str, Any]) -> None:
    if snapshot["status"] == "ineligible":
        raise Conflict(
            f"暂不符合条件:{'、'.join(snapshot['failed'])}",
            f"Not eligible: {', '.join(snapshot['failed'])}",
            field="policy",
            code="not_eligible",
        )


def _sla_days(application_policy: str, lane: str) -> int:
    """Working days to decide: the priority lane's limit, else the policy's own, else the normal lane's."""

    pack = current_pack()
    params = pack.params_at(timezone.localdate())
    policy = pack.policies.get(application_policy)
    if lane == "priority":
        return int(params["review.sla_priority_days"])
    if policy is not None and policy.sla_param:
        return int(params[policy.sla_param])
    return int(params["review.sla_normal_days"])


def _amount(amount_cny: Any, snapshot: dict[str, Any]) -> int | None:
    max_fen = _limit_fen(snapshot)
    if amount_cny is None:
        return max_fen if snapshot["amount_fen"] is not None else None
    if not snapshot.get("has_amount", True):
        raise InvalidInput(
            "该政策不涉及金额,请不要填写申请金额",
            "This benefit has no amount; leave amount_cny out",
            field="amount_cny",
            code="no_amount",
        )
    fen = yuan_to_fen(amount_cny, "amount_cny")
    if fen < 0:
        raise InvalidInput(
            "金额不能为负", "The amount cannot be negative", field="amount_cny", code="invalid_amount"
        )
    if max_fen is not None and fen > max_fen:
        raise InvalidInput(
            f"申请金额超过可享受的最高额度{fen_text(max_fen)}",
            f"The amount is above the maximum of {fen_to_yuan(max_fen):,} CNY",
            field="amount_cny",
            code="over_maximum",
        )
    return fen


def _tell(user_id: int, application: Application, title: str, body: str, title_en: str) -> None:
    do_send_message(
        user_id,
        kind="application",
        title=title,
        body=body,
        title_en=title_en,
        link=f"/applications/{application.pk}/",
        data={"application_id": application.pk},
    )


def _tell_founders(application: Application, title: str, body: str, title_en: str) -> None:
    for user_id in member_ids(application.company_id):
        _tell(user_id, application, title, body, title_en)


def _title(application: Application, *, en: bool = False) -> str:

    return policy_title(application, en=en)


# --- founder side -------------------------------------------------------------------------------


def access_founder_application(user, application_id: int, *, lock: bool = False) -> Application:
    """The application if it belongs to the user's company; 404 otherwise, so ids do not leak."""
    qs = Application.objects.select_for_update() if lock else Application.objects.all()
    application = qs.filter(pk=application_id, company__memberships__user=user).first()
    if application is None:
        raise NotFound("申请不存在", "No such application", field="application_id")
    return application


@transaction.atomic(durable=True)
def do_start_application(
    user, *, policy_id: str, amount_cny: Any = None, answers: dict | None = None
) -> Application:
    company = company_of(user)
    if company is None:
        raise NotFound("请先登记企业信息", "Register your company first", field="company", code="no_company")
    snapshot = _evaluate(company, policy_id)
    if snapshot["method"] != "application":
        raise Conflict(
            "该政策无需申请(自动享受或由推荐产生)",
            "This benefit is not applied for (automatic or by nomination)",
            field="policy",
            code="not_applied_for",
        )
    _refuse_ineligible(snapshot)
    if not isinstance(answers or {}, dict) or len(str(answers or {})) > 20_000:
        raise InvalidInput("补充信息格式不正确或过长", "answers must be a small object", field="answers")
    amount = _amount(amount_cny, snapshot)
    try:
        with transaction.atomic():
            # An application freezes the company's credit code: hold the company row, as an edit
            # of the code does, so the edit either sees this application or finishes first.
            Company.objects.select_for_update().filter(pk=company.pk).values_list("pk", flat=True).first()
            application = Application.objects.create(
                company=company,
                applicant=user,
                policy_id=policy_id,
                pack_version=snapshot["pack_version"],
                lane=snapshot["lane"],
                amount_requested_fen=amount,
                max_amount_fen=_limit_fen(snapshot),
                answers=answers or {},
                eligibility=snapshot,
                sla_days=_sla_days(policy_id, snapshot["lane"]),
            )
    except IntegrityError:
        raise Conflict(
            "该政策已有进行中的申请",
            "There is already an open application for this benefit",
            field="policy",
            code="already_open",
        ) from None
    log_action(
        "applications.application.created",
        actor=user,
        obj=application,
        policy=policy_id,
        lane=application.lane,
        amount_fen=amount,
    )
    return application


@transaction.atomic(durable=True)
def do_upload_document(user, application_id: int, *, doc_type: str, upload: UploadedFile | None) -> Document:
    application = access_founder_application(user, application_id, lock=True)
    if application.status not in ("draft", "needs_info"):
        raise Conflict(
            "当前状态不能上传材料",
            "Documents can be added to a draft or when information is requested",
            field="status",
            code="invalid_transition",
        )
    required = application.eligibility.get("documents") or []
    if doc_type not in required:
        raise InvalidInput(
            f"材料类型应为:{'、'.join(required)}",
            f"doc_type must be one of {', '.join(required)}",
            field="doc_type",
            code="invalid_doc_type",
        )
    limit = settings.APPLICATION_MAX_DOCUMENTS_PER_TYPE
    if application.documents.filter(doc_type=doc_type).count() >= limit:
        raise Conflict(
            f"每类材料最多上传{limit}份,请先与审核员确认",
            f"At most {limit} files of one document type",
            field="doc_type",
            code="too_many_documents",
        )
    ext, kind = sniff(upload)
    files, stored = kept(application.documents.all())  # the application is locked: counted in turn
    check_room("applications.Document.file", upload, files=files, stored_bytes=stored)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = Document(
        application=application,
        doc_type=doc_type,
        original_name=(upload.name or "")[-200:],
        size=upload.size,
        content_type=kind.mime,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
    document.file.save(f"{doc_type}.{ext}", upload, save=False)
    document.save()
    log_action(
        "applications.document.uploaded",
        actor=user,
        obj=application,
        doc_type=doc_type,
        sha256=document.sha256,
        size=document.size,
    )
    return document


@transaction.atomic(durable=True)
def do_submit(user, application_id: int) -> Application:
    """Submit for review: documents complete, eligibility re-checked, the SLA clock starts."""
    application = access_founder_application(user, application_id, lock=True)
    if application.status != "draft":
        _move(application, "submit")
    have = set(application.documents.values_list("doc_type", flat=True))
    missing = [d for d in application.eligibility.get("documents") or [] if d not in have]
    if missing:
        raise InvalidInput(
            f"请先上传:{'、'.join(document_name(d).zh for d in missing)}",
            f"Upload first: {', '.join(document_name(d).en for d in missing)}",
            field="documents",
            code="missing_documents",
            extra={"missing": missing},
        )
    snapshot = _evaluate(application.company, application.policy_id)
    _refuse_ineligible(snapshot)
    previous = application.eligibility
    application.eligibility_changed = (previous.get("status"), previous.get("amount_fen")) != (
        snapshot["status"],
        snapshot["amount_fen"],
    )
    limit = _limit_fen(snapshot)
    application.eligibility, application.max_amount_fen = snapshot, limit
    if (
        application.amount_requested_fen is not None
        and limit is not None
        and application.amount_requested_fen > limit
    ):
        raise Conflict(
            f"申请金额已超过最新的最高额度{fen_to_yuan(limit):,}元,请修改后再提交",
            f"The amount is now above the maximum of {fen_to_yuan(limit):,} CNY",
            field="amount_cny",
            code="over_maximum",
        )
    application.lane = snapshot["lane"]
    application.sla_days = _sla_days(application.policy_id, application.lane)
    _move(application, "submit")
    now = timezone.now()
    application.submitted_at = now
    application.due_on, application.due_estimated = add_working_days(
        timezone.localdate(now), application.sla_days
    )
    application.save()
    log_action(
        "applications.application.submitted",
        actor=user,
        obj=application,
        lane=application.lane,
        due_on=application.due_on,
        eligibility_changed=application.eligibility_changed,
    )
    changed = ";资格评估结果与创建时不同,请留意" if application.eligibility_changed else ""
    _tell(
        user.pk,
        application,
        f"申请已提交:{_title(application)}",
        f"您的申请已进入{'优先' if application.lane == 'priority' else '普通'}审核通道,"
        f"预计{date_words(application.due_on, en=False, year=False)}前完成审核{changed}。",
        f"Application submitted: {_title(application, en=True)}",
    )
    return application


@transaction.atomic(durable=True)
def do_respond(user, application_id: int, *, answers: dict | None = None, note: str = "") -> Application:
    """The founder answers a request for information: back to review, the clock resumes."""
    application = access_founder_application(user, application_id, lock=True)
    _move(application, "respond")
    if answers:
        application.answers = {**application.answers, **answers}
    today = timezone.localdate()
    application.due_on, application.due_estimated = add_working_days(today, application.paused_days_left or 0)
    application.paused_on, application.paused_days_left = None, None
    application.save()
    log_action(
        "applications.application.responded",
        actor=user,
        obj=application,
        note=note[:500],
        due_on=application.due_on,
    )
    if application.assignee_id:
        _tell(
            application.assignee_id,
            application,
            f"申请人已补充材料:{_title(application)}",
            note[:500],
            f"The applicant responded: {_title(application, en=True)}",
        )
    return application


@transaction.atomic(durable=True)
def do_withdraw(user, application_id: int) -> Application:
    application = access_founder_application(user, application_id, lock=True)
    before = _move(application, "withdraw")
    application.save()
    log_action("applications.application.withdrawn", actor=user, obj=application, was=before)
    return application


# --- review side --------------------------------------------------------------------------------


def access_staff_application(staff, application_id: int, *, lock: bool = False) -> Application:
    """The application for a reviewer. ``lock=True`` is for acting on it (every review action
    locks), so it also refuses a reviewer who is a member of the applicant company."""
    if not has_role(staff, "reviewer"):
        raise AccessDenied("仅审核员可以处理申请", "Only reviewers handle applications")
    qs = Application.objects.select_for_update() if lock else Application.objects.all()
    application = qs.select_related("company").filter(pk=application_id).first()
    if application is None:
        raise NotFound("申请不存在", "No such application", field="application_id")
    if lock:
        _check_conflict_of_interest(staff, application)
    return application


def _check_conflict_of_interest(reviewer, application: Application) -> None:
    """Nobody reviews, takes, is given, pauses or pays out the application of a company they
    belong to or have a recorded tie to."""
    check_no_conflict_of_interest(
        reviewer, application.company_id, (f"申请#{application.pk}", f"application #{application.pk}")
    )


def _reviewers():
    return (
        get_user_model()
        .objects.filter(
            Q(groups__name__in=["reviewer", "town_admin"]) | Q(is_superuser=True),
            is_active=True,
            is_staff=True,
        )
        .distinct()
    )


@transaction.atomic(durable=True)
def check_assign(staff, application_ids: list[int], assignee_id: int) -> list[Application]:
    if not has_role(staff, "reviewer"):
        raise AccessDenied("仅审核员可以分派申请", "Only reviewers assign applications")
    assignee = _reviewers().filter(pk=assignee_id).first()
    if assignee is None:
        raise InvalidInput("被分派人须为审核员", "The assignee must be a reviewer", field="assignee_id")
    if not application_ids or len(application_ids) > 500:
        raise InvalidInput("请选择1到500个申请", "Choose 1-500 applications", field="application_ids")
    done = []
    for application_id in sorted(set(application_ids)):  # a stable lock order
        application = access_staff_application(staff, application_id, lock=True)
        _check_conflict_of_interest(assignee, application)
        _assign(application, assignee, staff)
        done.append(application)
    return done


def _assign(application: Application, assignee, staff) -> None:
    if application.status not in TRANSITIONS["assign"][0]:
        raise Conflict(
            f"申请#{application.pk}当前不能分派",
            f"Application {application.pk} cannot be assigned",
            field="application_ids",
            code="invalid_transition",
        )
    if application.status == "submitted":
        _move(application, "assign")
    application.assignee = assignee
    application.save()
    log_action("applications.application.assigned", actor=staff, obj=application, assignee_id=assignee.pk)
    _tell(
        assignee.pk,
        application,
        f"新的待审申请:{_title(application)}",
        f"截止{date_words(application.due_on, en=False, year=False)}" if application.due_on else "",
        f"New application to review #{application.pk}",
    )


@transaction.atomic(durable=True)
def check_auto_assign(staff) -> int:
    """Round-robin the unassigned submitted applications, oldest-due first, least-loaded reviewer first."""
    if not has_role(staff, "reviewer"):
        raise AccessDenied("仅审核员可以分派申请", "Only reviewers assign applications")
    reviewers = list(
        _reviewers()
        .annotate(
            load=Count(
                "assigned_applications",
                filter=Q(assigned_applications__status__in=["in_review", "needs_info"]),
            )
        )
        .order_by("load", "id")
    )
    if not reviewers:
        return 0
    waiting = (
        Application.objects.select_for_update()
        .filter(status="submitted", assignee__isnull=True)
        .order_by("due_on", "id")
    )
    # Neither the one assigning nor the one given may belong to, or be tied to, the company.
    conflicted = conflicted_pairs([staff.pk, *(r.pk for r in reviewers)])
    turn = itertools.cycle(range(len(reviewers)))
    count = 0
    for application in waiting:
        if (staff.pk, application.company_id) in conflicted:
            continue
        start = next(turn)
        for step in range(len(reviewers)):
            reviewer = reviewers[(start + step) % len(reviewers)]
            if (reviewer.pk, application.company_id) not in conflicted:
                _assign(application, reviewer, staff)
                count += 1
                break
    return count


@transaction.atomic(durable=True)
def check_request_info(staff, application_id: int, *, message: str) -> Application:
    application = access_staff_application(staff, application_id, lock=True)
    if not (message or "").strip():
        raise InvalidInput("请说明需要补充的内容", "Say what is needed", field="message")
    _move(application, "request_info")
    today = timezone.localdate()
    application.paused_on = today
    application.paused_days_left = (
        working_days_between(today, application.due_on) if application.due_on else 0
    )
    application.assignee = application.assignee or staff
    application.save()
    log_action(
        "applications.application.info_requested", actor=staff, obj=application, message=message[:2000]
    )
    _tell_founders(
        application,
        f"请补充材料:{_title(application)}",
        message[:2000],
        f"More information needed: {_title(application, en=True)}",
    )
    return application


@transaction.atomic(durable=True)
def check_approve(
    staff,
    application_id: int,
    *,
    amount_cny: Any = None,
    reason: str,
    criteria_checked: list[str] | None = None,
) -> Application:
    """Approve. Above the pack's four-eyes threshold the first approval is recorded and a
    second reviewer must approve too. Never above the engine's maximum."""
    application = access_staff_application(staff, application_id, lock=True)
    if application.status not in TRANSITIONS["approve"][0]:
        _move(application, "approve")
    if not (reason or "").strip():
        raise InvalidInput("请填写批准理由", "A reason is required", field="reason")
    snapshot = _evaluate(application.company, application.policy_id)
    _refuse_ineligible(snapshot)
    # Left empty, the amount is the one already on the table: the first reviewer's for a
    # second reviewer (the request's could be above it, and a second approval cannot raise it),
    # else what was requested.
    if amount_cny is None and application.first_approved_fen is not None:
        amount_cny = fen_to_yuan(application.first_approved_fen)
    amount = _amount(
        amount_cny
        if amount_cny is not None
        else (
            fen_to_yuan(application.amount_requested_fen)
            if application.amount_requested_fen is not None
            else None
        ),
        snapshot,
    )

    policy = current_pack().policies[application.policy_id]
    checked = list(criteria_checked or [])
    unknown = [c for c in checked if c not in {c.id for c in policy.criteria}]
    if unknown:
        raise InvalidInput(
            f"未知的审核要点:{'、'.join(unknown)}",
            f"Unknown criteria: {', '.join(unknown)}",
            field="criteria_checked",
        )
    threshold = yuan_to_fen(current_pack().params_at(timezone.localdate())["review.four_eyes_threshold_cny"])
    if amount is not None and amount > threshold:
        if application.first_approved_by_id is None:
            application.first_approved_by, application.first_approved_fen = staff, amount
            if application.status == "submitted":
                application.status = "in_review"
            application.save()
            log_action(
                "applications.application.first_approved",
                actor=staff,
                obj=application,
                amount_fen=amount,
                reason=reason[:2000],
            )
            return application
        if application.first_approved_by_id == staff.pk:
            raise Conflict(
                "金额超过双人复核门槛,需另一位审核员批准",
                "A second, different reviewer must approve",
                code="second_approver_needed",
            )
        if amount > application.first_approved_fen:
            raise Conflict(
                "复核金额不能高于第一位审核员批准的金额",
                "The second approval cannot raise the amount",
                field="amount_cny",
                code="over_first_approval",
            )
    before = _move(application, "approve")
    now = timezone.now()
    application.granted_fen, application.decided_by, application.decided_at = amount, staff, now
    application.decision_reason, application.criteria_checked = reason[:2000], checked
    _carry_out(application, staff)
    application.save()
    log_action(
        "applications.application.approved",
        actor=staff,
        obj=application,
        was=before,
        granted_fen=amount,
        reason=reason[:2000],
        criteria_checked=checked,
    )
    # The amount first, then the reviewer's words as written (they end as the reviewer ended them).
    amount_text = f"批准金额{fen_text(amount)}。" if amount is not None else ""
    _tell_founders(
        application,
        f"申请已批准:{_title(application)}",
        f"{amount_text}审核意见:{reason[:500]}",
        f"Application approved: {_title(application, en=True)}",
    )
    return application


def _carry_out(application: Application, staff) -> None:
    """What an approval sets in motion, as the policy's ``grants`` in the pack says: a voucher
    grant of its kind, or a fee-waiver period of its months."""
    pack = current_pack()
    policy = pack.policies.get(application.policy_id)
    kind = policy.voucher_kind if policy else None
    if kind and application.granted_fen:
        grant = issue_grant(
            company=application.company,
            kind=kind,
            amount_fen=application.granted_fen,
            actor=None,
            application_id=application.pk,
        )
        application.voucher_grant_id = grant.pk
    months_param = policy.waiver_months_param if policy else None
    if months_param:
        months = int(Decimal(pack.params_at(timezone.localdate())[months_param]))
        start = timezone.localdate()
        year, month = divmod(start.month - 1 + months, 12)
        try:
            end = start.replace(year=start.year + year, month=month + 1)
        except ValueError:
            end = start.replace(year=start.year + year, month=month + 1, day=28)
        application.waiver_from, application.waiver_until = start, end - dt.timedelta(days=1)


@transaction.atomic(durable=True)
def check_reject(staff, application_id: int, *, reason: str) -> Application:
    application = access_staff_application(staff, application_id, lock=True)
    if not (reason or "").strip():
        raise InvalidInput("请填写驳回理由", "A reason is required", field="reason")
    before = _move(application, "reject")
    application.decided_by, application.decided_at, application.decision_reason = (
        staff,
        timezone.now(),
        reason[:2000],
    )
    application.save()
    log_action(
        "applications.application.rejected", actor=staff, obj=application, was=before, reason=reason[:2000]
    )
    _tell_founders(
        application,
        f"申请未通过:{_title(application)}",
        f"审核意见:{reason[:500]}",
        f"Application not approved: {_title(application, en=True)}",
    )
    return application


@transaction.atomic(durable=True)
def check_disburse(staff, application_id: int) -> Application:
    application = access_staff_application(staff, application_id, lock=True)
    before = _move(application, "disburse")
    application.save()
    log_action("applications.application.disbursed", actor=staff, obj=application, was=before)
    _tell_founders(
        application, f"资金已拨付:{_title(application)}", "", f"Disbursed: {_title(application, en=True)}"
    )
    return application


def do_send_sla_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Remind the assignee one working day before the due date; escalate to town admins once breached."""
    today = today or timezone.localdate()
    tomorrow, _ = add_working_days(today, 1)
    counts = {"reminded": 0, "escalated": 0}
    admins = list(
        get_user_model()
        .objects.filter(groups__name="town_admin", is_active=True)
        .values_list("id", flat=True)
    )
    live = Application.objects.filter(status__in=["submitted", "in_review"], due_on__isnull=False)
    for application_id in live.filter(
        due_on__lte=tomorrow, due_on__gte=today, reminded_at__isnull=True
    ).values_list("id", flat=True):
        with transaction.atomic(durable=True):
            application = Application.objects.select_for_update().get(pk=application_id)
            application.reminded_at = timezone.now()
            application.save(update_fields=["reminded_at"])
            log_action("applications.application.reminded", actor_label="sla", obj=application)
            for user_id in [application.assignee_id] if application.assignee_id else admins:
                _tell(
                    user_id,
                    application,
                    f"审核即将到期:申请#{application.pk}",
                    f"截止{date_words(application.due_on, en=False, year=False)}",
                    f"Review due soon: #{application.pk}",
                )
            counts["reminded"] += 1
    for application_id in live.filter(due_on__lt=today, escalated_at__isnull=True).values_list(
        "id", flat=True
    ):
        with transaction.atomic(durable=True):
            application = Application.objects.select_for_update().get(pk=application_id)
            application.escalated_at = timezone.now()
            application.save(update_fields=["escalated_at"])
            log_action("applications.application.escalated", actor_label="sla", obj=application)
            for user_id in admins:
                _tell(
                    user_id,
                    application,
                    f"审核已超时:申请#{application.pk}",
                    f"应于{date_words(application.due_on, en=False, year=False)}前完成",
                    f"Review overdue: #{application.pk}",
                )
            counts["escalated"] += 1
    return counts


def access_document(user, application_id: int, document_id: int) -> Document:
    """A document is served to the applicant's company and to reviewers only (404 otherwise)."""
    if has_role(user, "reviewer"):
        application = access_staff_application(user, application_id)
    else:
        application = access_founder_application(user, application_id)
    document = application.documents.filter(pk=document_id).first()
    if document is None:
        raise NotFound("材料不存在", "No such document", field="document_id")
    return document
