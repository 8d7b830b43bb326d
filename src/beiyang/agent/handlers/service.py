"""陪你一起跑: the founder's own service officer and service requests, from the service app's
queries; opening, adding to and rating a request through its actions, after the founder confirms."""

from __future__ import annotations

import re
from typing import Any

from beiyang.agent.handlers.common import Reply, _login_first
from beiyang.core.words import moment_words


def _hours() -> tuple[str, str]:
    from beiyang.service.actions import service_hours

    hours = service_hours()
    return (
        f"工作日{hours.start_hour}:00–{hours.end_hour}:00",
        f"working days {hours.start_hour}:00–{hours.end_hour}:00",
    )


def on_service_contact(user, text, slots, state) -> Reply:
    from beiyang.service.queries import officer_card

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    card = officer_card(user)
    hours = _hours()
    if card is None:
        return Reply(
            "贵公司还没有指定专属服务专员,“陪你一起跑”服务团队会接手您的请求"
            f"(服务时间:{hours[0]})。需要的话可以说“提交一个服务请求”。",
            "Your company has no named service officer yet; the service team takes your requests "
            f"({hours[1]}). Say “open a service request” if you need something.",
            suggestions=["提交一个服务请求"],
        )
    phone = card["phone"] or ""
    return Reply(
        f"您的专属服务专员是{card['name']},电话{phone},服务时间{hours[0]}。"
        "也可以在这里说“提交一个服务请求”,会直接交到TA手上。",
        f"Your service officer is {card['name']}, phone {phone}, available {hours[1]}. You can also say "
        "“open a service request” here and it goes straight to them.",
        suggestions=["我的服务请求处理得怎么样了", "提交一个服务请求"],
        meta={"officer": card},
    )


def _request_line(request, *, en: bool) -> str:
    from beiyang.service.queries import CLOCK_LABELS, clock

    status = request.status_label["label_en" if en else "label"]
    state = CLOCK_LABELS[clock(request)][1 if en else 0]
    officer = request.officer.name if request.officer_id and request.officer.name else None
    opened = moment_words(request.created_at, en=en)
    if en:
        return f"#{request.pk} “{request.title}” (opened {opened}): {status.lower()}, {state.lower()}" + (
            f", with {officer}" if officer else ""
        )
    return f"#{request.pk}“{request.title}”({opened}提交):{status},{state}" + (
        f",由{officer}处理" if officer else ""
    )


def on_service_request_status(user, text, slots, state) -> Reply:
    from beiyang.service.models import LIVE
    from beiyang.service.queries import my_requests

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    requests = list(my_requests(user)[:20])
    if ADD_TO_REQUEST.search(text.lower()) and (added := _add_to_live(requests, text)):
        return added
    if not requests:
        return Reply(
            "您还没有服务请求。需要帮忙可以说“提交一个服务请求”。",
            "You have no service requests. Say “open a service request” if you need help.",
            suggestions=["提交一个服务请求"],
        )
    latest = requests[0]
    live = [r for r in requests if r.status in LIVE]
    zh = "您最近的服务请求:" + _request_line(latest, en=False) + "。"
    en = "Your latest service request: " + _request_line(latest, en=True) + "."
    others = [r for r in live if r.pk != latest.pk]
    if others:
        zh += f"\n另有{len(others)}项在办:" + ";".join(_request_line(r, en=False) for r in others[:3]) + "。"
        en += (
            f"\n{len(others)} more in progress: "
            + "; ".join(_request_line(r, en=True) for r in others[:3])
            + "."
        )
    suggestions = (
        [f"给服务请求#{latest.pk}打5分"] if latest.status == "resolved" and latest.rating is None else []
    )
    return Reply(zh, en, suggestions=[*suggestions, "怎么联系我的服务专员"])


# A service request's category, by the words founders use for it; the labels are the service app's.
CATEGORY_WORDS = {
    "registration": r"注册|落户|工商|营业执照|迁入|register",
    "office": r"办公|工位|场地|选址|房租|office|desk",
    "apartment": r"公寓|住房|宿舍|租房|入住|apartment|housing",
    "invoice": r"发票|开票|报销|invoice|reimburse",
    "policy": r"政策|补贴|券|基金|申请|policy|subsid|voucher",
    "financing": r"融资|投资|fundrais|investor",
}
ADD_TO_REQUEST = re.compile(
    r"^(?:补充|追加|留言|再说一下)|补充(?:说明)?一下|留个?言|追加一句|add (?:a )?(?:note|message)"
)


def _category(text: str) -> str:
    lowered = text.lower()
    for category, words in CATEGORY_WORDS.items():
        if re.search(words, lowered):
            return category
    return "other"


def _title(text: str) -> str:
    """The request's title: the founder's words without the request to open one."""
    title = re.sub(
        r"^(帮我|请|麻烦|我想|我要|想)?(提交|提|开|发起|建|新建)?(一个|个|一条|条)?(服务)?(请求|工单)[,,::]?|"
        r"^(please )?(open|file|raise|submit) (a )?(service )?(request|ticket)( about| for)?[,:]?\s*",
        "",
        text.strip(),
        flags=re.I,
    )
    return (re.sub(r"^[\s,,。.]+|[\s,,。.]+$", "", title) or text.strip())[:120]


