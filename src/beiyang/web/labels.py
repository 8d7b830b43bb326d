"""The one place a code becomes words: statuses, roles, lanes, kinds, audit actions, money.

Every vocabulary is a mapping ``code -> (中文, English)``. Where a model already carries its
vocabulary (``STATUSES`` dicts, choices written ``"已发布 published"``) this module reads it
from there rather than copying it. Pages show Chinese unless the reader chose English.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache

from django.utils import timezone
from django.utils.translation import get_language

from beiyang.core.money import yuan_figure_en, yuan_text

Pair = tuple[str, str]

# Audit actions as a reader of a timeline would say them.
AUDIT_ACTIONS: dict[str, Pair] = {
    "accounts.provider.created": ("创建服务商", "Provider created"),
    "accounts.provider.member_added": ("添加服务商人员", "Provider member added"),
    "accounts.provider.key_rotated": ("更换服务商密钥", "Provider key rotated"),
    "accounts.provider.keys_revoked": ("吊销服务商密钥", "Provider keys revoked"),
    "accounts.sms_code.sent": ("发送短信验证码", "SMS code sent"),
    "accounts.staff.created": ("创建工作人员", "Staff created"),
    "accounts.staff.role_added": ("授予角色", "Role granted"),
    "accounts.staff.invited": ("邀请工作人员", "Staff invited"),
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
    "vouchers.grant.revoked": ("撤销券额", "Grant revoked"),
    "vouchers.grant.adjusted": ("调整券额", "Grant adjusted"),
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
    from beiyang.accounts.roles import ROLES
    from beiyang.applications.models import LANES, STATUSES
    from beiyang.events.models import KINDS as EVENT_KINDS
    from beiyang.events.models import Event, Registration
    from beiyang.matching.models import KINDS as MATCH_KINDS
    from beiyang.matching.models import IntroRequest
    from beiyang.notifications.models import Delivery, Message
    from beiyang.policies.models import PackVersion
    from beiyang.vouchers.models import KINDS as VOUCHER_KINDS
    from beiyang.vouchers.models import SOURCES, Grant

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
        "voucher_kind": dict(VOUCHER_KINDS),
        "voucher_source": dict(SOURCES),
        "redemption_status": REDEMPTION_STATUS,
        "grant_status": _split(Grant.status.field.choices),
    }


def english() -> bool:
    return (get_language() or "").startswith("en")


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


def document_label(code: str) -> str:
    """An application document's name from the pack, in the reader's language."""
    from beiyang.policies.queries import document_name

    name = document_name(str(code))
    return name.en if english() and name.en else name.zh


def policy_label(policy_id: str) -> str:
    """A policy's title from the current pack: the pack owns its vocabulary."""
    from beiyang.policies.queries import current_pack

    policy = current_pack().policies.get(policy_id)
    if policy is None:
        return "—"
    return policy.title.en if english() and policy.title.en else policy.title.zh


def money(yuan, *, fen_matter: bool = False) -> str:
    """One money format (``core.money.yuan_text``); on English pages ¥ and
    ``core.money.yuan_figure_en`` (¥1,200,000, ¥135 billion)."""
    if yuan is None or yuan == "":
        return ""
    try:
        amount = Decimal(str(yuan))
    except ArithmeticError:
        return str(yuan)
    if english():
        return f"¥{yuan_figure_en(amount, fen_matter=fen_matter)}"
    return yuan_text(amount, fen_matter=fen_matter)


def quantity(value, unit: str = "") -> str:
    """A KPI's figure: money in the one money format, a count in 万 from 10,000 (12万人), with
    grouped digits and no unit on English pages (120,000)."""
    if value is None or value == "":
        return "—"
    if unit == "元":
        return money(Decimal(str(round(float(value), 2))))
    number = float(value)
    if english():
        return f"{number:,.0f}"
    if number >= 10_000:
        return f"{number / 10_000:,.2f}".rstrip("0").rstrip(".") + f"万{unit}"
    return f"{number:,.0f}{unit}"


def money_fen(fen, *, fen_matter: bool = False) -> str:
    if fen is None or fen == "":
        return ""
    return money(Decimal(int(fen)) / 100, fen_matter=fen_matter)


