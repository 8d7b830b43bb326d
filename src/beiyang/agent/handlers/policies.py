"""Questions about a benefit: the aspect asked (amount, who pays, how long, materials…), from the
pack, each with its citation."""

from __future__ import annotations

import re
from typing import Any

from beiyang.agent.dates import town_today
from beiyang.agent.handlers.common import ASSUMPTION, Reply, _amount_text, _citations, _mid_sentence, _pack


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
    # "Up to": the amount when it needs no fact of the founder's, else the policy's published bound
    # (startup capital's formula needs the headcount; its ceiling of 100,000 does not).
    figure = (result[0].amount or (result[0].max_amount_fen or 0) / 100 or None) if result else None
    amount = _amount_text(policy.id, figure)
    # The amount is said once: many summaries already carry it ("…合计最高100万元").
    said = bool(amount[0]) and re.search(r"\d+(?:\.\d+)?万?元", amount[0]).group() in policy.summary.zh
    zh = f"{policy.title.zh}:{policy.summary.zh}" + (f"额度{amount[0]}。" if amount[0] and not said else "")
    en = f"{policy.title.en}: {policy.summary.en}" + (
        f" Amount: {amount[1]}." if amount[1] and not said else ""
    )
    return Reply(zh, en, citations=_citations(policy.id))


# Aspects a second question in one message may ask ("how much, and what documents?").
SECOND_ASPECTS = (
    "amount",
    "materials",
    "how_to_apply",
    "timing",
    "duration",
    "funding_source",
    "form",
    "location",
)
_JOINED = re.compile(r"\band\b|以及|还有|另外|和|[,,;;]")


def on_policy_question(user, text, slots, state, aspect: str | None = None) -> Reply:
    """The answer to the aspect asked (who pays, grant or equity, how long, when, materials, how
    to apply, stacking, where, how much), from the pack, each with its citation. A message that
    joins two questions about one benefit ("how much, and what documents?") gets both answers."""
    reply = _one_aspect(user, text, slots, state, aspect)
    if (
        not slots.get("policy")
        or aspect in (None, "overview", "stacking")
        or not _JOINED.search(text.lower())
    ):
        return reply
    from beiyang.agent.nlu import ASPECT_CUES

    lowered = text.lower()
    others = [a for a in SECOND_ASPECTS if a != aspect and re.search(ASPECT_CUES[a], lowered)]
    if not others:
        return reply
    parts = [_one_aspect(user, text, slots, state, a) for a in others[:1]]
    # The amount first: it is what founders read for.
    ordered = [*parts, reply] if others[0] == "amount" else [reply, *parts]
    merged = _merged(ordered)
    merged.suggestions = reply.suggestions
    return merged


def _one_aspect(user, text, slots, state, aspect: str | None) -> Reply:
    pack = _pack()
    policy = pack.policies.get(slots.get("policy", ""))
    if policy is None:
        return _no_benefit_named(user, text, state, aspect)
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
        return _documents(pack, policy, aspect, follow)
    if aspect == "amount":
        return _amount(pack, policy, follow)
    return _overview(pack, policy, follow)


def _no_benefit_named(user, text, state, aspect: str | None) -> Reply:
    from beiyang.agent.nlu import find_policies

    pack = _pack()
    named = list(dict.fromkeys(p for p, _alias in find_policies(text)))
    if aspect and aspect != "overview":
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


def _documents(pack, policy, aspect: str, follow: list[str]) -> Reply:
    """The documents to prepare; for how to apply, the steps and the review limit too."""
    from beiyang.policies.queries import document_name

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
        en = (
            f"Tell me “apply for the {_mid_sentence(policy.title.en)}” and confirm; I create the application. "
            f"{en} Upload them and submit for review"
        )
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


def _amount_and_note(pack, policy):
    from beiyang.policies.engine import evaluate

    result = evaluate(pack, {}, town_today(), policies=[policy.id], suggest=False).results
    # "Up to": the amount when it needs no fact of the founder's, else the policy's published bound
    # (startup capital's formula needs the headcount; its ceiling of 100,000 does not).
    figure = (result[0].amount or (result[0].max_amount_fen or 0) / 100 or None) if result else None
    amount = _amount_text(policy.id, figure)
    note = policy.amount.note if policy.amount and policy.amount.note else None
    return amount, note


def _amount(pack, policy, follow: list[str]) -> Reply:
    amount, note = _amount_and_note(pack, policy)
    zh = f"{policy.title.zh}{amount[0]}。" if amount[0] else f"{policy.title.zh}:文章没有给出固定金额。"
    en = (
        f"The {_mid_sentence(policy.title.en)} is {amount[1]}."
        if amount[1]
        else f"The article gives no fixed amount for the {_mid_sentence(policy.title.en)}."
    )
    if note:
        zh, en = zh + note.zh + "。", en + " " + note.en + "."
    return Reply(zh, en, citations=_citations(policy.id), suggestions=follow)


def _overview(pack, policy, follow: list[str]) -> Reply:
    amount, note = _amount_and_note(pack, policy)
    lines = [f"{policy.title.zh}:{policy.summary.zh}", f"提供方:{policy.provider.zh}。"]
    lines_en = [f"{policy.title.en}: {policy.summary.en}", f"Provided by {policy.provider.en}."]
    if amount[0]:
        lines.append(f"额度:{amount[0]}。")
        lines_en.append(f"Amount: {amount[1]}.")
    if note:
        lines.append(note.zh + "。")
        lines_en.append(note.en + ".")
    source = pack.sources[policy.sources[0]]
    document_en = {d.zh: d.en for d in pack.documents.values()}.get(source.document, source.document)
    lines.append(f"依据:{source.document}({source.clause}):“{source.quote}”")
    lines_en.append(f"Source: {document_en}.")  # the clause and quote are the article's Chinese
    return Reply("\n".join(lines), " ".join(lines_en), citations=_citations(policy.id), suggestions=follow)