def _add_to_live(requests: list, text: str) -> Reply | None:
    """ "补充一下:…": the words proposed as a message on the founder's latest live request."""
    from beiyang.service.models import LIVE

    live = [r for r in requests if r.status in LIVE]
    if not live:
        return None
    request = live[0]
    return Reply(
        f"确认把这段话补充到服务请求#{request.pk}“{request.title}”吗?回复“确认”即可。\n“{text.strip()}”",
        f"Add this to service request #{request.pk} “{request.title}”? Reply “confirm”.\n“{text.strip()}”",
        proposed={
            "action": "service_message",
            "request_id": request.pk,
            "text": text.strip()[:4000],
            "label": request.title,
        },
    )


def on_service_request_open(user, text, slots, state) -> Reply:
    from beiyang.service.models import CATEGORIES
    from beiyang.service.queries import my_requests

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    if ADD_TO_REQUEST.search(text.lower()) and (added := _add_to_live(list(my_requests(user)[:20]), text)):
        return added
    category = _category(text)
    title = _title(text)
    label = CATEGORIES[category]
    return Reply(
        f"确认提交服务请求“{title}”(类别:{label[0]})吗?回复“确认”后会交给您的专属服务专员处理。",
        f"Open the service request “{title}” ({label[1].lower()})? Reply “confirm” and it goes to your "
        "service officer.",
        proposed={
            "action": "service_open",
            "category": category,
            "title": title,
            "description": text.strip()[:4000],
            "label": title,
        },
    )


RATING_WORDS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "满": 5}


def extract_rating(text: str) -> int | None:
    """1–5 from "打5分", "五星", "★★★★", "4 stars", "满分"; None when no rating is said.

    >>> [extract_rating(t) for t in ("打5分", "给个五星好评", "★★★★", "4 stars", "满分", "#12 很满意")]
    [5, 5, 4, 4, 5, None]
    """
    lowered = text.lower()
    if stars := re.search(r"★+", lowered):
        return min(len(stars.group()), 5)
    m = re.search(r"(?<![#\d])([1-5])\s*(?:分|星|颗星|stars?|/\s*5)", lowered) or re.search(
        r"([一二两三四五满])\s*(?:分|星|颗星)", lowered
    )
    if m is None:
        return None
    value = m.group(1)
    return int(value) if value.isdigit() else RATING_WORDS[value]


def on_service_request_rate(user, text, slots, state) -> Reply:
    from beiyang.service.queries import my_requests

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    requests = list(my_requests(user)[:50])
    named = re.search(r"#\s*(\d+)", text)
    if named:
        requests = [r for r in requests if r.pk == int(named.group(1))]
    unrated = [r for r in requests if r.status == "resolved" and r.rating is None]
    if not unrated:
        return Reply(
            "您目前没有待评价的服务请求:请求办结后才能评价。",
            "You have no service request waiting for a rating: a request can be rated once it is resolved.",
            suggestions=["我的服务请求处理得怎么样了"],
        )
    request = unrated[0]
    rating = extract_rating(text)
    if rating is None:
        return Reply(
            f"请问给服务请求#{request.pk}“{request.title}”打几分(1–5分)?",
            f"How would you rate service request #{request.pk} “{request.title}” (1–5)?",
            suggestions=[f"给服务请求#{request.pk}打{n}分" for n in (5, 4, 3)],
        )
    return Reply(
        f"确认给服务请求#{request.pk}“{request.title}”打{rating}分吗?回复“确认”即可。",
        f"Rate service request #{request.pk} “{request.title}” {rating} out of 5? Reply “confirm”.",
        proposed={
            "action": "service_rate",
            "request_id": request.pk,
            "rating": rating,
            "label": request.title,
        },
    )


def confirmed_open(user, pending: dict[str, Any]) -> Reply:
    from beiyang.service.actions import do_open_request
    from beiyang.service.queries import officer_card

    request = do_open_request(
        user, category=pending["category"], title=pending["title"], description=pending["description"]
    )
    card = officer_card(user)
    who = (card["name"], card["name"]) if card else ("服务团队", "the service team")
    due = request.first_response_due
    return Reply(
        f"已提交服务请求#{request.pk}“{request.title}”,由{who[0]}处理"
        + (f",{moment_words(due, en=False)}前首次回复" if due else "")
        + "。进展会发到您的消息中心。",
        f"Service request #{request.pk} “{request.title}” is open with {who[1]}"
        + (f"; first reply by {moment_words(due, en=True)}" if due else "")
        + ". Updates come to your inbox.",
        done={"action": "service_open", "service_request_id": request.pk, "link": f"/service/{request.pk}/"},
    )


def confirmed_message(user, pending: dict[str, Any]) -> Reply:
    from beiyang.service.actions import do_add_message

    message = do_add_message(user, pending["request_id"], text=pending["text"])
    return Reply(
        f"已补充到服务请求#{pending['request_id']}“{pending['label']}”,服务专员会看到。",
        f"Added to service request #{pending['request_id']} “{pending['label']}”; your officer will see it.",
        done={
            "action": "service_message",
            "service_request_id": pending["request_id"],
            "message_id": message.pk,
        },
    )


def confirmed_rate(user, pending: dict[str, Any]) -> Reply:
    from beiyang.service.actions import do_rate

    request = do_rate(user, pending["request_id"], rating=pending["rating"])
    return Reply(
        f"已为服务请求#{request.pk}“{request.title}”打{request.rating}分,谢谢您的评价。",
        f"Service request #{request.pk} “{request.title}” rated {request.rating} out of 5; thank you.",
        done={"action": "service_rate", "service_request_id": request.pk, "rating": request.rating},
    )