def forecast(day, today: dt.date | None = None) -> str:
    """When a pool runs out, read as a person would: beyond this year it is not a date."""
    if day is None:
        return "本年度内不会用完" if not english() else "Will not run out this year"
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day[:10])
        except ValueError:
            return day
    if today is None:
        today = timezone.localdate()
    if day.year > today.year:
        return "本年度内不会用完" if not english() else "Will not run out this year"
    return f"预计{day.month}月{day.day}日用完" if not english() else f"Runs out around {day:%d %b}"


MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def date_words(day: dt.date, *, en: bool, year: bool = True) -> str:
    """A date in words in the language asked for: 2026年11月30日 / 30 Nov 2026, or without the
    year (11月30日 / 30 Nov). For text that carries both languages at once (the agent)."""
    if en:
        return f"{day.day} {MONTHS_EN[day.month - 1]}" + (f" {day.year}" if year else "")
    return (f"{day.year}年" if year else "") + f"{day.month}月{day.day}日"


def moment_words(when: dt.datetime, *, en: bool) -> str:
    """A time stamp in words, local time, in the language asked for: 12月1日 12:38 (the year
    only when it is not this one: 2025年12月1日 12:38) / 1 Dec 12:38. For messages and errors
    that carry both languages at once."""
    local = timezone.localtime(when) if timezone.is_aware(when) else when
    this_year = local.year == timezone.localdate().year
    return f"{date_words(local, en=en, year=not this_year)} {local.hour:02d}:{local.minute:02d}"


def moment_text(when) -> str:
    """A time stamp in the reader's words (``moment_words`` in the page's language)."""
    return moment_words(when, en=english()) if when else ""


def chart_date(day: dt.date, *, monthly: bool = False) -> str:
    """A date on a chart's axis: 11月30日, or 2026年11月 when the chart spans months
    (30 Nov / Nov 2026 on English pages)."""
    if not monthly:
        return date_words(day, en=english(), year=False)
    return f"{MONTHS_EN[day.month - 1]} {day.year}" if english() else f"{day.year}年{day.month}月"


def day_text(day, *, short: bool = False) -> str:
    """A date in words: 2026年11月30日 (30 Nov 2026 on English pages); ``short`` leaves the
    year out when it is this one (11月30日 / 30 Nov)."""
    if not day:
        return ""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return date_words(day, en=english(), year=not (short and day.year == timezone.localdate().year))


def listing(values) -> str:
    """A list as words (徐汇、闵行), never as Python's ``['徐汇']``."""
    if values is None:
        return ""
    if isinstance(values, (list, tuple, set)):
        sep = ", " if english() else "、"
        return sep.join(str(v) for v in values)
    return str(values)


# Parameters whose values are the pack's codes: read through the fact that owns the codes.
LIST_UNITS = {"stages": "company.stage", "sectors": "company.sectors", "programmes": "company.programmes"}


def fact_value(fact_id: str, value) -> str:
    """One value of a pack fact in words: a stage, sector or programme by its pack label, a
    district by its name (Xuhui on English pages)."""
    if fact_id == "company.district":
        from beiyang.core.identifiers import DISTRICT_EN

        return DISTRICT_EN.get(str(value), str(value)) if english() else str(value)
    from beiyang.policies.queries import fact_value_label

    text = fact_value_label(fact_id, value)
    return text.en if english() else text.zh


UNITS: dict[str, Pair] = {
    "days": ("天", " days"),
    "working days": ("个工作日", " working days"),
    "months": ("个月", " months"),
    "years": ("年", " years"),
    "m²": ("平方米", " m²"),
}


def percent(ratio) -> str:
    if ratio is None or ratio == "":
        return ""
    return f"{Decimal(str(ratio)) * 100:.1f}".rstrip("0").rstrip(".") + "%"


def param_value(parameter: dict) -> str:
    """A parameter as a reader says it: money in the one format, lists as words, ratios as %."""
    value, unit = parameter.get("value"), parameter.get("unit") or ""
    if unit == "CNY":
        return money(value)
    if isinstance(value, (list, tuple)):
        fact = "company.district" if unit == "districts" else LIST_UNITS.get(unit)
        return listing([fact_value(fact, v) for v in value] if fact else value)
    if unit == "ratio":
        return percent(value)
    pair = UNITS.get(unit)
    if pair is None:
        return str(value)
    return f"{value}{pair[1] if english() else pair[0]}"
