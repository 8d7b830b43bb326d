"""Messages about a request to its founders and to the officers who hold it.

What officers are sent is in the town's own words only (``STAFF_NOTICES``): never a founder's
or a visitor's text, never a link of theirs. Anyone, signed out, can open a handover, and an
officer's notice may go out by SMS under the town's signature; the words to read are on the
workbench, behind the officer's sign-in."""

from __future__ import annotations

from typing import Any

from beiyang.companies.queries import member_ids
from beiyang.notifications.actions import do_send_message
from beiyang.service.actions.assignment import officers
from beiyang.service.models import ServiceRequest


def founder_ids(request: ServiceRequest) -> list[int]:
    ids = []
    if request.company_id:
        ids = member_ids(request.company_id)
    if request.requester_id and request.requester_id not in ids:
        ids.append(request.requester_id)
    return ids


def founder_link(request: ServiceRequest) -> str:
    # A handover is answered where the founder asked: in the agent's chat.
    if request.conversation_id and request.requester_id:
        return f"/agent/?c={request.conversation_id}"
    return f"/service/{request.pk}/"


def tell_founders(request: ServiceRequest, title: str, body: str, title_en: str) -> None:
    for user_id in founder_ids(request):
        do_send_message(
            user_id,
            kind="service",
            title=title,
            body=body[:500],
            title_en=title_en,
            link=founder_link(request),
            data={"service_request_id": request.pk},
        )


# event: (title, body, English title); {number} is the request's number, the rest as given.
STAFF_NOTICES: dict[str, tuple[str, str, str]] = {
    "opened": (
        "有一条新的服务请求,请登录工作台查看",
        "{category} · 请于{due}前首次回复",
        "A new service request (#{number}); see the workbench",
    ),
    "handover": (
        "有一条新的转人工请求,请登录工作台查看",
        "请于{due}前首次回复",
        "A new handover from the agent (#{number}); see the workbench",
    ),
    "founder_message": (
        "创业者留言:服务请求#{number},请登录工作台查看",
        "",
        "A new message on #{number}; see the workbench",
    ),
    "reopened": (
        "服务请求#{number}被重新打开,请登录工作台查看",
        "",
        "Reopened: #{number}; see the workbench",
    ),
    "reassigned": (
        "有一条服务请求转派给您,请登录工作台查看",
        "",
        "Reassigned to you: #{number}; see the workbench",
    ),
    "due_soon": (
        "服务请求#{number}{clock}即将到期,请登录工作台查看",
        "请于{due}前{clock}",
        "Service request due soon ({clock_en}): #{number}",
    ),
}


def tell_staff(request: ServiceRequest, event: str, *, channels: bool = True, **words: Any) -> None:
    """The officer, or every officer while the request is in the pool, in the town's words.
    ``channels=False``: the inbox and the live page only, no email or SMS."""
    title, body, title_en = (part.format(number=request.pk, **words) for part in STAFF_NOTICES[event])
    targets = [request.officer_id] if request.officer_id else list(officers().values_list("id", flat=True))
    for user_id in targets:
        do_send_message(
            user_id,
            kind="service",
            title=title,
            body=body,
            title_en=title_en,
            link=f"/staff/service/{request.pk}/",
            data={"service_request_id": request.pk},
            channels=channels,
        )
