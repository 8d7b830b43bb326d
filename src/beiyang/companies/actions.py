"""Company actions: a founder creates or edits their own company; staff edit any."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from beiyang.accounts.models import User
from beiyang.accounts.roles import has_role
from beiyang.companies.models import Company, Membership, StaffTie
from beiyang.companies.queries import conflict_of_interest, credit_code_frozen
from beiyang.companies.signals import company_created, company_profile_changed
from beiyang.companies.vocab import MEMBER_ROLES, PROGRAMMES, SECTORS, parse_stage, parse_tags
from beiyang.core.audit import log_action, snapshot
from beiyang.core.errors import AccessDenied, Conflict, InvalidInput, NotFound
from beiyang.core.identifiers import parse_credit_code, parse_district

COMPANY_FIELDS = [
    "credit_code",
    "name",
    "district",
    "address",
    "founded_on",
    "stage",
    "sectors",
    "headcount",
    "programmes",
    "in_town",
]


def clean_company_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise the company fields present in ``data``."""
    out: dict[str, Any] = {}
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name or len(name) > 160:
            raise InvalidInput(
                "企业名称不能为空且不超过160字", "Company name must be 1-160 characters", field="name"
            )
        out["name"] = name
    if "credit_code" in data:
        out["credit_code"] = parse_credit_code(data["credit_code"])
    if "district" in data:
        out["district"] = parse_district(data["district"])
    if "address" in data:
        address = (data["address"] or "").strip()
        if len(address) > 255:
            raise InvalidInput("地址过长", "The address is too long", field="address")
        out["address"] = address
    if "founded_on" in data:
        founded = data["founded_on"]
        if founded is not None:
            if not isinstance(founded, dt.date):
                raise InvalidInput(
                    "成立日期格式应为YYYY-MM-DD", "founded_on must be YYYY-MM-DD", field="founded_on"
                )
            if founded > timezone.localdate() or founded.year < 1949:
                raise InvalidInput(
                    "成立日期不合理",
                    "The founding date is impossible",
                    field="founded_on",
                    code="invalid_founded_on",
                )
        out["founded_on"] = founded
    if "stage" in data:
        out["stage"] = parse_stage(data["stage"]) if data["stage"] else ""
    if "sectors" in data:
        out["sectors"] = parse_tags(data["sectors"] or [], SECTORS, "sectors")
    if "programmes" in data:
        out["programmes"] = parse_tags(data["programmes"] or [], PROGRAMMES, "programmes")
    if "headcount" in data:
        headcount = data["headcount"]
        if headcount is not None and (
            not isinstance(headcount, int) or isinstance(headcount, bool) or not 0 <= headcount <= 1_000_000
        ):
            raise InvalidInput(
                "员工人数应为0到1000000之间的整数",
                "headcount must be an integer 0-1,000,000",
                field="headcount",
            )
        out["headcount"] = headcount
    if "in_town" in data:
        out["in_town"] = bool(data["in_town"])
    return out


@transaction.atomic(durable=True)
def do_save_my_company(user: User, data: dict[str, Any]) -> Company:
    """Create the founder's company, or update it. Precondition: ``user`` is signed in."""
    fields = clean_company_fields(data)
    membership = Membership.objects.select_related("company").filter(user=user).first()
    if membership is None:
        missing = [f for f in ("name", "credit_code", "district") if f not in fields]
        if missing:
            raise InvalidInput(
                f"创建企业需要填写:{'、'.join(missing)}",
                f"Required to create a company: {', '.join(missing)}",
                field=missing[0],
                code="required",
            )
        if _code_taken(fields["credit_code"]):
            raise _code_taken_error()
        with _unique_credit_code():
            company = Company.objects.create(**fields)
        Membership.objects.create(company=company, user=user, role="founder")
        company_created.send(sender=Company, company=company)  # 陪你一起跑: service assigns an officer
        log_action(
            "companies.company.created", actor=user, obj=company, after=snapshot(company, COMPANY_FIELDS)
        )
        _after_profile_change(company)
        return company
    company = Company.objects.select_for_update().get(pk=membership.company_id)
    return _apply_changes(company, fields, actor=user)


def _code_taken(credit_code: str, company: Company | None = None) -> bool:
    """Whether another company holds the code: the friendly answer for the common case; the
    unique constraint (``_unique_credit_code``) is what holds when two claims race."""
    others = Company.objects.filter(credit_code=credit_code)
    return (others.exclude(pk=company.pk) if company is not None else others).exists()


def _code_taken_error() -> Conflict:
    return Conflict(
        "该统一社会信用代码已被其他企业登记,请联系该企业创始人邀请您加入",
        "Another company has registered this credit code; ask its founder to add you",
        field="credit_code",
        code="company_exists",
    )


