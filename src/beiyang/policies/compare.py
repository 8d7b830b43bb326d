"""What a new pack version changes, said as a reader of the policies would say it.

``queries.diff_packs`` lists changes by id, for the API and for programs; this module turns
two packs into sentences for the town administrator who publishes: each policy by its title,
its maximum in the one money format, its criteria by their labels, its parameters by their
labels and values in words ("算力券 · 最高金额: 100万元 → 120万元"), never a parameter id,
an expression or JSON. Lines are written in the reader's language (``web.labels``).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from beiyang.core import words
from beiyang.policies import words as pack_words
from beiyang.policies.engine.pack import Pack, Parameter, Policy, Text

METHODS: dict[str, tuple[str, str]] = {
    "automatic": ("符合条件即自动享受", "Automatic once eligible"),
    "application": ("在线申请", "By application"),
    "nomination": ("推荐提名", "By nomination"),
}
LANES: dict[str, tuple[str, str]] = {
    "normal": ("普通通道", "Normal lane"),
    "priority": ("优先通道", "Priority lane"),
}
ARROW = " → "


def _t(text: Text | None) -> str:
    if text is None:
        return ""
    return text.en if words.english() and text.en else text.zh


def _pair(pair: tuple[str, str]) -> str:
    return pair[1] if words.english() else pair[0]


def max_amount(policy: Policy, pack: Pack, on: dt.date) -> Decimal | None:
    """The published upper bound ("最高10万元") on a date, from parameters only."""
    if policy.amount is None or policy.amount.max_fn is None:
        return None
    value = policy.amount.max_fn({}, pack.params_at(on))
    return None if value is None else Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _money(value: Decimal | None) -> str:
    return words.money(value) if value is not None else _("none")


def _value(parameter: Parameter, value: Any) -> str:
    if value is None:
        return _("none")
    unit = parameter.unit
    if unit == "years" and "年龄" in parameter.label.zh:
        return f"{value} years old" if words.english() else f"{value}周岁"
    return pack_words.param_value({"value": value, "unit": unit})


def _parameter_lines(old: Parameter | None, new: Parameter | None, on: dt.date) -> list[str]:
    """A parameter's change: its value today, then any value dated to come."""
    parameter = new or old
    name = _t(parameter.label)
    if old is None:
        return [
            _("New parameter %(name)s: %(value)s") % {"name": name, "value": _value(new, new.value_at(on))}
        ]
    if new is None:
        return [_("Parameter removed: %(name)s") % {"name": name}]
    lines = []
    before, after = old.value_at(on), new.value_at(on)
    if before != after:
        lines.append(_change(name, _value(old, before), _value(new, after)))
    for day, value in new.dated_values:
        if day > on and old.value_at(day) != value:
            lines.append(
                _("%(name)s: %(value)s from %(day)s")
                % {"name": name, "value": _value(new, value), "day": words.day_text(day)}
            )
    if old.assumption != new.assumption:
        lines.append(
            _("%(name)s is now confirmed by the source") % {"name": name}
            if not new.assumption
            else _("%(name)s is now a platform assumption") % {"name": name}
        )
    return lines


def _criteria_lines(old: Policy, new: Policy) -> list[str]:
    before = {c.id: c for c in old.criteria}
    after = {c.id: c for c in new.criteria}
    lines = []
    for cid, criterion in after.items():
        was = before.get(cid)
        if was is None:
            lines.append(_("New condition: %(c)s") % {"c": _t(criterion.label)})
        elif was.node != criterion.node or was.label != criterion.label:
            if was.label == criterion.label:
                lines.append(_("Condition reworked (same wording): %(c)s") % {"c": _t(criterion.label)})
            else:
                lines.append(
                    _("Condition changed: %(old)s → %(new)s")
                    % {"old": _t(was.label), "new": _t(criterion.label)}
                )
    for cid, criterion in before.items():
        if cid not in after:
            lines.append(_("Condition dropped: %(c)s") % {"c": _t(criterion.label)})
    return lines


def _document(code: str) -> str:
    return pack_words.document_label(code)


def _day_or_none(day: dt.date | None) -> str:
    return words.day_text(day) if day else _("no end date")


def _change(name: str, before: str, after: str) -> str:
    return f"{name}: {before}{ARROW}{after}"


