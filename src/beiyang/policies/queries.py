"""Reads of the benefits capability: the pack in force, evaluations, diffs and previews."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from django.conf import settings
from django.utils import timezone

from beiyang.companies.models import Company, Membership
from beiyang.core.errors import InvalidInput, NotFound
from beiyang.policies.engine import Evaluation, Pack, PackError, ProfileError, evaluate, load_pack
from beiyang.policies.engine.boundary import check_boundaries
from beiyang.policies.engine.evaluate import EARLIEST_DATE, LATEST_DATE, bound_policies
from beiyang.policies.engine.pack import Text, read_pack_files
from beiyang.policies.models import PackVersion
from beiyang.policies.signals import company_facts_wanted, parameters_required

_packs: dict[str, Pack] = {}
_lock = threading.Lock()
_disk_pack: Pack | None = None
_current: tuple[float, Pack] | None = None
PACK_RECHECK_SECONDS = 5.0


def engine_error(exc: Exception) -> InvalidInput:
    if isinstance(exc, ProfileError):
        return InvalidInput(exc.message, exc.message_en, field=exc.field, code="invalid_profile")
    if isinstance(exc, PackError):
        return InvalidInput(
            f"政策包无效:{exc}", f"Invalid policy pack: {exc}", field="pack", code="invalid_pack"
        )
    raise exc


def pack_from_files(files: dict[str, str], *, stored: bool = False) -> Pack:
    try:
        return load_pack(files, stored=stored)
    except PackError as exc:
        raise engine_error(exc) from None


# The figures the platform's own code reads from every town's pack (vouchers, review clocks,
# the service team's hours); a pack without one would fail the first request that needs it.
PLATFORM_PARAMETERS = (
    "vouchers.ceiling_cny",
    "vouchers.city_share",
    "vouchers.subsidy_rate",
    "vouchers.validity_days",
    "review.sla_priority_days",
    "review.sla_normal_days",
    "review.four_eyes_threshold_cny",
    "service.workday_start_hour",
    "service.workday_end_hour",
    "service.remind_before_hours",
    "service.reopen_days",
)


def platform_parameters() -> list[str]:
    names = list(PLATFORM_PARAMETERS)
    for _receiver, more in parameters_required.send(sender=Pack):
        names += list(more)
    return names


def check_pack_runs(pack: Pack) -> None:
    """Refuse (4xx, with the reason) a pack the platform cannot run: one missing a parameter the
    platform reads, or a rule of which cannot be computed for a boundary profile (the policy,
    date and profile named). Run before a version is imported and before it is published."""
    missing = [name for name in platform_parameters() if name not in pack.parameters]
    if missing:
        raise engine_error(PackError(f"platform parameters missing: {', '.join(missing)}", "parameters.yaml"))
    try:
        check_boundaries(pack)
    except PackError as exc:
        raise engine_error(exc) from None


def _cached(checksum: str, files_loader) -> Pack:
    pack = _packs.get(checksum)
    if pack is None:
        with _lock:
            pack = _packs.get(checksum)
            if pack is None:
                pack = pack_from_files(files_loader(), stored=True)
                _packs[checksum] = pack
    return pack


def disk_pack() -> Pack:
    """The pack shipped in the repository, read once per process."""
    global _disk_pack
    if _disk_pack is None:
        with _lock:
            if _disk_pack is None:
                _disk_pack = pack_from_files(read_pack_files(settings.POLICY_PACK_DIR))
    return _disk_pack


def pack_for_version(version: PackVersion) -> Pack:
    return _cached(version.checksum, lambda: version.files)


def published_version() -> PackVersion | None:
    return (
        PackVersion.objects.filter(status=PackVersion.PUBLISHED)
        .only("id", "checksum", "version")
        .order_by("-published_at", "-id")
        .first()
    )


def current_pack() -> Pack:
    """The published pack, or the pack shipped in the repository while none is published.

    Which version is published is looked up at most every ``PACK_RECHECK_SECONDS`` per
    process (publishing clears it at once in the publishing process)."""
    global _current
    now = time.monotonic()
    if _current is not None and now - _current[0] < PACK_RECHECK_SECONDS:
        return _current[1]
    version = published_version()
    if version is None:
        pack = disk_pack()
    else:
        pack = _packs.get(version.checksum) or pack_for_version(PackVersion.objects.get(pk=version.pk))
    _current = (now, pack)
    return pack


def fact_value_label(fact_id: str, value: Any) -> Text:
    """A fact's value in words from the pack in force (大模型 / large language models for
    ``llm``): the pack is the one source of this vocabulary."""
    fact = current_pack().facts.get(fact_id)
    if fact is None:
        return Text(str(value), str(value))
    return fact.value_label(value)


def document_name(code: str) -> Text:
    """What an application document is called (商业计划书 / business plan): from the pack in
    force, else the repository's (a version stored before the names moved into the pack)."""
    for pack in (current_pack(), disk_pack()):
        name = pack.document_types.get(code)
        if name is not None:
            return name
    return Text("其他材料", code.replace("_", " "))


