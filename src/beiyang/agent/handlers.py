"""What the agent says and proposes for each intent. Facts come from the apps' queries;
verdicts and amounts from the benefits engine; actions are only proposed here and executed
by ``execute`` after the founder confirms."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from beiyang.agent.dates import event_kind, town_today, window
from beiyang.core.errors import DomainError
from beiyang.core.money import yuan_figure_en, yuan_text
from beiyang.web.labels import date_words

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
    meta: dict[str, Any] = field(default_factory=dict)  # for other handlers, never shown


def _mid_sentence(english: str) -> str:
    """An English name or label placed mid-sentence: "Compute voucher" → "compute voucher",
    "The company works in AI" → "the company works in AI"; names that start with a proper noun
    ("Sequoia China …", "Shanghai Xuhui …", "HKUST …") keep their capitals."""
    words = english.split()
    if not words or not words[0][:1].isupper() or words[0][1:2].isupper():
        return english
    if len(words) > 1 and words[1][:1].isupper():
        return english
    return english[0].lower() + english[1:]


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


def _answer_citation(pack, source_id: str | None, policy) -> list[dict[str, Any]]:
    sid = source_id if source_id in pack.sources else policy.sources[0]
    return [pack.sources[sid].as_dict()]


def _merged(parts: list[Reply], titles: list[Any] | None = None) -> Reply:
    """Several benefits' answers to one question as one reply, each answer said once, the
    citations of all. With ``titles``, answers are grouped and named by their benefits ("A、B:…"),
    except an answer that already names its one benefit."""
    cites = list({c["source"]: c for r in parts for c in r.citations}.values())
    if titles is None:
        zh = list(dict.fromkeys(r.zh for r in parts))
        en = list(dict.fromkeys(r.en for r in parts))
        return Reply("\n".join(zh), "\n".join(en), citations=cites)
    grouped: dict[tuple[str, str], list[Any]] = {}
    for reply, title in zip(parts, titles, strict=True):
        grouped.setdefault((reply.zh, reply.en), []).append(title)
    zh = [
        answer_zh
        if len(ts) == 1 and ts[0].zh[:3] in answer_zh
        else f"{'、'.join(t.zh for t in ts)}:{answer_zh}"
        for (answer_zh, _en), ts in grouped.items()
    ]
    en = [f"{'; '.join(t.en for t in ts)}: {answer_en}" for (_zh, answer_en), ts in grouped.items()]
    return Reply("\n".join(zh), "\n".join(en), citations=cites)


def _about_each(user, text, named: list[str], state, aspect: str) -> list[Reply]:
    """Each named benefit's answer to one aspect, leaving out an answer that is about the same
    pair as one already given ("人才公寓和办公场地…" is written under both benefits)."""
    from beiyang.agent.nlu import find_policies

    kept: list[tuple[str, set[str], Reply]] = []
    for policy_id in named:
        reply = on_policy_question(user, text, {"policy": policy_id}, state, aspect)
        mentions = {p for p, _alias in find_policies(reply.zh)} | {policy_id}
        if any(policy_id in theirs and other in mentions for other, theirs, _r in kept):
            continue
        kept.append((policy_id, mentions, reply))
    return [reply for _p, _m, reply in kept]


def _in_brief(pack, policy) -> Reply:
    """One benefit in two lines: what it is and how much, with its clause cited."""
    from beiyang.policies.engine import evaluate

    result = evaluate(pack, {}, town_today(), policies=[policy.id], suggest=False).results
    amount = _amount_text(policy.id, result[0].amount if result else None)
    # The amount is said once: many summaries already carry it ("…合计最高100万元").
    said = bool(amount[0]) and re.search(r"\d+(?:\.\d+)?万?元", amount[0]).group() in policy.summary.zh
    zh = f"{policy.title.zh}:{policy.summary.zh}" + (f"额度{amount[0]}。" if amount[0] and not said else "")
    en = f"{policy.title.en}: {policy.summary.en}" + (
        f" Amount: {amount[1]}." if amount[1] and not said else ""
    )
    return Reply(zh, en, citations=_citations(policy.id))


def on_policy_question(user, text, slots, state, aspect: str | None = None) -> Reply:
    """The answer to the aspect asked (who pays, grant or equity, how long, when, materials, how
    to apply, stacking, where, how much), from the pack, each with its citation."""
    from beiyang.policies.engine import evaluate
    from beiyang.policies.queries import document_name

    pack = _pack()
    policy = pack.policies.get(slots.get("policy", ""))
    if policy is None and aspect and aspect != "overview":
        from beiyang.agent.nlu import find_policies

        named = list(dict.fromkeys(p for p, _alias in find_policies(text)))
        if len(named) >= 2:
            # "算力券和模型券能一起拿吗": each benefit's answer to that aspect, said once when shared.
            return _merged(_about_each(user, text, named, state, aspect))
        # "市里还是区里出钱?" with no benefit named: the benefit the conversation is about, else
        # that aspect for every benefit that answers it, benefits with the same answer together.
        remembered = pack.policies.get((state.get("slots") or {}).get("policy", ""))
        if remembered is not None:
            return on_policy_question(user, text, {"policy": remembered.id}, state, aspect)
        answering = [p for p in pack.policies.values() if (p.raw.get("answers") or {}).get(aspect)]
        if answering:
            return _merged(
                [on_policy_question(user, text, {"policy": p.id}, state, aspect) for p in answering],
                titles=[p.title for p in answering],
            )
    if policy is None:
        from beiyang.agent.nlu import find_policies

        named = list(dict.fromkeys(p for p, _alias in find_policies(text)))
        if len(named) >= 2:
            # "算力券和语料券有什么区别": each benefit in brief, side by side.
            return _merged([_in_brief(pack, pack.policies[p]) for p in named])
        titles = [p.title for p in pack.policies.values()]
        return Reply(
            f"小镇目前有这{len(titles)}项政策:{'、'.join(t.zh for t in titles)}。您想了解哪一项?",
            f"The town has these {len(titles)} benefits: {'; '.join(t.en for t in titles)}. Which one would "
            "you like to know about?",
            suggestions=[f"{t.zh}是什么?" for t in titles[:3]],
        )
    answers = policy.raw.get("answers") or {}
    follow = [f"我能申请{policy.title.zh}吗?", f"帮我申请{policy.title.zh}"]
    if aspect in answers:
        answer = answers[aspect]
        label = ASSUMPTION if answer.get("assumption") else ("", "")
        return Reply(
            f"{answer['zh']}{label[0]}",
            f"{answer['en']}{label[1]}",
            citations=_answer_citation(pack, answer.get("source"), policy),
            suggestions=follow,
        )
    if aspect in ("materials", "how_to_apply"):
        docs = [document_name(d).zh for d in policy.documents]
        docs_en = [document_name(d).en for d in policy.documents]
        sla = pack.parameters.get(policy.sla_param) if policy.sla_param else None
        days = sla.value_at(town_today()) if sla else None
        zh = f"申请{policy.title.zh}需要准备{len(docs)}份材料:{'、'.join(docs)}。" if docs else ""
        en = (
            f"The {_mid_sentence(policy.title.en)} needs {len(docs_en)} documents: {', '.join(docs_en)}."
            if docs
            else ""
        )
        if aspect == "how_to_apply":
            zh = f"对我说“帮我申请{policy.title.zh}”,确认后我会在平台为您创建申请;{zh}上传后提交审核"
            en = f"Tell me “apply for the {_mid_sentence(policy.title.en)}” and confirm; I create the application. {en} Upload them and submit for review"
            if days:
                assumed = ASSUMPTION if sla.assumption else ("", "")
                zh += f",审核时限{days}个工作日{assumed[0]}"
                en += f"; review takes up to {days} working days{assumed[1]}"
            zh, en = zh + "。", en + "."
        return Reply(
            zh or "这项政策无需提交材料。",
            en or "No documents are needed.",
            citations=_citations(policy.id),
            suggestions=follow,
        )
    result = evaluate(pack, {}, town_today(), policies=[policy.id], suggest=False).results
    amount = _amount_text(policy.id, result[0].amount if result else None)
    note = policy.amount.note if policy.amount and policy.amount.note else None
    if aspect == "amount":
        zh = f"{policy.title.zh}{amount[0]}。" if amount[0] else f"{policy.title.zh}:文章没有给出固定金额。"
        en = (
            f"The {_mid_sentence(policy.title.en)} is {amount[1]}."
            if amount[1]
            else f"The article gives no fixed amount for the {_mid_sentence(policy.title.en)}."
        )
        if note:
            zh, en = zh + note.zh + "。", en + " " + note.en + "."
        return Reply(zh, en, citations=_citations(policy.id), suggestions=follow)
    lines = [f"{policy.title.zh}:{policy.summary.zh}", f"提供方:{policy.provider.zh}。"]
    lines_en = [f"{policy.title.en}: {policy.summary.en}", f"Provided by {policy.provider.en}."]
    if amount[0]:
        lines.append(f"额度:{amount[0]}。")
        lines_en.append(f"Amount: {amount[1]}.")
    if note:
        lines.append(note.zh + "。")
        lines_en.append(note.en + ".")
    source = pack.sources[policy.sources[0]]
    lines.append(f"依据:{source.document}({source.clause}):“{source.quote}”")
    return Reply("\n".join(lines), " ".join(lines_en), citations=_citations(policy.id), suggestions=follow)


def _profile(user, slots, state=None) -> dict[str, Any]:
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
    # Answers the founder gave to the agent's own questions in this conversation ("种子轮").
    for fact, value in (state or {}).get("facts", {}).items():
        group, name = fact.split(".", 1)
        if group in profile and not (fact == "founder.age" and slots.get("age") is not None):
            profile[group][name] = value
    if not company:
        # A visitor asking about a policy is asking about an AI company; say so in the answer.
        profile["company"].setdefault("sectors", ["llm"])
    return {k: {kk: vv for kk, vv in v.items() if vv is not None} for k, v in profile.items()}


def _failed_label(policy_id: str, criterion: dict[str, Any]) -> tuple[str, str]:
    """A criterion that was not met, said as not met ("企业未注册在徐汇区"), from the pack."""
    policy = _pack().policies.get(policy_id)
    for spec in (policy.raw.get("criteria") or []) if policy else []:
        if spec.get("id") == criterion["id"] and isinstance(spec.get("failed"), dict):
            return spec["failed"]["zh"], spec["failed"]["en"]
    return f"不满足“{criterion['label']}”", f"not met: {criterion.get('label_en', criterion['label'])}"


def _assumed(policy_id: str) -> bool:
    """Whether the policy's amount rests on a figure the pack marks ``assumption: true``."""
    pack = _pack()
    policy = pack.policies.get(policy_id)
    if policy is None or policy.amount is None:
        return False
    return any(pack.parameters[p].assumption for p in policy.amount.params if p in pack.parameters)


