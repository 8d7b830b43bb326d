"""HKUST's "1+1" internships, both sides: a company posts a position and sees its applicants; a
student finds open positions that fit their skills, applies, and sees their ranking and placement.
The internships app's actions post and apply; its placement round places."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from beiyang.agent.dates import town_today
from beiyang.agent.handlers.common import Reply, _company, _login_first
from beiyang.core.words import date_words

# The "1+1" programme is a year in Hong Kong and a year interning in Xuhui.
PROGRAMME_MONTHS = 12
_SEATS = re.compile(r"(\d+|[一两二三四五六七八九十])\s*(?:个|名|位)")
_CN_SMALL = {
    "一": 1,
    "两": 2,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}


def _student(user):
    from beiyang.internships.models import StudentProfile

    return StudentProfile.objects.filter(user=user).first()


_TITLE_LEAD = re.compile(
    r"^(?:帮我们?|我们?|我要|我想|要|想|发布|发个?|招聘?|挂个?|新增|新建|上架|开个?|一个|一名|"
    r"[0-9一两二三四五六七八九十]+[个名位]|1\+1的?|的|实习岗位?|岗位)+"
)
_EN_LEAD = re.compile(
    r"^(?:(?:post|publish|hire|hiring|new|an?|the|for|one|two|\d+|1\+1|position|role|job|internship:?)\s+)+",
    re.I,
)


def _position_title(text: str) -> str | None:
    """ "发布一个多模态算法实习生岗位" → "多模态算法实习生"; "post an ML intern position" → "ML intern"."""
    for found in re.findall(r"([A-Za-z0-9+#\u4e00-\u9fff]{1,16}?实习生)", text):
        title = _TITLE_LEAD.sub("", found)
        if len(title) > len("实习生"):
            return title
    for found in re.findall(r"((?:[A-Za-z0-9+#/-]+\s+){0,3}intern)(?![a-z])", text, flags=re.I):
        title = _EN_LEAD.sub("", found.strip())
        if title.lower() != "intern":
            return title
    return None


def _skills(text: str) -> list[str]:
    """Technical words named in the message (Python, PyTorch, C++): a position's or a student's skills."""
    words = re.findall(r"(?<![A-Za-z0-9])(?:[A-Za-z]+\+\+|C#|[A-Z][A-Za-z0-9]{1,20})(?![A-Za-z0-9])", text)
    ignore = {"HKUST", "AI", "I", "CV", "The", "We", "Our", "Please", "Post"}
    return list(dict.fromkeys(w for w in words if w not in ignore))[:8]


def _seats(text: str) -> int:
    m = _SEATS.search(text)
    if not m:
        return 1
    value = m.group(1)
    return int(value) if value.isdigit() else _CN_SMALL[value]


def _first_of_next_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def on_internship_post(user, text, slots, state) -> Reply:
    if not getattr(user, "is_authenticated", False):
        return _login_first()
    if _company(user) is None:
        return Reply(
            "请先在“我的企业”登记企业信息,再发布实习岗位。",
            "Please register your company under “My company” first; then you can post a position.",
        )
    title = _position_title(text)
    if title is None:
        return Reply(
            "请问要发布什么实习岗位?例如“发布一个大模型算法实习生岗位,要会Python”。",
            "Which internship position? For example “post an LLM algorithm intern position, Python required”.",
            suggestions=["发布一个大模型算法实习生岗位"],
        )
    seats, skills = _seats(text), _skills(text)
    starts = _first_of_next_month(town_today())
    skills_zh = f",技能要求{'、'.join(skills)}" if skills else ""
    skills_en = f", skills {', '.join(skills)}" if skills else ""
    return Reply(
        f"确认发布“1+1”实习岗位“{title}”吗?{seats}个名额,实习{PROGRAMME_MONTHS}个月,"
        f"{date_words(starts, en=False)}开始{skills_zh}。回复“确认”即可发布,发布后可在实习页面修改。",
        f"Post the “1+1” internship “{title}”? {seats} seat(s), {PROGRAMME_MONTHS} months from "
        f"{date_words(starts, en=True)}{skills_en}. Reply “confirm” to post it.",
        proposed={
            "action": "internship_post",
            "title": title,
            "skills": skills,
            "seats": seats,
            "months": PROGRAMME_MONTHS,
            "starts_on": starts.isoformat(),
            "label": title,
        },
    )


def on_internship_applicants(user, text, slots, state) -> Reply:
    from beiyang.internships.queries import positions_of_company

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    company = _company(user)
    if company is None:
        return Reply("请先登记企业信息。", "Register your company first.")
    positions = positions_of_company(company)
    if not positions:
        return Reply(
            "贵公司还没有发布实习岗位。可以说“发布一个算法实习生岗位”。",
            "Your company has posted no internship yet. Say “post an algorithm intern position”.",
            suggestions=["发布一个算法实习生岗位"],
        )
    lines, lines_en = [], []
    for position in positions[:5]:
        applications = sorted(
            position.applications.all(), key=lambda a: (a.company_rank is None, a.company_rank or 0, a.pk)
        )
        names = [a.student.name or "学生" for a in applications[:5]]
        lines.append(
            f"· {position.title}({position.seats}个名额):{len(applications)}人申请"
            + (f"——{'、'.join(names)}" if names else "")
        )
        lines_en.append(
            f"· {position.title} ({position.seats} seats): {len(applications)} applicant(s)"
            + (f": {', '.join(names)}" if names else "")
        )
    return Reply(
        "贵公司的实习岗位:\n" + "\n".join(lines) + "\n可在实习页面为申请人排序。",
        "Your internship positions:\n"
        + "\n".join(lines_en)
        + "\nRank the applicants on the Internships page.",
        suggestions=["/internships/"],
    )


def _fit(position, skills: set[str], text: str) -> int:
    wanted = {s.lower() for s in position.skills}
    words = set(re.findall(r"[a-z+#]+|[\u4e00-\u9fff]{2}", text.lower()))
    title_words = set(re.findall(r"[a-z+#]+|[\u4e00-\u9fff]{2}", position.title.lower()))
    return 3 * len(wanted & skills) + len(title_words & words)


def _position_line(position, *, en: bool) -> str:
    starts = date_words(position.starts_on, en=en, year=False)
    if en:
        return f"{position.company.name} · {position.title} ({position.seats} seats, {position.months} months from {starts})"
    return f"{position.company.name} · {position.title}({position.seats}个名额,{position.months}个月,{starts}开始)"


def on_internship_search(user, text, slots, state) -> Reply:
    from beiyang.internships.queries import open_positions

    student = _student(user) if getattr(user, "is_authenticated", False) else None
    skills = {s.lower() for s in (student.skills if student else [])} | {s.lower() for s in _skills(text)}
    positions = sorted(open_positions(), key=lambda p: (-_fit(p, skills, text), p.starts_on, p.pk))
    if not positions:
        return Reply("目前没有开放的实习岗位。", "No internship position is open now.")
    shown = positions[:3]
    basis = (
        (f"按您的技能({'、'.join(student.skills)})", f"by your skills ({', '.join(student.skills)})")
        if student and student.skills
        else ("", "")
    )
    return Reply(
        f"{basis[0]}为您找到{len(positions)}个开放的实习岗位,最合适的:\n"
        + "\n".join(f"· {_position_line(p, en=False)}" for p in shown)
        + "\n说“申请"
        + shown[0].title
        + "”即可申请。",
        f"{len(positions)} open internship positions; the best fits {basis[1]}:\n".replace(" :", ":")
        + "\n".join(f"· {_position_line(p, en=True)}" for p in shown)
        + f"\nSay “apply for {shown[0].title}” to apply.",
        suggestions=[f"申请{p.title}" for p in shown],
    )


def on_internship_apply(user, text, slots, state) -> Reply:
    from beiyang.internships.queries import my_applications, open_positions

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    if _student(user) is None:
        return Reply(
            "请先在实习页面填写学生信息(学校、专业、技能),再申请岗位。",
            "Fill in your student profile (school, programme, skills) on the Internships page first.",
            suggestions=["/internships/"],
        )
    applied = {a.position_id for a in my_applications(user)}
    positions = [p for p in open_positions() if p.pk not in applied]
    lowered = text.lower()
    named = [
        p
        for p in positions
        if p.title.lower() in lowered or p.title.lower().removesuffix("实习生") in lowered
    ]
    if len(named) != 1:
        ranked = sorted(positions, key=lambda p: (-_fit(p, set(), text), p.starts_on, p.pk))
        if not ranked:
            return Reply("目前没有您还没申请过的开放岗位。", "No open position you have not applied for.")
        return Reply(
            "请问申请哪个岗位?\n" + "\n".join(f"· {_position_line(p, en=False)}" for p in ranked[:3]),
            "Which position?\n" + "\n".join(f"· {_position_line(p, en=True)}" for p in ranked[:3]),
            suggestions=[f"申请{p.title}" for p in ranked[:3]],
        )
    position = named[0]
    return Reply(
        f"确认申请{_position_line(position, en=False)}吗?回复“确认”即可。",
        f"Apply for {_position_line(position, en=True)}? Reply “confirm”.",
        proposed={
            "action": "internship_apply",
            "position_id": position.pk,
            "label": f"{position.company.name} · {position.title}",
        },
    )


def on_internship_status(user, text, slots, state) -> Reply:
    from beiyang.internships.queries import my_applications, my_placements

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    placements = my_placements(user)
    applications = my_applications(user)
    if not applications and not placements:
        if _company(user) is not None and _student(user) is None:
            return on_internship_applicants(user, text, slots, state)
        return Reply(
            "您还没有申请实习岗位。可以说“有哪些适合我的实习”。",
            "You have not applied for an internship yet. Ask “which internships fit me”.",
            suggestions=["有哪些适合我的实习"],
        )
    zh, en = [], []
    for placement in placements[:1]:
        p = placement.position
        zh.append(f"您已被安排到{p.company.name}的“{p.title}”,{date_words(p.starts_on, en=False)}开始。")
        en.append(
            f"You are placed with {p.company.name} as “{p.title}”, from {date_words(p.starts_on, en=True)}."
        )
    if not placements:
        zh.append("本轮匹配结果尚未公布,公布后会通知您。")
        en.append("No placement has been published for you yet; you will be told when it is.")
    lines = [
        (
            f"· 第{a.student_rank}志愿:" if a.student_rank else "· 未排序:",
            f"· choice {a.student_rank}: " if a.student_rank else "· not ranked: ",
            a,
        )
        for a in applications[:5]
    ]
    zh.append(
        "您的申请(按您的志愿排序):\n"
        + "\n".join(f"{z}{a.position.company.name} · {a.position.title}" for z, _e, a in lines)
    )
    en.append(
        "Your applications (in your order of preference):\n"
        + "\n".join(f"{e}{a.position.company.name} · {a.position.title}" for _z, e, a in lines)
    )
    return Reply("\n".join(zh), "\n".join(en), suggestions=["/internships/"])


def confirmed_post(user, pending: dict[str, Any]) -> Reply:
    from beiyang.internships.actions import do_post_position

    position = do_post_position(
        user,
        title=pending["title"],
        skills=pending["skills"],
        seats=pending["seats"],
        months=pending["months"],
        starts_on=dt.date.fromisoformat(pending["starts_on"]),
    )
    return Reply(
        f"已发布实习岗位“{position.title}”({position.seats}个名额)。有学生申请时会通知您。",
        f"The internship “{position.title}” ({position.seats} seats) is posted; you will be told of applicants.",
        done={"action": "internship_post", "position_id": position.pk, "link": "/internships/"},
    )


def confirmed_apply(user, pending: dict[str, Any]) -> Reply:
    from beiyang.internships.actions import do_apply

    application = do_apply(user, pending["position_id"])
    return Reply(
        f"已申请{pending['label']}。可在实习页面为您的申请排志愿顺序,匹配结果公布后会通知您。",
        f"You have applied for {pending['label']}. Order your choices on the Internships page; you will be "
        "told when placements are published.",
        done={"action": "internship_apply", "application_id": application.pk, "link": "/internships/"},
    )
