"""The one place a code becomes words: statuses, roles, lanes, kinds, audit actions, money.

Every vocabulary is a mapping ``code -> (中文, English)``. Where a model already carries its
vocabulary (``STATUSES`` dicts, choices written ``"已发布 published"``) this module reads it
from there rather than copying it. Pages show Chinese unless the reader chose English.
"""

from __future__ import annotations

from functools import cache

from beiyang.accounts.roles import ROLES
from beiyang.applications.models import LANES, STATUSES

# Words for dates, money and quantities live on the ground floor (``core.words``) and the pack's
# vocabulary with the pack (``policies.words``), so domain code never reaches up into ``web``.
# They are re-exported here for templates and for branches that still import them from here.
from beiyang.core.words import (  # noqa: F401
    MONTHS_EN,
    UNITS,
    Pair,
    chart_date,
    date_words,
    day_text,
    english,
    forecast,
    listing,
    moment_text,
    moment_words,
    money,
    money_fen,
    percent,
    quantity,
)
from beiyang.events.models import KINDS as EVENT_KINDS
from beiyang.events.models import Event, Registration
from beiyang.matching.models import KINDS as MATCH_KINDS
from beiyang.matching.models import IntroRequest
from beiyang.notifications.models import Delivery, Message
from beiyang.policies.models import PackVersion
from beiyang.policies.words import LIST_UNITS, document_label, fact_value, param_value, policy_label  # noqa: F401
from beiyang.vouchers.models import KINDS as VOUCHER_KINDS
from beiyang.vouchers.models import SOURCES

# Audit actions as a reader of a timeline would say them.
AUDIT_ACTIONS: dict[str, Pair] = {
    "accounts.provider.created": ("创建服务商", "Provider created"),
    "accounts.provider.key_rotated": ("更换服务商密钥", "Provider key rotated"),
    "accounts.provider.keys_revoked": ("吊销服务商密钥", "Provider keys revoked"),
    "accounts.sms_code.sent": ("发送短信验证码", "SMS code sent"),
    "accounts.staff.created": ("创建工作人员", "Staff created"),
    "accounts.staff.role_added": ("授予角色", "Role granted"),
    "accounts.token.issued": ("签发令牌", "Token issued"),
    "accounts.token.revoked": ("吊销令牌", "Token revoked"),
    "accounts.user.locked": ("账户锁定", "Account locked"),
    "accounts.user.logged_in": ("登录", "Logged in"),
    "accounts.user.profile_updated": ("更新个人资料", "Profile updated"),
    "accounts.user.signed_up": ("注册", "Signed up"),
    "agent.ticket.answered": ("人工已答复", "Ticket answered"),
    "agent.ticket.opened": ("转人工服务", "Handed over to staff"),
    "applications.application.approved": ("批准", "Approved"),
    "applications.application.assigned": ("分派审核员", "Reviewer assigned"),
    "applications.application.created": ("创建申请", "Application started"),
    "applications.application.disbursed": ("已拨付", "Disbursed"),
    "applications.application.escalated": ("审核超时,已上报", "Overdue, escalated"),
    "applications.application.first_approved": (
        "第一位审核员批准,等待第二位审核员",
        "First approval; waiting for a second reviewer",
    ),
    "applications.application.info_requested": ("要求补充材料", "Information requested"),
    "applications.application.rejected": ("驳回", "Rejected"),
    "applications.application.reminded": ("审核即将到期提醒", "SLA reminder"),
    "applications.application.responded": ("创业者已补充材料", "Founder responded"),
    "applications.application.submitted": ("提交审核", "Submitted"),
    "applications.application.withdrawn": ("撤回申请", "Withdrawn"),
    "applications.document.uploaded": ("上传材料", "Document uploaded"),
    "companies.company.created": ("登记企业", "Company registered"),
    "companies.company.updated": ("更新企业信息", "Company updated"),
    "companies.member.added": ("添加企业成员", "Member added"),
    "dashboard.kpi.recorded": ("录入指标", "KPI recorded"),
    "dashboard.kpis.snapshot": ("指标快照", "KPI snapshot"),
    "events.event.cancelled": ("取消活动", "Event cancelled"),
    "events.event.created": ("创建活动", "Event created"),
    "events.event.updated": ("修改活动", "Event updated"),
    "events.registration.cancelled": ("取消报名", "Registration cancelled"),
    "events.registration.checked_in": ("签到", "Checked in"),
    "events.registration.confirmed": ("报名成功", "Registered"),
    "events.registration.promoted": ("候补转正", "Promoted from the waiting list"),
    "events.registration.reminded": ("活动提醒", "Reminder sent"),
    "matching.intro.requested": ("申请对接", "Intro requested"),
    "notifications.message.all_read": ("全部标为已读", "All marked read"),
    "notifications.message.created": ("发送消息", "Message sent"),
    "notifications.message.read": ("阅读消息", "Message read"),
    "notifications.preferences.updated": ("更新通知设置", "Preferences updated"),
    "policies.company.matched": ("政策找人", "Matched to a benefit"),
    "policies.pack_version.imported": ("导入政策包", "Policy pack imported"),
    "policies.pack_version.published": ("发布政策包", "Policy pack published"),
    "vouchers.grant.expired": ("券已过期", "Grant expired"),
    "vouchers.grant.issued": ("发放券", "Grant issued"),
    "vouchers.pool.funded": ("资金池注资", "Pool funded"),
    "vouchers.redemption.captured": ("核销确认", "Redemption captured"),
    "vouchers.redemption.expired": ("冻结已过期", "Hold expired"),
    "vouchers.redemption.posted": ("核销记账", "Redemption posted"),
    "vouchers.redemption.reversed": ("核销冲回", "Redemption reversed"),
    "vouchers.redemption.voided": ("撤销核销", "Redemption voided"),
}