ASSUMPTION = ("(平台假设,以官方文件为准)", " (a platform assumption; the official documents prevail)")


def _amount_text(policy_id: str, amount) -> tuple[str, str]:
    """ "最高100万元(与模型券、语料券共享这一额度)", with the assumption label where it applies."""
    if not amount:
        return "", ""
    shared = _shared_note(policy_id)
    assumed = ASSUMPTION if _assumed(policy_id) else ("", "")
    return (
        f"最高{_yuan(amount)}{shared[0]}{assumed[0]}",
        f"up to {float(amount):,.0f} CNY{shared[1]}{assumed[1]}",
    )


def on_check_eligibility(user, text, slots, state) -> Reply:
    from beiyang.policies.queries import evaluate_profile

    try:
        evaluation = evaluate_profile(_profile(user, slots, state))
    except DomainError as exc:
        return Reply(f"信息有误:{exc.message}", f"Something in the details is wrong: {exc.message_en}")
    results = evaluation.by_policy()
    policy_id = slots.get("policy")
    if not policy_id:
        eligible = [r for r in evaluation.sorted_results() if r.status == "eligible"]
        if not eligible:
            return Reply(
                "根据目前的信息,暂时没有符合条件的政策。补充企业信息(注册区、融资阶段、成立日期)后我可以再帮您看看。",
                "Nothing matches yet on what I know; add your district, financing stage and founding date "
                "and ask again.",
            )
        # The count is the length of the list shown, every item of it.
        zh_items = [
            f"{r.policy.title.zh}{'(' + _amount_text(r.policy.id, r.amount)[0] + ')' if r.amount else ''}"
            for r in eligible
        ]
        en_items = [
            f"{r.policy.title.en}{' (' + _amount_text(r.policy.id, r.amount)[1] + ')' if r.amount else ''}"
            for r in eligible
        ]
        return Reply(
            f"您目前符合{len(eligible)}项政策:\n"
            + "\n".join(f"· {x}" for x in zh_items)
            + "\n可以说“帮我申请…”直接发起申请。",
            f"You qualify for {len(eligible)} benefits:\n"
            + "\n".join(f"· {x}" for x in en_items)
            + "\nSay “apply for …” to start an application.",
            citations=[c for r in eligible[:3] for c in _citations(r.policy.id)][:3],
        )
    result = results.get(policy_id)
    if result is None:
        return Reply("该政策目前不在有效期内。", "That benefit is not in force now.")
    data = result.to_dict()
    title, title_en = data["title"], data["title_en"]
    if data["status"] == "eligible":
        passed = [c for c in data["criteria"] if c["result"] == "pass" and c["id"] != "ceiling"]
        amount = _amount_text(policy_id, data["amount_cny"])
        return Reply(
            f"符合条件:您可以申请{title}{',' + amount[0] if amount[0] else ''}。"
            f"依据:{'、'.join(c['label'] for c in passed)}。",
            f"Yes: you qualify for the {title_en}{', ' + amount[1] if amount[1] else ''}. Because: "
            + "; ".join(_mid_sentence(c.get("label_en", c["label"])) for c in passed)
            + ".",
            citations=data["citations"],
            suggestions=[f"帮我申请{title}"],
            meta={"amount_cny": data["amount_cny"]},
        )
    if data["status"] == "ineligible":
        failed = [_failed_label(policy_id, c) for c in data["criteria"] if c["result"] == "fail"]
        tip = data["would_qualify_if"][0] if data["would_qualify_if"] else None
        return Reply(
            f"暂不符合{title}:{'、'.join(f[0] for f in failed)}。" + (f"{tip['label']}。" if tip else ""),
            f"Not eligible for the {title_en} yet: {'; '.join(f[1] for f in failed)}."
            + (f" {tip.get('label_en', '')}." if tip and tip.get("label_en") else ""),
            citations=data["citations"],
        )
    missing = data["missing_facts"]
    ask = missing[0]["label"] if missing else "更多信息"
    return Reply(
        f"还差一点信息才能判断{title}:请告诉我{ask}。",
        f"To check the {title_en} I need your {missing[0]['label_en'] if missing else 'details'}.",
        citations=data["citations"],
        awaiting=missing[0]["fact"] if missing else None,
        suggestions=_fact_choices(missing[0]["fact"]) if missing else [],
    )


