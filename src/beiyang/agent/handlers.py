"""What the agent says and proposes for each intent. Facts come from the apps' queries;
verdicts and amounts from the benefits engine; actions are only proposed here and executed
by ``execute`` after the founder confirms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from beiyang.agent.dates import event_kind, window
from beiyang.core.errors import DomainError

SUGGESTIONS = [
    "我能享受哪些政策?",
    "算力券最多补多少?",
    "这周有什么活动?",
    "帮我报名模速路演日",
    "我的申请审到哪了?",
    "转人工",
]


@dataclass
class Reply:
    zh: str
    en: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    proposed: dict[str, Any] | None = None
    done: dict[str, Any] | None = None
    awaiting: str | None = None
    suggestions: list[str] = field(default_factory=list)


def _pack():
    from beiyang.policies.queries import current_pack

    return current_pack()


def _citations(policy_id: str) -> list[dict[str, Any]]:
    pack = _pack()
    policy = pack.policies.get(policy_id)
    return [pack.sources[s].as_dict() for s in policy.sources] if policy else []


def _yuan(amount) -> str:
    if amount is None:
        return ""
    value = float(amount)
    if value >= 10_000 and value % 10_000 == 0:
        return f"{value / 10_000:g}万元"
    return f"{value:,.0f}元"


def _company(user):
    from beiyang.companies.queries import company_of

    return company_of(user) if getattr(user, "is_authenticated", False) else None


def _login_first() -> Reply:
    return Reply(
        "这个操作需要先登录,登录后我就能帮您办理。", "Please log in first; then I can do this for you."
    )


def handle(intent: str, user, text: str, slots: dict[str, Any], state: dict) -> Reply:
    return globals()[f"on_{intent}"](user, text, slots, state)


def on_policy_question(user, text, slots, state) -> Reply:
    from beiyang.policies.engine import evaluate

    pack = _pack()
    policy = pack.policies.get(slots.get("policy", ""))
    if policy is None:
        names = "、".join(p.title.zh for p in pack.policies.values())
        return Reply(
            f"小镇目前有这些政策:{names}。您想了解哪一项?",
            "Which benefit would you like to know about?",
            suggestions=SUGGESTIONS[:3],
        )
    result = evaluate(pack, {}, timezone.localdate(), policies=[policy.id], suggest=False).results
    amount = result[0].amount if result else None
    lines = [f"{policy.title.zh}:{policy.summary.zh}", f"提供方:{policy.provider.zh}。"]
    if amount:
        lines.append(f"最高额度:{_yuan(amount)}。")
    if policy.amount and policy.amount.note:
        lines.append(policy.amount.note.zh + "。")
    source = pack.sources[policy.sources[0]]
    lines.append(f"依据:{source.document}({source.clause}):“{source.quote}”")
    return Reply(
        "\n".join(lines),
        f"{policy.title.en}: {policy.summary.en}",
        citations=_citations(policy.id),
        suggestions=[f"我能申请{policy.title.zh}吗?", "帮我申请"],
    )


def _profile(user, slots) -> dict[str, Any]:
    from beiyang.policies.queries import company_profile

    company = _company(user)
    profile = company_profile(company) if company else {"founder": {}, "company": {}}
    profile = {"founder": dict(profile["founder"]), "company": dict(profile["company"])}
    if slots.get("age") is not None:
        profile["founder"] = {"age": slots["age"]}
    elif getattr(user, "is_authenticated", False) and getattr(user, "birth_date", None):
        profile["founder"] = {"birth_date": user.birth_date}
    if slots.get("district"):
        profile["company"]["district"] = slots["district"]
    if not company:
        # A visitor asking about a policy is asking about an AI company; say so in the answer.
        profile["company"].setdefault("sectors", ["llm"])
    return {k: {kk: vv for kk, vv in v.items() if vv is not None} for k, v in profile.items()}


def on_check_eligibility(user, text, slots, state) -> Reply:
    from beiyang.policies.queries import evaluate_profile

    try:
        evaluation = evaluate_profile(_profile(user, slots))
    except DomainError as exc:
        return Reply(f"信息有误:{exc.message}", exc.message_en)
    results = evaluation.by_policy()
    policy_id = slots.get("policy")
    if not policy_id:
        eligible = [r for r in evaluation.sorted_results() if r.status == "eligible"]
        if not eligible:
            return Reply(
                "根据目前的信息,暂时没有符合条件的政策。补充企业信息(注册区、融资阶段、成立日期)后我可以再帮您看看。",
                "Nothing matches yet; complete your company profile and ask again.",
            )
        names = "、".join(
            f"{r.policy.title.zh}{'(最高' + _yuan(r.amount) + ')' if r.amount else ''}" for r in eligible[:6]
        )
        return Reply(
            f"您目前符合{len(eligible)}项政策:{names}。可以说“帮我申请…”直接发起申请。",
            f"You qualify for {len(eligible)} benefits.",
            citations=[c for r in eligible[:3] for c in _citations(r.policy.id)][:3],
        )
    result = results.get(policy_id)
    if result is None:
        return Reply("该政策目前不在有效期内。", "That benefit is not in force now.")
    data = result.to_dict()
    title = data["title"]
    if data["status"] == "eligible":
        passed = "、".join(
            c["label"] for c in data["criteria"] if c["result"] == "pass" and c["id"] != "ceiling"
        )
        amount = f",最高{_yuan(data['amount_cny'])}" if data["amount_cny"] else ""
        return Reply(
            f"符合条件:您可以申请{title}{amount}。依据:{passed}。",
            f"Yes: you qualify for {data['title_en']}.",
            citations=data["citations"],
            suggestions=[f"帮我申请{title}"],
        )
    if data["status"] == "ineligible":
        failed = "、".join(c["label"] for c in data["criteria"] if c["result"] == "fail")
        tip = "" if not data["would_qualify_if"] else f"{data['would_qualify_if'][0]['label']}。"
        return Reply(
            f"暂不符合{title}:{failed}。{tip}",
            f"Not yet eligible for {data['title_en']}: {failed}.",
            citations=data["citations"],
        )
    missing = [m for m in data["missing_facts"]]
    ask = missing[0]["label"] if missing else "更多信息"
    awaiting = "age" if missing and missing[0]["fact"] == "founder.age" else None
    return Reply(
        f"还差一点信息才能判断{title}:请告诉我{ask}。",
        f"I need your {missing[0]['label_en'] if missing else 'details'}.",
        citations=data["citations"],
        awaiting=awaiting,
    )


def _events(text: str):
    from beiyang.events.queries import upcoming_events

    today = timezone.localdate()
    span = window(text, today)
    kind = event_kind(text)
    events = list(upcoming_events(kind=kind))
    if span:
        events = [e for e in events if span[0] <= timezone.localtime(e.starts_at).date() < span[1]] or (
            []
            if kind is None
            else [e for e in events if timezone.localtime(e.starts_at).date() >= span[0]][:1]
        )
    return events


def _event_line(e) -> str:
    from beiyang.events.actions import when_text

    return f"{when_text(e)} {e.title} · {e.venue}(已报名{e.confirmed_count}/{e.capacity})"


def on_list_events(user, text, slots, state) -> Reply:
    events = _events(text)[:5]
    if not events:
        return Reply("这段时间暂时没有活动安排。可以问我“最近有什么活动”。", "No events in that period.")
    return Reply(
        "近期活动:\n" + "\n".join(f"· {_event_line(e)}" for e in events) + "\n回复“帮我报名…”即可报名。",
        f"{len(events)} events found.",
        suggestions=[f"帮我报名{events[0].title}"],
    )


def on_register_event(user, text, slots, state) -> Reply:
    from beiyang.events.queries import registration_open

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    events = [e for e in _events(text) if registration_open(e)]
    if not events:
        return Reply(
            "没有找到可以报名的对应活动,您可以先问我“最近有什么活动”。",
            "I found no open event matching that.",
        )
    event = events[0]
    from beiyang.events.actions import when_text

    label = f"{when_text(event)} {event.title}"
    return Reply(
        f"确认为您报名 {label}(地点:{event.venue})吗?回复“确认”即可。",
        f"Shall I register you for {event.title_en or event.title}? Reply “confirm”.",
        proposed={"action": "register", "event_id": event.pk, "label": label},
    )


def on_cancel_registration(user, text, slots, state) -> Reply:
    from beiyang.events.queries import my_registrations

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    mine = list(my_registrations(user, active_only=True))
    kind, span = event_kind(text), window(text, timezone.localdate())
    if kind:
        mine = [r for r in mine if r.event.kind == kind] or mine
    if span:
        mine = [r for r in mine if span[0] <= timezone.localtime(r.event.starts_at).date() < span[1]] or mine
    if not mine:
        return Reply("您目前没有有效的活动报名。", "You have no live registrations.")
    registration = mine[0]
    return Reply(
        f"确认取消“{registration.event.title}”的报名吗?回复“确认”即可。",
        "Cancel that registration? Reply “confirm”.",
        proposed={"action": "cancel", "event_id": registration.event_id, "label": registration.event.title},
    )


def on_start_application(user, text, slots, state) -> Reply:
    if not getattr(user, "is_authenticated", False):
        return _login_first()
    pack = _pack()
    policy = pack.policies.get(slots.get("policy", ""))
    if policy is None:
        return Reply(
            "请问您想申请哪项政策?例如算力券、启动资金、办公场地免租。",
            "Which benefit would you like to apply for?",
        )
    if _company(user) is None:
        return Reply("请先在“我的企业”登记企业信息,我再帮您发起申请。", "Register your company first.")
    check = on_check_eligibility(
        user, text, {"policy": policy.id, **{k: v for k, v in slots.items() if k == "age"}}, state
    )
    if check.zh.startswith("暂不符合"):
        return check
    amount = slots.get("amount_cny")
    amount_text = f",金额{_yuan(amount)}" if amount else ""
    return Reply(
        f"确认申请{policy.title.zh}{amount_text}吗?回复“确认”后我会为您创建申请,并列出需要上传的材料。",
        f"Shall I start an application for {policy.title.en}? Reply “confirm”.",
        citations=_citations(policy.id),
        proposed={"action": "apply", "policy": policy.id, "amount_cny": amount, "label": policy.title.zh},
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
    titles = {p.id: p.title.zh for p in _pack().policies.values()}
    lines = []
    for a in apps[:3]:
        due = (
            f",预计{a.due_on:%m月%d日}前完成审核"
            if a.due_on and sla_status(a) in ("on_time", "due_soon")
            else ""
        )
        lines.append(f"· {titles.get(a.policy_id, a.policy_id)}(#{a.pk}):{STATUSES[a.status][0]}{due}")
    return Reply("您的申请:\n" + "\n".join(lines), f"{len(apps)} applications.")


def on_voucher_balance(user, text, slots, state) -> Reply:
    from beiyang.vouchers.queries import company_vouchers

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    company = _company(user)
    if company is None:
        return Reply("请先登记企业信息。", "Register your company first.")
    grants = [g for g in company_vouchers(company)["grants"] if g["status"] == "active"]
    kind = {"compute-voucher": "compute", "model-voucher": "model", "corpus-voucher": "corpus"}.get(
        slots.get("policy", "")
    )
    if kind:
        grants = [g for g in grants if g["kind"] == kind]
    if not grants:
        return Reply("您目前没有可用的券。可以问我“我能申请算力券吗”。", "You have no active vouchers.")
    lines = [
        f"· {g['kind_label']}:余额{g['balance_cny']:,}元(有效期至{g['valid_until']:%Y-%m-%d})" for g in grants
    ]
    return Reply("您的券余额:\n" + "\n".join(lines), "Your voucher balances are listed.")


def on_find_match(user, text, slots, state) -> Reply:
    from beiyang.matching.queries import rank

    kind = slots.get("match_kind", "mentor")
    results = rank(kind, _company(user), text, 3)
    if not results:
        return Reply("暂时没有找到合适的对象。", "No match found yet.")
    lines = [
        f"· {r['name']}({r['organisation'] or '—'}),匹配度{r['score']}:{';'.join(x['label'] for x in r['reasons'][:2])}"
        for r in results
    ]
    return Reply(
        "为您推荐:\n" + "\n".join(lines) + "\n可在“对接”页面一键请求引荐。",
        f"{len(results)} matches.",
        suggestions=["/matches/"],
    )


def on_chitchat(user, text, slots, state) -> Reply:
    return Reply(
        "您好!我是北杨小镇服务智能体,可以帮您查政策、判断资格、报名活动、发起申请、查进度和券余额。",
        "Hello! I can help with benefits, eligibility, events, applications and vouchers.",
        suggestions=SUGGESTIONS,
    )


def on_out_of_scope(user, text, slots, state) -> Reply:
    return Reply(
        "抱歉,这个问题超出了我能帮忙的范围。我可以解答小镇政策、活动、申请和券的问题;需要的话也可以回复“转人工”。",
        "Sorry, that's outside what I can help with. Ask about benefits, events, applications or vouchers, or "
        "say “human”.",
        suggestions=SUGGESTIONS,
    )


def handover(user, conversation, reason: str) -> Reply:
    from beiyang.agent.models import HandoverTicket
    from beiyang.core.audit import log_action

    ticket = HandoverTicket.objects.filter(conversation=conversation, status=HandoverTicket.OPEN).first()
    if ticket is None:
        ticket = HandoverTicket.objects.create(conversation=conversation, reason=reason[:200])
        conversation.handed_over = True
        conversation.save(update_fields=["handed_over"])
        log_action(
            "agent.ticket.opened",
            actor=user if getattr(user, "is_authenticated", False) else None,
            obj=ticket,
        )
        # The one front door: the handover is also a service request to the company's officer.
        from beiyang.service.actions import open_from_handover

        open_from_handover(user, conversation, reason)
    return Reply(
        "已为您转接“陪你一起跑”专属服务团队,工作人员会在这个对话里回复您,回复时您也会收到消息提醒。",
        "I've passed you to the service team; they will reply in this conversation.",
        done={"action": "handover", "ticket_id": ticket.pk},
    )


def execute(user, pending: dict[str, Any]) -> Reply:
    """Carry out a confirmed action through the owning app; report only what really happened."""
    action = pending.get("action")
    try:
        if action == "register":
            from beiyang.events.actions import do_register

            registration, _created = do_register(user, pending["event_id"])
            if registration.status == "confirmed":
                return Reply(
                    f"已为您报名 {pending['label']},签到码 {registration.checkin_code}。确认消息已发送到您的消息中心。",
                    "You're registered; a confirmation message is in your inbox.",
                    done={"action": "register", "registration_id": registration.pk, "status": "confirmed"},
                )
            from beiyang.events.actions import waitlist_position

            return Reply(
                f"名额已满,已为您加入候补,当前第{waitlist_position(registration)}位,有名额时会自动补位并通知您。",
                "The event is full; you are on the waiting list.",
                done={"action": "register", "registration_id": registration.pk, "status": "waitlisted"},
            )
        if action == "cancel":
            from beiyang.events.actions import do_cancel_registration

            registration, _promoted = do_cancel_registration(user, pending["event_id"])
            return Reply(
                f"已取消“{pending['label']}”的报名。",
                "Cancelled.",
                done={"action": "cancel", "registration_id": registration.pk},
            )
        if action == "apply":
            from beiyang.applications.actions import DOC_LABELS, do_start_application

            application = do_start_application(
                user,
                policy_id=pending["policy"],
                amount_cny=str(pending["amount_cny"]) if pending.get("amount_cny") else None,
            )
            docs = "、".join(DOC_LABELS.get(d, d) for d in application.eligibility.get("documents") or [])
            return Reply(
                f"已为您创建{pending['label']}申请(#{application.pk})。下一步请在申请页面上传:{docs},然后提交审核。",
                f"Application #{application.pk} created; upload the documents and submit.",
                done={
                    "action": "apply",
                    "application_id": application.pk,
                    "link": f"/applications/{application.pk}/",
                },
            )
    except DomainError as exc:
        return Reply(f"没有办成:{exc.message}", f"That did not work: {exc.message_en}")
    return Reply("这个操作已过期,请重新告诉我您要做什么。", "That request expired; please ask again.")
