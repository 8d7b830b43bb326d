"""Mentors, investors, incubators and people to hire, ranked for the founder's company."""

from __future__ import annotations

from beiyang.agent.handlers.common import Reply, _company


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