def _fact_choices(fact_id: str) -> list[str]:
    """Tappable answers to the agent's own question, for facts with a fixed set of values."""
    fact = _pack().facts.get(fact_id)
    values = getattr(fact, "values", None) or {}
    return [label.zh for label in list(values.values())[:4]] if isinstance(values, dict) else []


def answer_fact(fact_id: str, text: str) -> Any:
    """The value a founder's reply gives to a fact the agent asked for, or None.

    "种子轮" → "seed" for the financing stage; "34" → 34 for the age; "闵行" → "闵行"."""
    from beiyang.agent.nlu import extract_age, extract_district, normalise

    t = normalise(text).lower()
    fact = _pack().facts.get(fact_id)
    if fact is None:
        return None
    kind = fact.type
    if fact_id == "founder.age" or (kind == "int" and "age" in fact_id):
        bare = re.fullmatch(r"\s*(\d{2})\s*(岁|周岁)?\s*", t)
        return int(bare.group(1)) if bare else extract_age(t)
    if kind == "district":
        return extract_district(t)
    if kind == "bool":
        if re.search(r"(没有|还没|未|不是|否|no\b|not)", t):
            return False
        if re.search(r"(是|已经|有|对|yes|入驻了)", t):
            return True
        return None
    if kind == "int":
        m = re.search(r"\d+", t)
        return int(m.group()) if m else None
    values = getattr(fact, "values", None) or {}
    best = None
    for value, label in values.items():
        names = [value.lower(), label.zh.lower(), label.en.lower()]
        stems = [n[:-1] for n in names if n.endswith(("轮", "阶段")) and len(n) > 2]
        for name in [*names, *stems]:
            if name and name in t and (best is None or len(name) > best[0]):
                best = (len(name), value)
    if best is None:
        return None
    return [best[1]] if kind == "set" else best[1]


