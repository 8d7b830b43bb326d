"""Mentors, investors, incubators and people to hire, ranked for the founder's company."""

from __future__ import annotations

import re

from beiyang.agent.handlers.common import Reply, _company

INTERNS = re.compile(r"实习|intern", re.I)


def on_find_match(user, text, slots, state) -> Reply:
    from beiyang.matching.queries import rank

    kind = slots.get("match_kind", "mentor")
    results = rank(kind, _company(user), text, 3)
    # A company hiring interns can also post a "1+1" position for HKUST's students.
    interns = kind == "talent" and INTERNS.search(text)
    tip = (
        (
            "\n也可以发布港科大“1+1”实习岗位,说“发布一个…实习生岗位”即可。",
            "\nYou can also post a “1+1” internship for HKUST students: say “post a … intern position”.",
        )
        if interns
        else ("", "")
    )
    if not results:
        return Reply("暂时没有找到合适的对象。" + tip[0], "No match found yet." + tip[1])
    lines = [
        f"· {r['name']}{'(' + r['organisation'] + ')' if r['organisation'] else ''},匹配度{r['score']}:"
        + ";".join(x["label"] for x in r["reasons"][:2])
        for r in results
    ]
    lines_en = [
        f"· {r['name']}{' (' + r['organisation'] + ')' if r['organisation'] else ''}, match {r['score']}: "
        + "; ".join(x.get("label_en", x["label"]) for x in r["reasons"][:2])
        for r in results
    ]
    return Reply(
        "为您推荐:\n" + "\n".join(lines) + "\n可在“对接”页面一键请求引荐。" + tip[0],
        "Suggested for you:\n"
        + "\n".join(lines_en)
        + "\nAsk for an introduction in one tap on the Matches page."
        + tip[1],
        suggestions=["/matches/", "发布一个算法实习生岗位"] if interns else ["/matches/"],
    )