def _policy_lines(old: Policy, new: Policy, old_pack: Pack, new_pack: Pack, on: dt.date) -> list[str]:
    lines = []
    if old.title != new.title:
        lines.append(_change(_("Name"), _t(old.title), _t(new.title)))
    before, after = max_amount(old, old_pack, on), max_amount(new, new_pack, on)
    said = set()  # parameters whose change the maximum already says
    if before != after:
        lines.append(_change(_("Maximum amount"), _money(before), _money(after)))
        said = set(new.amount.max_params if new.amount else ())
    elif old.amount and new.amount and old.amount.source != new.amount.source:
        note = _t(new.amount.note)
        lines.append(_("How the amount is worked out has changed") + (f": {note}" if note else ""))
    lines += _criteria_lines(old, new)
    for pid in sorted((set(old.params) | set(new.params)) - said):
        lines += _parameter_lines(old_pack.parameters.get(pid), new_pack.parameters.get(pid), on)
    unknown = ("—", "—")
    for name, table, attr in (
        (_("How to get it"), METHODS, "method"),
        (_("Review lane"), LANES, "lane_default"),
    ):
        if getattr(old, attr) != getattr(new, attr):
            lines.append(
                _change(
                    name,
                    _pair(table.get(getattr(old, attr), unknown)),
                    _pair(table.get(getattr(new, attr), unknown)),
                )
            )
    for message, codes in (
        (_("Documents now required: %(d)s"), [d for d in new.documents if d not in old.documents]),
        (_("Documents no longer required: %(d)s"), [d for d in old.documents if d not in new.documents]),
    ):
        if codes:
            lines.append(message % {"d": words.listing([_document(d) for d in codes])})
    if old.effective_from != new.effective_from:
        lines.append(
            _change(
                _("In force from"), words.day_text(old.effective_from), words.day_text(new.effective_from)
            )
        )
    if old.effective_to != new.effective_to:
        lines.append(
            _change(_("In force until"), _day_or_none(old.effective_to), _day_or_none(new.effective_to))
        )
    if old.summary != new.summary and not lines:
        lines.append(_("The description was reworded"))
    return lines


def _new_policy_lines(policy: Policy, pack: Pack, on: dt.date) -> list[str]:
    lines = [_t(policy.summary)]
    top = max_amount(policy, pack, on)
    if top is not None:
        lines.append(_("Maximum amount") + f": {_money(top)}")
    if policy.criteria:
        lines.append(
            _("Conditions: %(c)s")
            % {"c": ("; " if words.english() else ";").join(_t(c.label) for c in policy.criteria)}
        )
    else:
        lines.append(_("Open to every company"))
    return lines


def readable_diff(old: Pack, new: Pack, on: dt.date) -> dict[str, Any]:
    """The change from ``old`` to ``new`` as sentences: per policy (by title) and, apart,
    the parameters no policy uses (review and service time limits)."""
    policies = []
    for pid in sorted(set(old.policies) | set(new.policies)):
        a, b = old.policies.get(pid), new.policies.get(pid)
        if a is None:
            policies.append(
                {"title": _t(b.title), "change": "added", "lines": _new_policy_lines(b, new, on), "id": pid}
            )
        elif b is None:
            policies.append({"title": _t(a.title), "change": "removed", "lines": [], "id": pid})
        else:
            lines = _policy_lines(a, b, old, new, on)
            if lines:
                policies.append({"title": _t(b.title), "change": "changed", "lines": lines, "id": pid})
    used = {p for pack in (old, new) for policy in pack.policies.values() for p in policy.params}
    used |= {p for pack in (old, new) for c in pack.ceilings.values() for p in c.params}
    shared = []
    for pid in sorted((set(old.parameters) | set(new.parameters)) - used):
        shared += _parameter_lines(old.parameters.get(pid), new.parameters.get(pid), on)
    order = {"added": 0, "changed": 1, "removed": 2}
    policies.sort(key=lambda p: (order[p["change"]], p["title"]))
    return {"from": old.version, "to": new.version, "policies": policies, "other": shared}


def titled_preview(preview: dict[str, Any], old: Pack, new: Pack) -> dict[str, Any]:
    """``queries.preview_change`` with each policy's title (a new policy is in ``new`` only)."""
    for row in preview["policies"]:
        policy = new.policies.get(row["policy"]) or old.policies.get(row["policy"])
        row["title"] = _t(policy.title) if policy else "—"
    return preview