@contextmanager
def _unique_credit_code() -> Iterator[None]:
    """A savepoint around the write: a claim that lost the race gets the 409, not a 500."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise _code_taken_error() from None


def _apply_changes(company: Company, fields: dict[str, Any], *, actor: User) -> Company:
    if "credit_code" in fields and fields["credit_code"] != company.credit_code:
        # Providers redeem against the code: once money or a review hangs on it, only a town
        # admin's correction (check_correct_credit_code) moves it.
        if credit_code_frozen(company):
            raise Conflict(
                "企业已有申请、券或核销记录,统一社会信用代码不能再修改;如需更正请联系小镇管理员",
                "The company has applications, vouchers or redemptions: its credit code is frozen; "
                "ask a town admin to correct it",
                field="credit_code",
                code="credit_code_frozen",
            )
        if _code_taken(fields["credit_code"], company):
            raise _code_taken_error()
    before = snapshot(company, COMPANY_FIELDS)
    for key, value in fields.items():
        setattr(company, key, value)
    with _unique_credit_code():
        company.save()
    after = snapshot(company, COMPANY_FIELDS)
    if before != after:
        log_action("companies.company.updated", actor=actor, obj=company, before=before, after=after)
        _after_profile_change(company)
    return company


def _after_profile_change(company: Company) -> None:
    # 政策找人: the benefits app, once installed, looks for newly matching benefits.
    transaction.on_commit(lambda: company_profile_changed.send(sender=Company, company_id=company.pk))


def access_company(user: User, company_id: int, *, for_update: bool = False) -> Company:
    """The company if the user may see it; 404 otherwise so ids do not leak."""
    qs = Company.objects.all()
    if for_update:
        qs = qs.select_for_update()
    company = qs.filter(pk=company_id).first()
    if company is None:
        raise NotFound("企业不存在", "No such company", field="company_id")
    if has_role(user, "reviewer", "event_manager", "voucher_officer"):
        return company
    if Membership.objects.filter(company=company, user=user).exists():
        return company
    raise NotFound("企业不存在", "No such company", field="company_id")


CONFLICT_WORDS = {
    "member": ("您是该企业的成员", "you are a member of the company"),
    "tie": ("您与该企业有登记在案的关联", "you have a recorded tie to the company"),
}


def check_no_conflict_of_interest(staff: User, company_id: int | None, what: tuple[str, str]) -> None:
    """The one rule for every staff action on a company's grant, application or service
    request: nobody acts for the town on a company they belong to or have a recorded tie to.
    ``what``: the thing acted on, in Chinese and English (``("申请#12", "application #12")``)."""
    reason = conflict_of_interest(staff, company_id)
    if reason is not None:
        zh, en = CONFLICT_WORDS[reason]
        raise AccessDenied(
            f"利益冲突:{zh},不能处理{what[0]},请交由其他工作人员办理",
            f"Conflict of interest: {en}, so you may not act on {what[1]}; another staff member must",
            code="conflict_of_interest",
        )


@transaction.atomic(durable=True)
def check_record_staff_tie(admin: User, *, user_id: int, company_id: int, note: str = "") -> StaffTie:
    """A town admin records a staff member's tie to a company (idempotent)."""
    if not has_role(admin, "town_admin"):
        raise AccessDenied("仅小镇管理员可以登记关联关系", "Only a town admin records a tie")
    if not User.objects.filter(pk=user_id).exists():
        raise NotFound("用户不存在", "No such user", field="user_id")
    if not Company.objects.filter(pk=company_id).exists():
        raise NotFound("企业不存在", "No such company", field="company_id")
    tie, created = StaffTie.objects.get_or_create(
        user_id=user_id, company_id=company_id, defaults={"note": (note or "")[:200]}
    )
    if created:
        log_action(
            "companies.staff_tie.recorded", actor=admin, obj=tie, user_id=user_id, company_id=company_id
        )
    return tie


@transaction.atomic(durable=True)
def check_update_company(user: User, company_id: int, data: dict[str, Any]) -> Company:
    company = access_company(user, company_id, for_update=True)
    is_member = Membership.objects.filter(company=company, user=user).exists()
    if not is_member and not has_role(user, "town_admin"):
        raise AccessDenied(
            "只有企业成员或小镇管理员可以修改企业信息",
            "Only the company's members or a town admin may edit it",
        )
    return _apply_changes(company, clean_company_fields(data), actor=user)


@transaction.atomic(durable=True)
def check_correct_credit_code(staff: User, company_id: int, credit_code: Any, *, reason: str) -> Company:
    """A town admin corrects a company's credit code, frozen or not, with the reason on record."""
    if not has_role(staff, "town_admin"):
        raise AccessDenied("仅小镇管理员可以更正统一社会信用代码", "Only a town admin corrects a credit code")
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput(
            "请填写更正理由(不超过500字)", "A reason (up to 500 characters) is required", field="reason"
        )
    code = parse_credit_code(credit_code)
    company = access_company(staff, company_id, for_update=True)
    if code == company.credit_code:
        return company
    if _code_taken(code, company):
        raise _code_taken_error()
    before = company.credit_code
    company.credit_code = code
    with _unique_credit_code():
        company.save(update_fields=["credit_code", "updated_at"])
    log_action(
        "companies.company.credit_code_corrected",
        actor=staff,
        obj=company,
        before={"credit_code": before},
        after={"credit_code": code},
        reason=reason,
    )
    _after_profile_change(company)
    return company


@transaction.atomic(durable=True)
def do_add_member(company: Company, user: User, role: str = "member", *, actor: User) -> Membership:
    if role not in MEMBER_ROLES:
        raise InvalidInput("未知的成员角色", "Unknown member role", field="role")
    if Membership.objects.filter(user=user).exists():
        raise Conflict(
            "该用户已属于一家企业",
            "This person already belongs to a company",
            field="user",
            code="already_member",
        )
    membership = Membership.objects.create(company=company, user=user, role=role)
    log_action("companies.member.added", actor=actor, obj=company, user_id=user.pk, role=role)
    return membership