def _events(text: str):
    from beiyang.events.queries import upcoming_events

    today = town_today()
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


# Words every event request shares; they name no particular event.
_GENERIC = re.compile(
    r"(报名|参加|活动|取消|帮我|一下|我要|我想|本周|下周|这周|周[一二三四五六日天]|星期.|明天|今天|的|了|吧|呗|下)"
)


def _title_overlap(text: str, event) -> int:
    from beiyang.matching.text import bigrams

    asked = bigrams(_GENERIC.sub(" ", text.lower()))
    return len(asked & (bigrams(event.title) | bigrams(event.title_en or "")))


@dataclass
class EventAsk:
    """What a message says about the event meant: its kind, its dates and words of its title."""

    kind: str | None
    span: tuple | None
    text: str

    @classmethod
    def of(cls, text: str) -> EventAsk:
        return cls(event_kind(text), window(text, town_today()), text)

    def fits(self, event) -> bool:
        day = timezone.localtime(event.starts_at).date()
        return (self.kind is None or event.kind == self.kind) and (
            self.span is None or self.span[0] <= day < self.span[1]
        )

    def rank(self, events: list) -> list:
        """The events that fit, best title match first, then soonest."""
        fitting = [e for e in events if self.fits(e)]
        return sorted(fitting, key=lambda e: (-_title_overlap(self.text, e), e.starts_at, e.pk))

    def named(self, events: list) -> bool:
        return bool(self.kind or self.span or any(_title_overlap(self.text, e) >= 2 for e in events))

    def nearest(self, events: list):
        """The closest event to a request nothing fits: most title words, same kind, nearest date."""
        if not events:
            return None
        start = self.span[0] if self.span else town_today()
        return min(
            events,
            key=lambda e: (
                -_title_overlap(self.text, e),
                e.kind != self.kind,
                abs((timezone.localtime(e.starts_at).date() - start).days),
                e.pk,
            ),
        )

    def describe(self) -> tuple[str, str]:
        from beiyang.events.models import KINDS

        zh = en = ""
        if self.span:
            first, last = self.span[0], self.span[1] - dt.timedelta(days=1)
            zh = f"{first.month}月{first.day}日" + ("" if first == last else f"至{last.month}月{last.day}日")
            en = f"{first:%d %b}" + ("" if first == last else f"–{last:%d %b}")
        if self.kind:
            zh += ("的" if zh else "") + KINDS[self.kind][0]
            en = f"{KINDS[self.kind][1].lower()}" + (f" on {en}" if en else "")
        return zh or "您说的", en or "that"