REDEMPTION_STATUS: dict[str, Pair] = {
    "held": ("冻结中", "On hold"),
    "posted": ("已核销", "Redeemed"),
    "voided": ("已撤销", "Voided"),
    "expired": ("已过期", "Expired"),
    "reversed": ("已冲回", "Reversed"),
}

SLA: dict[str, Pair] = {
    "on_time": ("按时", "On time"),
    "due_soon": ("即将到期", "Due soon"),
    "breached": ("已超时", "Overdue"),
    "paused": ("暂停计时(待补充材料)", "Paused (waiting for the founder)"),
    "closed": ("已结束", "Closed"),
}

ELIGIBILITY: dict[str, Pair] = {
    "eligible": ("符合条件", "Eligible"),
    "ineligible": ("暂不符合", "Not eligible"),
    "undetermined": ("信息不足,尚无法判断", "More information needed"),
}

# One criterion's result, with the mark shown beside it: a text symbol every font has (✓ ✗ ?),
# not an emoji that a phone or browser without an emoji font shows as an empty box.
CRITERION_RESULT: dict[str, Pair] = {
    "pass": ("符合", "Met"),
    "fail": ("不符合", "Not met"),
    "unknown": ("待确认", "Unknown"),
}
CRITERION_MARK = {"pass": "✓", "fail": "✗", "unknown": "?"}


def _split(choices) -> dict[str, Pair]:
    """Model choices written ``"已发布 published"``: Chinese before the first space."""
    out: dict[str, Pair] = {}
    for code, text in choices:
        zh, _, en = str(text).partition(" ")
        # Choices carry the English as a word ("confirmed"); a label starts with a capital.
        out[code] = (zh, en[:1].upper() + en[1:] if en else zh)
    return out


@cache
def vocabularies() -> dict[str, dict[str, Pair]]:

    return {
        "application_status": dict(STATUSES),
        "lane": dict(LANES),
        "sla": SLA,
        "eligibility": ELIGIBILITY,
        "criterion_result": CRITERION_RESULT,
        "event_kind": dict(EVENT_KINDS),
        "event_status": _split(Event.STATUSES),
        "registration_status": _split(Registration.STATUSES),
        "role": _split((k, v["label"]) for k, v in ROLES.items()),
        "audit": AUDIT_ACTIONS,
        "match_kind": dict(MATCH_KINDS),
        "intro_status": _split(IntroRequest.STATUSES),
        "message_kind": _split(Message.KINDS),
        "delivery_status": _split(Delivery.STATUSES),
        "channel": _split(Delivery.CHANNELS),
        "pack_status": _split(PackVersion.STATUSES),
        "voucher_kind": VOUCHER_KINDS,  # read from the pack in force on each use
        "voucher_source": dict(SOURCES),
        "redemption_status": REDEMPTION_STATUS,
    }


def label(code, vocabulary: str) -> str:
    """The reader's words for a code; an unknown code is shown as a dash rather than leaked."""
    if code is None or code == "":
        return ""
    if vocabulary == "policy":
        return policy_label(str(code))
    pair = vocabularies().get(vocabulary, {}).get(str(code))
    if pair is None:
        return "—"
    return pair[1] if english() else pair[0]
