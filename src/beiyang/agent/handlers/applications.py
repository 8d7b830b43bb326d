"""Applications for a benefit: starting one (within the engine's maximum) and their status."""

from __future__ import annotations

from typing import Any

from beiyang.agent.handlers.common import (
    Reply,
    _citations,
    _company,
    _login_first,
    _mid_sentence,
    _pack,
    _shared_note,
    _yuan,
)
from beiyang.agent.handlers.eligibility import on_check_eligibility
from beiyang.core.words import date_words


def _maximum(user, policy_id: str) -> int | None:
    """The applications app's own limit for this company (its amount, else the policy's bound)."""
    from beiyang.applications.actions import amount_limit_fen
    from beiyang.core.errors import DomainError

    try:
        limit = amount_limit_fen(_company(user), policy_id)
    except DomainError:
        return None
    return None if limit is None else limit // 100


def on_start_application(user, text, slots, state) -> Reply:
    if not getattr(user, "is_authenticated", False):
        return _login_first()
    pack = _pack()
    policy = pack.policies.get(slots.get("policy", ""))
    if policy is None:
        return Reply(
            "请问您想申请哪项政策?例如算力券、启动资金、办公场地免租。",
            "Which benefit would you like to apply for? For example the compute voucher, startup capital or "
            "the office space fee waiver.",
        )
    if _company(user) is None:
        return Reply(
            "请先在“我的企业”登记企业信息,我再帮您发起申请。",
            "Please register your company under “My company” first; then I can start the application.",
        )
    check = on_check_eligibility(
        user, text, {"policy": policy.id, **{k: v for k, v in slots.items() if k == "age"}}, state
    )
    if check.zh.startswith("暂不符合"):
        return check
    amount = slots.get("amount_cny")
    maximum = _maximum(user, policy.id) if amount else None
    if amount and maximum is not None and amount > maximum:
        # Refused now, with the maximum, rather than failing after the founder confirmed.
        shared = _shared_note(policy.id)
        return Reply(
            f"{policy.title.zh}最高可申请{_yuan(maximum)}{shared[0]},您要的{_yuan(amount)}超过了上限,"
            f"没有发起申请。需要的话可以回复“申请{_yuan(maximum)}{policy.title.zh}”。",
            f"The {_mid_sentence(policy.title.en)} is capped at {maximum:,} CNY{shared[1]}; {amount:,} CNY is above "
            "that, so I have not started an application.",
            citations=_citations(policy.id),
            suggestions=[f"申请{_yuan(maximum)}{policy.title.zh}"],
        )
    amount_text = f",金额{_yuan(amount)}" if amount else ""
    return Reply(
        f"确认申请{policy.title.zh}{amount_text}吗?回复“确认”后我会为您创建申请,并列出需要上传的材料。",
        f"Shall I start an application for the {_mid_sentence(policy.title.en)}"
        + (f" of {amount:,} CNY" if amount else "")
        + "? Reply “confirm” and I will create it and list the documents to upload.",
        citations=_citations(policy.id),
        proposed={
            "action": "apply",
            "policy": policy.id,
            "amount_cny": amount,
            "label": policy.title.zh,
        },
    )


def on_application_status(user, text, slots, state) -> Reply:
    from beiyang.applications.models import STATUSES
    from beiyang.applications.queries import my_applications, sla_status

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    apps = list(my_applications(user))
    if slots.get("policy"):
        apps = [a for a in apps if a.policy_id == slots["policy"]] or apps
    if not apps:
        return Reply("您还没有提交过申请。可以说“帮我申请启动资金”。", "You have no applications yet.")
    titles = {p.id: p.title for p in _pack().policies.values()}
    lines, lines_en = [], []
    for a in apps[:3]:
        expected = a.due_on and sla_status(a) in ("on_time", "due_soon")
        title = titles.get(a.policy_id)
        lines.append(
            f"· {title.zh if title else '—'}(#{a.pk}):{STATUSES[a.status][0]}"
            + (f",预计{date_words(a.due_on, en=False, year=False)}前完成审核" if expected else "")
        )
        lines_en.append(
            f"· {title.en if title else '—'} (#{a.pk}): {STATUSES[a.status][1].lower()}"
            + (f", review expected by {date_words(a.due_on, en=True, year=False)}" if expected else "")
        )
    more = len(apps) - len(lines)
    return Reply(
        "您的申请:\n" + "\n".join(lines) + (f"\n另有{more}项,见“我的申请”。" if more > 0 else ""),
        "Your applications:\n"
        + "\n".join(lines_en)
        + (f"\n{more} more under My applications." if more > 0 else ""),
    )


def confirmed_apply(user, pending: dict[str, Any]) -> Reply:
    from beiyang.applications.actions import do_start_application
    from beiyang.policies.queries import document_name

    application = do_start_application(
        user,
        policy_id=pending["policy"],
        amount_cny=str(pending["amount_cny"]) if pending.get("amount_cny") else None,
    )
    documents = [document_name(d) for d in application.eligibility.get("documents") or []]
    return Reply(
        f"已为您创建{pending['label']}申请(#{application.pk})。下一步请在申请页面上传:"
        f"{'、'.join(d.zh for d in documents)},然后提交审核。",
        f"Application #{application.pk} created. Next, upload on the application page: "
        f"{', '.join(d.en for d in documents)}; then submit it for review.",
        done={
            "action": "apply",
            "application_id": application.pk,
            "link": f"/applications/{application.pk}/",
        },
    )