def _event_line(e) -> str:
    from beiyang.events.actions import when_text

    count = getattr(e, "confirmed_count", None)  # annotated on listings, not on held events
    return f"{when_text(e)} {e.title} · {e.venue}" + (
        f"(已报名{count}/{e.capacity})" if count is not None else ""
    )


def _event_line_en(e) -> str:
    from beiyang.events.actions import when_text_en

    count = getattr(e, "confirmed_count", None)
    return f"{when_text_en(e)} {e.title_en or e.title} · {e.venue}" + (
        f" ({count}/{e.capacity} registered)" if count is not None else ""
    )


def on_list_events(user, text, slots, state) -> Reply:
    events = _events(text)[:5]
    if not events:
        return Reply("这段时间暂时没有活动安排。可以问我“最近有什么活动”。", "No events in that period.")
    return Reply(
        f"近期活动({len(events)}场):\n"
        + "\n".join(f"· {_event_line(e)}" for e in events)
        + "\n回复“帮我报名…”即可报名。",
        f"{len(events)} upcoming events:\n"
        + "\n".join(f"· {_event_line_en(e)}" for e in events)
        + "\nSay “register me for …” to sign up.",
        suggestions=[f"帮我报名{events[0].title}"],
    )


def on_register_event(user, text, slots, state) -> Reply:
    from beiyang.events.actions import when_text, when_text_en
    from beiyang.events.queries import registration_open, upcoming_events

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    open_events = [e for e in upcoming_events() if registration_open(e)]
    ask = EventAsk.of(text)
    ranked = ask.rank(open_events)
    if not ask.named(open_events) and len(ranked) != 1:
        listing = on_list_events(user, "", slots, state)
        return Reply(
            "请问您想报名哪一场?\n" + listing.zh,
            "Which event would you like?\n" + listing.en,
            suggestions=[f"帮我报名{e.title}" for e in ranked[:3]],
        )
    if not ranked or (not ask.kind and not ask.span and _title_overlap(text, ranked[0]) < 2):
        zh, en = ask.describe()
        near = ask.nearest(open_events)
        if near is None:
            return Reply(
                f"没有找到{zh}可以报名的活动,目前也没有开放报名的活动。",
                f"I found no open {en} event, and no event is open for registration now.",
            )
        return Reply(
            f"没有找到{zh}可以报名的活动。最接近的是:{when_text(near)} {near.title}。需要的话回复“帮我报名{near.title}”。",
            f"I found no open {en} event. The nearest is {when_text_en(near)} {near.title_en or near.title}.",
            suggestions=[f"帮我报名{near.title}"],
        )
    event = ranked[0]
    label = f"{when_text(event)} {event.title}"
    return Reply(
        f"确认为您报名 {label}(地点:{event.venue})吗?回复“确认”即可。",
        f"Shall I register you for {when_text_en(event)} {event.title_en or event.title} at {event.venue}? "
        "Reply “confirm”.",
        proposed={"action": "register", "event_id": event.pk, "label": label},
    )


