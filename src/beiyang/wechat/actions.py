"""What WeChat's messages do, and binding an openid to a phone account.

A text (or a menu click) is the follower's turn with the service agent, through the agent's own
``do_agent_turn``: the same understanding, the same confirm-before-act (a proposal waits in the
conversation for "确认"), the same rate limit. WeChat waits 5 s for a passive reply and then
retries the same ``MsgId`` (up to three times). So each message is written once under its key
(``InboundMessage``: a retry finds the row and is answered ``success``), the agent runs in a
thread, and the request waits ``REPLY_BUDGET_SECONDS`` for it. Whichever of the two moves the
row out of ``pending`` first decides: the agent in time (``answered``: the request replies with
it), or the request giving up (``deferred``: the agent's thread sends the answer by the
customer-service message API when it has it).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.contrib.auth import get_user_model
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from beiyang.core.audit import log_action
from beiyang.core.errors import Conflict, DomainError, InvalidInput, NotFound
from beiyang.wechat import client, config
from beiyang.wechat.models import KIND_LABELS, Follower, InboundMessage

logger = logging.getLogger(__name__)

# WeChat gives up on a passive reply after 5 s; the rest is the network's and ours.
REPLY_BUDGET_SECONDS = 4.0
# A text message's content is at most 2,048 bytes.
MAX_REPLY_BYTES = 2000
SORRY = ("抱歉,暂时无法回答,请稍后再试,或回复“转人工”。", "Sorry, I cannot answer just now; try again later.")
NOT_TEXT = (
    "目前只能读文字消息,请用文字描述您的问题。",
    "I can only read text for now; please type your question.",
)
_agent_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wechat-agent")
_warming = threading.Lock()
_warmed = False


def warm_up_agent() -> None:
    """Load the agent's models in the background on the first signed call from WeChat: loading
    them takes longer than WeChat waits, so the first question would otherwise come late."""
    global _warmed
    with _warming:
        if _warmed:
            return
        _warmed = True

    def warm() -> None:
        from beiyang.agent.nlu import understand

        understand("预热")

    _agent_threads.submit(warm)


def inbound_key(msg: dict[str, str]) -> str:
    """WeChat's ``MsgId``; events have none, and WeChat's own advice is sender + CreateTime."""
    if msg.get("MsgId"):
        return f"msg:{msg['MsgId']}"
    return f"event:{msg.get('FromUserName', '')}:{msg.get('CreateTime', '')}:{msg.get('Event', '')}"[:120]


def do_receive(msg: dict[str, str]) -> str | None:
    """Handle one message WeChat delivered (signature already checked): the passive reply's
    text, or None to answer ``success`` (nothing, or the answer comes later, or a retry)."""
    openid = msg.get("FromUserName", "")
    if not openid:
        raise InvalidInput("缺少发送者", "FromUserName is missing", field="FromUserName")
    msg_type = msg.get("MsgType", "")
    event = msg.get("Event", "").lower()
    text = ""
    if msg_type == "text":
        text = msg.get("Content", "")
    elif msg_type == "event" and event == "click":
        text = str((config.load().get("clicks") or {}).get(msg.get("EventKey", ""), ""))
    inbound = _record_once(msg, openid, event or msg_type, text)
    if inbound is None:
        return None  # a retry of a message already being answered
    follower = _follower(openid)
    if msg_type == "event" and event == "subscribe":
        do_set_subscribed(follower, True)
        return _settle_now(inbound, welcome_text(follower))
    if msg_type == "event" and event == "unsubscribe":
        do_set_subscribed(follower, False)
        return _settle_now(inbound, "")
    if msg_type == "event" and not text:
        return _settle_now(inbound, "")  # a link opened from the menu, a location report…
    if msg_type != "text" and not text:
        return _settle_now(inbound, NOT_TEXT[0])
    return _answer_in_time(inbound.pk, openid, text)


def _record_once(msg: dict[str, str], openid: str, kind: str, text: str) -> InboundMessage | None:
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(
                key=inbound_key(msg), openid=openid, kind=kind[:20], text=text[:2000]
            )
    except IntegrityError:
        return None


def _follower(openid: str) -> Follower:
    follower = Follower.objects.filter(openid=openid).first()
    if follower is not None:
        return follower
    try:
        with transaction.atomic():
            return Follower.objects.create(openid=openid)
    except IntegrityError:  # two first messages at once
        return Follower.objects.get(openid=openid)


def _settle_now(inbound: InboundMessage, reply: str) -> str | None:
    InboundMessage.objects.filter(pk=inbound.pk).update(
        status=InboundMessage.ANSWERED, reply=reply, answered_at=timezone.now()
    )
    return reply or None


def _answer_in_time(inbound_id: int, openid: str, text: str) -> str | None:
    future = _agent_threads.submit(_answer_in_thread, inbound_id, openid, text)
    try:
        future.result(timeout=REPLY_BUDGET_SECONDS)
    except FutureTimeout:
        if InboundMessage.objects.filter(pk=inbound_id, status=InboundMessage.PENDING).update(
            status=InboundMessage.DEFERRED
        ):
            return None  # the thread sends it by the customer-service API
    reply = InboundMessage.objects.filter(pk=inbound_id).values_list("reply", flat=True).first()
    return reply or None


def _answer_in_thread(inbound_id: int, openid: str, text: str) -> None:
    close_old_connections()
    try:
        try:
            reply = agent_answer(openid, text)
        except Exception:
            logger.exception("wechat: the agent failed on inbound message %s", inbound_id)
            reply = SORRY[0]
        if InboundMessage.objects.filter(pk=inbound_id, status=InboundMessage.PENDING).update(
            status=InboundMessage.ANSWERED, reply=reply, answered_at=timezone.now()
        ):
            return
        InboundMessage.objects.filter(pk=inbound_id).update(reply=reply, answered_at=timezone.now())
        if reply:
            from beiyang.wechat.tasks import send_deferred_reply_task

            try:
                send_deferred_reply_task(inbound_id)
            except Exception:
                logger.warning("wechat: deferred reply %s not queued", inbound_id, exc_info=True)
    finally:
        connection.close()


def agent_answer(openid: str, text: str) -> str:
    """The agent's answer to ``text`` as this follower's turn (the bound account's, or a
    visitor's), in the follower's own conversation."""
    from beiyang.agent.actions import do_agent_turn

    follower = Follower.objects.select_related("user").get(openid=openid)
    user = follower.user if follower.user is not None and follower.user.is_active else None
    conversation_id = str(follower.conversation_id) if follower.conversation_id else None
    try:
        try:
            result = do_agent_turn(user, text, conversation_id=conversation_id, rate_key=f"wechat:{openid}")
        except NotFound:  # the conversation was another binding's: start a new one
            result = do_agent_turn(user, text, conversation_id=None, rate_key=f"wechat:{openid}")
    except DomainError as exc:  # too many messages, odd input: say so in the chat
        return exc.message
    if str(follower.conversation_id or "") != result["conversation_id"]:
        Follower.objects.filter(pk=follower.pk, user_id=follower.user_id).update(
            conversation_id=result["conversation_id"]
        )
    return fit(result["reply"])


def fit(text: str) -> str:
    """At most ``MAX_REPLY_BYTES`` of UTF-8, cut on a character."""
    data = text.encode()
    if len(data) <= MAX_REPLY_BYTES:
        return text
    return data[: MAX_REPLY_BYTES - 3].decode(errors="ignore") + "…"


def do_send_deferred_reply(inbound_id: int) -> str:
    """Send an answer the request stopped waiting for, by the customer-service message API.
    Raises on failure (the job retries); a reply already sent is not sent again."""
    inbound = InboundMessage.objects.filter(pk=inbound_id, status=InboundMessage.DEFERRED).first()
    if inbound is None or not inbound.reply:
        return "nothing"
    try:
        client.send_text(inbound.openid, inbound.reply)
    except Exception as exc:
        InboundMessage.objects.filter(pk=inbound_id).update(error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    with transaction.atomic():
        InboundMessage.objects.filter(pk=inbound_id).update(status=InboundMessage.SENT, error="")
        log_action("wechat.reply.sent_later", actor_label="wechat", inbound_id=inbound_id)
    return InboundMessage.SENT


def do_give_up_deferred_reply(inbound_id: int, error: str) -> None:
    with transaction.atomic():
        InboundMessage.objects.filter(pk=inbound_id, status=InboundMessage.DEFERRED).update(
            status=InboundMessage.FAILED, error=error[:2000]
        )
        log_action("wechat.reply.failed", actor_label="wechat", inbound_id=inbound_id, error=error[:200])


def do_set_subscribed(follower: Follower, subscribed: bool) -> None:
    with transaction.atomic():
        if (
            Follower.objects.filter(pk=follower.pk)
            .exclude(subscribed=subscribed)
            .update(subscribed=subscribed)
        ):
            log_action(
                "wechat.follower.subscribed" if subscribed else "wechat.follower.unsubscribed",
                obj=follower,
                actor_label="wechat",
                user_id=follower.user_id,
            )


def welcome_text(follower: Follower) -> str:
    """The welcome: the three things founders asked the agent most lately (the file's order
    breaks ties and stands in before anyone has asked), and how to bind."""
    from beiyang.wechat.queries import most_asked_intents

    welcome = config.load().get("welcome") or {}
    things = list(welcome.get("things") or [])
    counts = most_asked_intents([t["intent"] for t in things])
    things.sort(key=lambda t: -counts.get(t["intent"], 0))  # stable: ties keep the file's order
    lines = [welcome.get("zh", ""), *(f"{i}. {t['zh']}" for i, t in enumerate(things[:3], 1))]
    if follower.user_id is None:
        lines.append(config.site(welcome.get("bind_zh", "")))
    return fit("\n".join(line for line in lines if line))


@transaction.atomic(durable=True)
def check_bind(user, openid: str) -> Follower:
    """Bind ``openid`` (from web OAuth) to the signed-in ``user``. An openid bound to someone
    else is refused; the user's earlier WeChat, if any, is unbound. Turns the WeChat channel
    on: binding is the founder asking for the town's messages there."""
    from beiyang.notifications.models import ChannelPreference

    if not openid or len(openid) > 64:
        raise InvalidInput("微信身份无效", "Invalid WeChat identity", field="openid")
    _follower(openid)
    follower = Follower.objects.select_for_update().get(openid=openid)
    if follower.user_id == user.pk:
        return follower
    if follower.user_id is not None:
        raise Conflict(
            "这个微信已绑定另一个账号,请先在那个账号的“我的”页解绑",
            "This WeChat is bound to another account; unbind it there first",
            field="openid",
            code="wechat_bound_elsewhere",
        )
    previous = Follower.objects.select_for_update().filter(user=user).first()
    if previous is not None:
        previous.user, previous.conversation_id, previous.bound_at = None, None, None
        previous.save(update_fields=["user", "conversation_id", "bound_at"])
        log_action("wechat.follower.unbound", actor=user, obj=previous, reason="rebound")
    follower.user, follower.conversation_id, follower.bound_at = user, None, timezone.now()
    follower.save(update_fields=["user", "conversation_id", "bound_at"])
    log_action("wechat.follower.bound", actor=user, obj=follower)
    pref, _ = ChannelPreference.objects.select_for_update().get_or_create(user=user)
    if not pref.wechat:
        pref.wechat = True
        pref.save(update_fields=["wechat", "updated_at"])
        log_action("notifications.preferences.updated", actor=user, obj=pref, after={"wechat": True})
    return follower


@transaction.atomic(durable=True)
def do_unbind(user) -> Follower | None:
    """Unbind the user's WeChat: their openid is a visitor again, and the channel goes off."""
    from beiyang.notifications.models import ChannelPreference

    follower = Follower.objects.select_for_update().filter(user=user).first()
    if follower is None:
        return None
    follower.user, follower.conversation_id, follower.bound_at = None, None, None
    follower.save(update_fields=["user", "conversation_id", "bound_at"])
    log_action("wechat.follower.unbound", actor=user, obj=follower)
    if ChannelPreference.objects.filter(user=user, wechat=True).update(wechat=False):
        log_action("notifications.preferences.updated", actor=user, after={"wechat": False})
    return follower


def check_wechat_login(openid: str):
    """The active account bound to ``openid`` (web OAuth proved the openid), or None."""
    User = get_user_model()
    user = User.objects.filter(wechat_follower__openid=openid, is_active=True).first()
    if user is None:
        return None
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
        log_action("accounts.user.logged_in", actor=user, obj=user, method="wechat")
    return user


@transaction.atomic(durable=True)
def do_set_declined_kinds(user, kinds: list[str]) -> Follower:
    """The message kinds the founder does not want in WeChat (consent per kind)."""
    unknown = [k for k in kinds if k not in KIND_LABELS]
    if unknown:
        raise InvalidInput(
            f"未知的消息类型:{unknown[0]}", f"Unknown message kind: {unknown[0]}", field="kinds"
        )
    follower = Follower.objects.select_for_update().filter(user=user).first()
    if follower is None:
        raise NotFound("尚未绑定微信", "No WeChat is bound to this account", field="kinds")
    before = list(follower.declined_kinds)
    follower.declined_kinds = sorted(set(kinds))
    follower.save(update_fields=["declined_kinds"])
    log_action(
        "wechat.follower.kinds_set", actor=user, obj=follower, before=before, after=follower.declined_kinds
    )
    return follower