def offers(as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """What the town offers, from the pack in force: each policy in force with its title and
    published upper bound (最高10万元), in both languages."""
    heads = [b.static()["_head"] for b in bound_policies(current_pack(), check_as_of(as_of))]
    return [
        {k: head[k] for k in ("policy", "title", "title_en", "max_amount_label", "max_amount_label_en")}
        for head in heads
    ]


def voucher_kinds() -> dict[str, Text]:
    """The kinds of voucher the pack in force defines (算力券 / Compute voucher …), else the
    repository's (a version stored before the kinds moved into the pack)."""
    return current_pack().voucher_kinds or disk_pack().voucher_kinds


def voucher_kind_name(kind: str) -> Text:
    return voucher_kinds().get(kind) or Text(kind, kind)


def forget_current_pack() -> None:
    global _current
    _current = None


def check_as_of(as_of: dt.date | None) -> dt.date:
    as_of = as_of or timezone.localdate()
    if not EARLIEST_DATE <= as_of <= LATEST_DATE:
        raise InvalidInput(
            "评估日期应在2000年至2100年之间",
            "as_of must be between 2000 and 2100",
            field="as_of",
            code="invalid_date",
        )
    return as_of


def evaluate_profile(
    profile: dict[str, Any],
    as_of: dt.date | None = None,
    policies: list[str] | None = None,
    pack: Pack | None = None,
) -> Evaluation:
    pack = pack or current_pack()
    as_of = check_as_of(as_of)
    if policies:
        unknown = [p for p in policies if p not in pack.policies]
        if unknown:
            raise InvalidInput(
                f"未知的政策:{'、'.join(unknown)}",
                f"Unknown policy: {', '.join(unknown)}",
                field="policies",
                code="unknown_policy",
            )
    try:
        return evaluate(pack, profile, as_of, policies=policies or None)
    except ProfileError as exc:
        raise engine_error(exc) from None


def lead_founder(company: Company):
    membership = (
        Membership.objects.select_related("user").filter(company=company).order_by("role", "id").first()
    )
    return membership.user if membership else None


def company_profile(company: Company, as_of: dt.date | None = None) -> dict[str, Any]:
    """The engine's profile for a company: its record, its lead founder, and the facts other apps
    know of it (what it has been granted)."""
    founder = lead_founder(company)
    company_facts: dict[str, Any] = {
        "district": company.district or None,
        "sectors": list(company.sectors or []),
        "stage": company.stage or None,
        "founded_on": company.founded_on,
        "programmes": list(company.programmes or []),
        "in_town": company.in_town,
        "headcount": company.headcount,
    }
    # Facts other apps own (what the company was granted in vouchers) come from those apps.
    for _receiver, facts in company_facts_wanted.send(
        sender=Company, company=company, as_of=as_of or timezone.localdate()
    ):
        company_facts.update(facts)
    return {"founder": {"birth_date": founder.birth_date if founder else None}, "company": company_facts}


def evaluate_company(company: Company, as_of: dt.date | None = None, pack: Pack | None = None) -> Evaluation:
    as_of = check_as_of(as_of)
    return evaluate_profile(company_profile(company, as_of), as_of, pack=pack)


def policy_or_404(pack: Pack, policy_id: str):
    policy = pack.policies.get(policy_id)
    if policy is None:
        raise NotFound("未知的政策", "No such policy", field="policy", code="unknown_policy")
    return policy


def pack_versions() -> list[PackVersion]:
    return list(PackVersion.objects.defer("files").order_by("-id"))


def access_version(version_id: int) -> PackVersion:
    version = PackVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("政策包版本不存在", "No such pack version", field="version_id")
    return version


def diff_packs(old: Pack, new: Pack) -> dict[str, Any]:
    """What changed between two packs: parameters (value today and future dates), policies
    added, removed or changed (criteria, amount, how to apply)."""
    params = []
    for pid in sorted(set(old.parameters) | set(new.parameters)):
        a, b = old.parameters.get(pid), new.parameters.get(pid)
        if a is None or b is None or a.dated_values != b.dated_values or a.assumption != b.assumption:
            params.append(
                {
                    "parameter": pid,
                    "label": (b or a).label.zh,
                    "old": [[d.isoformat(), _plain(v)] for d, v in a.dated_values] if a else None,
                    "new": [[d.isoformat(), _plain(v)] for d, v in b.dated_values] if b else None,
                }
            )
    policies = []
    for pid in sorted(set(old.policies) | set(new.policies)):
        a, b = old.policies.get(pid), new.policies.get(pid)
        if a is None or b is None:
            policies.append(
                {"policy": pid, "change": "added" if a is None else "removed", "title": (b or a).title.zh}
            )
            continue
        changes = []
        old_criteria = {c.id: c for c in a.criteria}
        new_criteria = {c.id: c for c in b.criteria}
        for cid in sorted(set(old_criteria) | set(new_criteria)):
            ca, cb = old_criteria.get(cid), new_criteria.get(cid)
            if ca is None or cb is None or ca.node != cb.node:
                changes.append({"criterion": cid, "old": _when(ca), "new": _when(cb)})
        if (a.amount and a.amount.source) != (b.amount and b.amount.source):
            changes.append(
                {
                    "amount": True,
                    "old": a.amount.source if a.amount else None,
                    "new": b.amount.source if b.amount else None,
                }
            )
        for attr in ("method", "lane_default", "documents", "effective_from", "effective_to"):
            if getattr(a, attr) != getattr(b, attr):
                changes.append({attr: True, "old": _plain(getattr(a, attr)), "new": _plain(getattr(b, attr))})
        if changes:
            policies.append({"policy": pid, "change": "changed", "title": b.title.zh, "changes": changes})
    return {"from": old.version, "to": new.version, "parameters": params, "policies": policies}


def _when(criterion) -> str | None:
    return None if criterion is None else criterion.label.zh


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if not isinstance(value, int | str | bool | type(None)) else value


def preview_change(old: Pack, new: Pack, as_of: dt.date | None = None) -> dict[str, Any]:
    """Which companies gain or lose each benefit if ``new`` replaces ``old``."""
    as_of = check_as_of(as_of)
    gains: dict[str, list[dict]] = {}
    losses: dict[str, list[dict]] = {}
    companies = Company.objects.all().order_by("id")
    for company in companies.iterator(chunk_size=500):
        profile = company_profile(company, as_of)
        before = {r.policy.id: r.status for r in evaluate(old, profile, as_of, suggest=False).results}
        after = {r.policy.id: r.status for r in evaluate(new, profile, as_of, suggest=False).results}
        for pid in set(before) | set(after):
            was, now = before.get(pid) == "eligible", after.get(pid) == "eligible"
            if now and not was:
                gains.setdefault(pid, []).append({"company_id": company.pk, "name": company.name})
            elif was and not now:
                losses.setdefault(pid, []).append({"company_id": company.pk, "name": company.name})
    policies = sorted(set(gains) | set(losses))
    return {
        "as_of": as_of.isoformat(),
        "companies": companies.count(),
        "policies": [{"policy": p, "gain": gains.get(p, []), "lose": losses.get(p, [])} for p in policies],
    }