def on_cancel_registration(user, text, slots, state) -> Reply:
    from beiyang.events.queries import my_registrations

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    mine = list(my_registrations(user, active_only=True))
    if not mine:
        return Reply("您目前没有有效的活动报名,无需取消。", "You have no live registrations to cancel.")
    held = [r.event for r in mine]
    ask = EventAsk.of(text)
    ranked = ask.rank(held)
    if ask.named(held) and (
        not ranked or (not ask.kind and not ask.span and _title_overlap(text, ranked[0]) < 2)
    ):
        zh, en = ask.describe()
        return Reply(
            f"您没有{zh}的报名,所以没有可取消的。您目前报名的活动:\n"
            + "\n".join(f"· {_event_line(e)}" for e in held),
            f"You hold no registration for {en}, so there is nothing to cancel. Your registrations:\n"
            + "\n".join(f"· {_event_line_en(e)}" for e in held),
            suggestions=[f"取消{e.title}的报名" for e in held[:3]],
        )
    if not ask.named(held) and len(held) > 1:
        return Reply(
            f"您报名了{len(held)}场活动,要取消哪一场?\n" + "\n".join(f"· {_event_line(e)}" for e in held),
            f"You hold {len(held)} registrations; which one should I cancel?\n"
            + "\n".join(f"· {_event_line_en(e)}" for e in held),
            suggestions=[f"取消{e.title}的报名" for e in held[:3]],
        )
    event = ranked[0]
    return Reply(
        f"确认取消“{event.title}”的报名吗?回复“确认”即可。",
        f"Cancel your registration for “{event.title_en or event.title}”? Reply “confirm”.",
        proposed={"action": "cancel", "event_id": event.pk, "label": event.title},
    )


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
    maximum = check.meta.get("amount_cny")
    if amount and maximum and amount > maximum:
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
        proposed={"action": "apply", "policy": policy.id, "amount_cny": amount, "label": policy.title.zh},
    )


def _shared_note(policy_id: str) -> tuple[str, str]:
    """ ", 与模型券、语料券共享" when the policy's ceiling is shared with others."""
    pack = _pack()
    policy = pack.policies[policy_id]
    ceiling = policy.amount.ceiling if policy.amount else None
    if not ceiling:
        return "", ""
    others = [
        p for p in pack.policies.values() if p.amount and p.amount.ceiling == ceiling and p.id != policy_id
    ]
    if not others:
        return "", ""
    return (
        f"(与{'、'.join(p.title.zh for p in others)}共享这一额度)",
        f" (a ceiling shared with the {' and '.join(_mid_sentence(p.title.en) for p in others)})",
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


def on_voucher_balance(user, text, slots, state) -> Reply:
    from beiyang.vouchers.models import KINDS as VOUCHER_KINDS
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
        f"· {g['kind_label']}:余额{yuan_text(g['balance_cny'])}(有效期至{date_words(g['valid_until'], en=False)})"
        for g in grants
    ]
    lines_en = [
        f"· {VOUCHER_KINDS[g['kind']][1]}: {yuan_figure_en(g['balance_cny'])} CNY left "
        f"(valid until {date_words(g['valid_until'], en=True)})"
        for g in grants
    ]
    return Reply("您的券余额:\n" + "\n".join(lines), "Your voucher balances:\n" + "\n".join(lines_en))


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
    lines_en = [
        f"· {r['name']} ({r['organisation'] or '—'}), match {r['score']}: "
        + "; ".join(x.get("label_en", x["label"]) for x in r["reasons"][:2])
        for r in results
    ]
    return Reply(
        "为您推荐:\n" + "\n".join(lines) + "\n可在“对接”页面一键请求引荐。",
        "Suggested for you:\n"
        + "\n".join(lines_en)
        + "\nAsk for an introduction in one tap on the Matches page.",
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
            from beiyang.applications.actions import do_start_application
            from beiyang.policies.queries import document_name

            application = do_start_application(
                user,
                policy_id=pending["policy"],
                amount_cny=str(pending["amount_cny"]) if pending.get("amount_cny") else None,
            )
            docs = "、".join(document_name(d).zh for d in application.eligibility.get("documents") or [])
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
