"""Whether the founder qualifies: the benefits engine on their profile, and the facts it asks for."""

from __future__ import annotations

import re
from typing import Any

from beiyang.agent.handlers.common import Reply, _amount_text, _citations, _company, _mid_sentence, _pack
from beiyang.core.errors import DomainError


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
    if data.get("evaluation_error"):  # the pack's rule could not be computed for this profile
        return Reply(
            f"暂时无法判断{title}:{data['evaluation_error']}",
            f"The {title_en} cannot be determined: {data['evaluation_error_en']}",
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
