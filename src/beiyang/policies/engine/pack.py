"""Loading a policy pack: YAML files in, a validated ``Pack`` out.

A pack is a mapping of file names to text (a directory on disk, or a stored version), so
that published versions can be kept in the database and compared. Errors name the file,
the line and the reason.

Layout::

    pack.yaml          id, version, effective_from, documents (the sources cited), ceilings
    facts.yaml         the facts criteria may use: type, labels, allowed values, derivations
    parameters.yaml    dated values with a reference and an ``assumption`` flag
    policies/*.yaml    one policy per file
    tests/*.yaml       cases: a profile, a date and the expected answers
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from beiyang.policies.engine import expr
from beiyang.policies.engine.errors import ExpressionError, PackError

LEVELS = {"city", "district", "town", "partner"}
KINDS = {"equity_investment", "voucher", "fee_waiver", "cash_grant", "programme", "venue", "competition"}
METHODS = {"automatic", "application", "nomination"}
FACT_TYPES = {"int", "money", "date", "bool", "enum", "set", "district"}
NAME_ROOTS = ("founder.", "company.")


# --- YAML with line numbers ---------------------------------------------------------------------


class _LineDict(dict[Any, Any]):
    line: int = 0


# libyaml's parser where PyYAML was built with it: the pure-Python one took most of the time
# of loading a pack (and so of every ``beiyang benefits`` call). Marks carry lines in both.
class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    out = _LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise PackError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(name: str, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)
    except PackError as exc:
        raise PackError(exc.reason, name, exc.line) from None
    except yaml.YAMLError as exc:
        # Where the broken construct began (an unclosed bracket) says more than the end of file.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        raise PackError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}", name, mark.line + 1 if mark else None
        ) from None


def _line(obj: Any) -> int | None:
    return getattr(obj, "line", None)


# --- Model ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    zh: str
    en: str


@dataclass
class Fact:
    id: str
    type: str
    label: Text
    mutable: bool = True
    values: dict[str, Text] = field(default_factory=dict)
    minimum: int | None = None
    maximum: int | None = None
    derive_age_from: str | None = None
    default: Any = None
    suggest: Text | None = None
    suggest_add: Text | None = None
    suggest_nonempty: Text | None = None

    def value_label(self, value: Any) -> Text:
        if isinstance(value, str) and value in self.values:
            return self.values[value]
        if isinstance(value, bool):
            return Text("是" if value else "否", "yes" if value else "no")
        return Text(str(value), str(value))


@dataclass
class Parameter:
    id: str
    label: Text
    unit: str
    dated_values: list[tuple[dt.date, Any]]
    reference: dict[str, Any]
    assumption: bool

    def value_at(self, on: dt.date) -> Any:
        dates = [d for d, _ in self.dated_values]
        i = bisect.bisect_right(dates, on) - 1
        if i < 0:
            return None
        return self.dated_values[i][1]


@dataclass
class Source:
    id: str
    document: str
    clause: str
    quote: str
    issuer: str = ""
    url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.id,
            "document": self.document,
            "clause": self.clause,
            "quote": self.quote,
            "issuer": self.issuer,
            "url": self.url,
        }


@dataclass
class Criterion:
    id: str
    label: Text
    source: str
    node: tuple[Any, ...]
    fn: expr.Scalar
    facts: tuple[str, ...]
    params: tuple[str, ...]


@dataclass
class Split:
    id: str
    label: Text
    share_source: str
    fn: expr.Scalar


@dataclass
class Amount:
    source: str
    node: tuple[Any, ...] | None
    fn: expr.Scalar | None
    facts: tuple[str, ...]
    params: tuple[str, ...]
    ceiling: str | None
    split: list[Split]
    note: Text | None
    # The published upper bound ("最高10万元"): parameters only, so it is known for every
    # profile, even when the formula lacks a fact.
    max_source: str
    max_fn: expr.Scalar | None
    max_params: tuple[str, ...]


@dataclass
class Ceiling:
    id: str
    label: Text
    amount_source: str
    fn: expr.Scalar
    used_fact: str
    policies: tuple[str, ...]
    params: tuple[str, ...]


@dataclass
class Policy:
    id: str
    title: Text
    summary: Text
    level: tuple[str, ...]
    kind: str
    provider: Text
    sources: tuple[str, ...]
    criteria: list[Criterion]
    amount: Amount | None
    method: str
    lane_default: str
    lane_priority_fn: expr.Scalar | None
    lane_priority_source: str
    documents: tuple[str, ...]
    sla_param: str | None
    effective_from: dt.date
    effective_to: dt.date | None
    facts: tuple[str, ...]
    params: tuple[str, ...]
    raw: dict[Any, Any]

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass
class Pack:
    id: str
    version: str
    title: Text
    effective_from: dt.date
    facts: dict[str, Fact]
    parameters: dict[str, Parameter]
    sources: dict[str, Source]
    documents: dict[str, Text]
    policies: dict[str, Policy]
    ceilings: dict[str, Ceiling]
    tests: list[dict[Any, Any]]
    files: dict[str, str]
    checksum: str
    document_types: dict[str, Text] = field(default_factory=dict)  # what an application may carry
    _params_cache: dict[Any, Any] = field(default_factory=dict[Any, Any], repr=False)
    bound_cache: dict[Any, Any] = field(default_factory=dict[Any, Any], repr=False)
    profile_memo: dict[Any, Any] = field(default_factory=dict[Any, Any], repr=False)

    def params_at(self, on: dt.date) -> dict[str, Any]:
        """All parameter values in force on a date (cached: packs are immutable once loaded)."""
        snapshot = self._params_cache.get(on)
        if snapshot is None:
            snapshot = {pid: p.value_at(on) for pid, p in self.parameters.items()}
            if len(self._params_cache) > 4096:
                self._params_cache.clear()
            self._params_cache[on] = snapshot
        return snapshot


# --- Parsing -------------------------------------------------------------------------------------


class _Ctx:
    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, reason: str, obj: Any = None, line: int | None = None) -> PackError:
        return PackError(reason, self.name, line if line is not None else _line(obj))

    def mapping(self, obj: Any, what: str, parent: Any = None) -> dict[Any, Any]:
        if not isinstance(obj, dict):
            raise self.fail(f"{what} must be a mapping", obj if isinstance(obj, dict) else parent)
        return obj

    def text(self, obj: Any, what: str, parent: Any = None) -> Text:
        if isinstance(obj, str):
            return Text(obj, obj)
        if (
            not isinstance(obj, dict)
            or not isinstance(obj.get("zh"), str)
            or not isinstance(obj.get("en"), str)
        ):
            raise self.fail(f"{what} needs zh and en text", obj if isinstance(obj, dict) else parent)
        return Text(obj["zh"], obj["en"])

    def date(self, obj: Any, what: str, parent: Any) -> dt.date:
        if isinstance(obj, dt.date) and not isinstance(obj, dt.datetime):
            return obj
        if isinstance(obj, str):
            try:
                return dt.date.fromisoformat(obj)
            except ValueError:
                pass
        raise self.fail(f"{what} must be a date YYYY-MM-DD, got {obj!r}", parent)

    def unknown_keys(self, obj: dict[Any, Any], allowed: set[str], what: str) -> None:
        extra = set(obj) - allowed
        if extra:
            raise self.fail(f"unknown key(s) in {what}: {', '.join(sorted(map(str, extra)))}", obj)


def _number(value: Any) -> Any:
    if isinstance(value, float):
        # YAML floats become exact decimals: money and shares are never binary floats here.
        return Decimal(str(value))
    if isinstance(value, list):
        return tuple(_number(v) for v in value)
    return value


def _parse_facts(ctx: _Ctx, data: Any) -> dict[str, Fact]:
    data = ctx.mapping(data, "facts.yaml")
    facts: dict[str, Fact] = {}
    for fid, spec in data.items():
        if not isinstance(fid, str) or not fid.startswith(NAME_ROOTS):
            raise ctx.fail(f"fact id {fid!r} must start with founder. or company.", data)
        spec = ctx.mapping(spec, f"fact {fid}", data)
        ctx.unknown_keys(
            spec,
            {
                "type",
                "label",
                "mutable",
                "values",
                "min",
                "max",
                "derive_age_from",
                "default",
                "suggest",
                "suggest_add",
                "suggest_nonempty",
            },
            f"fact {fid}",
        )
        ftype = spec.get("type")
        if ftype not in FACT_TYPES:
            raise ctx.fail(f"fact {fid}: type must be one of {', '.join(sorted(FACT_TYPES))}", spec)
        values = {
            str(k): ctx.text(v, f"fact {fid} value {k}", spec) for k, v in (spec.get("values") or {}).items()
        }
        if ftype in ("enum", "set") and not values:
            raise ctx.fail(f"fact {fid}: an {ftype} fact lists its values", spec)
        facts[fid] = Fact(
            id=fid,
            type=ftype,
            label=ctx.text(spec.get("label"), f"fact {fid} label", spec),
            mutable=bool(spec.get("mutable", True)),
            values=values,
            minimum=spec.get("min"),
            maximum=spec.get("max"),
            derive_age_from=spec.get("derive_age_from"),
            default=_number(spec.get("default")),
            suggest=ctx.text(spec["suggest"], f"fact {fid} suggest", spec) if "suggest" in spec else None,
            suggest_add=ctx.text(spec["suggest_add"], f"fact {fid} suggest_add", spec)
            if "suggest_add" in spec
            else None,
            suggest_nonempty=(
                ctx.text(spec["suggest_nonempty"], f"fact {fid} suggest_nonempty", spec)
                if "suggest_nonempty" in spec
                else None
            ),
        )
    for fact in facts.values():
        if fact.derive_age_from and fact.derive_age_from not in facts:
            raise ctx.fail(f"fact {fact.id} derives from unknown fact {fact.derive_age_from}", data)
    return facts


def _parse_parameters(ctx: _Ctx, data: Any, sources: dict[str, Source]) -> dict[str, Parameter]:
    data = ctx.mapping(data, "parameters.yaml")
    params: dict[str, Parameter] = {}
    for pid, spec in data.items():
        spec = ctx.mapping(spec, f"parameter {pid}", data)
        ctx.unknown_keys(
            spec, {"label", "unit", "values", "reference", "assumption", "note"}, f"parameter {pid}"
        )
        values = spec.get("values")
        if not isinstance(values, dict) or not values:
            raise ctx.fail(f"parameter {pid}: values must map dates to values", spec)
        dated = sorted((ctx.date(d, f"parameter {pid} date", spec), _number(v)) for d, v in values.items())
        reference = spec.get("reference")
        if not isinstance(reference, dict) or not (reference.get("source") or reference.get("note")):
            raise ctx.fail(f"parameter {pid}: a reference (source and clause, or a note) is required", spec)
        if reference.get("source") and reference["source"] not in sources:
            raise ctx.fail(f"parameter {pid}: unknown source {reference['source']!r}", reference)
        if "assumption" not in spec:
            raise ctx.fail(f"parameter {pid}: say assumption: true or false", spec)
        params[pid] = Parameter(
            id=pid,
            label=ctx.text(spec.get("label"), f"parameter {pid} label", spec),
            unit=str(spec.get("unit", "")),
            dated_values=dated,
            reference=dict(reference),
            assumption=bool(spec["assumption"]),
        )
    return params


def _compile(
    ctx: _Ctx, source: Any, what: str, obj: Any, facts: dict[str, Fact], params: dict[str, Parameter]
) -> tuple[tuple[Any, ...], expr.Scalar, tuple[str, ...], tuple[str, ...]]:
    if isinstance(source, bool | int):
        source = str(source).lower()
    if not isinstance(source, str):
        raise ctx.fail(f"{what} must be an expression", obj)
    try:
        node = expr.parse(source)
    except ExpressionError as exc:
        raise ctx.fail(f"{what}: {exc}", obj) from None
    used_facts, used_params = [], []
    for name in sorted(expr.names_in(node)):
        if name.startswith("params."):
            if name[7:] not in params:
                raise ctx.fail(f"{what}: unknown parameter {name}", obj)
            used_params.append(name[7:])
        elif name in facts:
            used_facts.append(name)
        elif name == expr.TODAY:
            continue
        else:
            raise ctx.fail(f"{what}: unknown fact {name}", obj)
    return node, expr.compile_scalar(node), tuple(used_facts), tuple(used_params)


def _parse_policy(
    ctx: _Ctx,
    data: Any,
    facts: dict[str, Fact],
    params: dict[str, Parameter],
    sources: dict[str, Source],
    ceilings_spec: dict[Any, Any],
    stored: bool = False,
) -> Policy:
    data = ctx.mapping(data, "a policy file")
    ctx.unknown_keys(
        data,
        {
            "id",
            "title",
            "summary",
            "level",
            "kind",
            "provider",
            "sources",
            "criteria",
            "amount",
            "apply",
            "effective",
            "aliases",
            "answers",
        },
        "policy",
    )
    pid = data.get("id")
    if not isinstance(pid, str) or not pid:
        raise ctx.fail("policy id is required", data)
    # Read by the service agent: the names founders use, and answers to questions by aspect.
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise ctx.fail(f"policy {pid}: aliases must be a list of names", data)
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        raise ctx.fail(f"policy {pid}: answers must map an aspect to an answer", data)
    for aspect, answer in answers.items():
        answer = ctx.mapping(answer, f"policy {pid} answer {aspect}", data)
        ctx.unknown_keys(answer, {"zh", "en", "source", "assumption"}, f"policy {pid} answer {aspect}")
        ctx.text({"zh": answer.get("zh"), "en": answer.get("en")}, f"policy {pid} answer {aspect}", answer)
        if answer.get("source") is not None and answer["source"] not in sources:
            raise ctx.fail(f"policy {pid} answer {aspect}: unknown source {answer['source']!r}", answer)
    level = data.get("level")
    level = tuple(level) if isinstance(level, list) else (level,)
    if not level or any(lv not in LEVELS for lv in level):
        raise ctx.fail(f"policy {pid}: level must be among {', '.join(sorted(LEVELS))}", data)
    if data.get("kind") not in KINDS:
        raise ctx.fail(f"policy {pid}: kind must be one of {', '.join(sorted(KINDS))}", data)
    policy_sources = tuple(data.get("sources") or ())
    if not policy_sources:
        raise ctx.fail(f"policy {pid}: cite at least one source", data)
    for sid in policy_sources:
        if sid not in sources:
            raise ctx.fail(f"policy {pid}: unknown source {sid!r}", data)
    criteria: list[Criterion] = []
    all_facts: set[str] = set()
    all_params: set[str] = set()
    seen: set[str] = set()
    for spec in data.get("criteria") or []:
        spec = ctx.mapping(spec, f"policy {pid} criterion", data)
        ctx.unknown_keys(spec, {"id", "label", "failed", "when", "source"}, f"policy {pid} criterion")
        if spec.get("failed") is not None:  # the criterion said as not met, for the agent
            ctx.text(spec["failed"], f"criterion {spec.get('id')} failed", spec)
        cid = spec.get("id")
        if not cid or cid in seen:
            raise ctx.fail(f"policy {pid}: each criterion needs a unique id", spec)
        seen.add(cid)
        source = spec.get("source", policy_sources[0])
        if source not in sources:
            raise ctx.fail(f"policy {pid} criterion {cid}: unknown source {source!r}", spec)
        node, fn, used_facts, used_params = _compile(
            ctx, spec.get("when"), f"policy {pid} criterion {cid}", spec, facts, params
        )
        all_facts.update(used_facts)
        all_params.update(used_params)
        criteria.append(
            Criterion(
                id=cid,
                label=ctx.text(spec.get("label"), f"criterion {cid} label", spec),
                source=source,
                node=node,
                fn=fn,
                facts=used_facts,
                params=used_params,
            )
        )
    amount = None
    if data.get("amount") is not None:
        spec = ctx.mapping(data["amount"], f"policy {pid} amount", data)
        ctx.unknown_keys(spec, {"formula", "max", "ceiling", "split", "note"}, f"policy {pid} amount")
        max_fn: expr.Scalar | None = None
        max_params: tuple[str, ...] = ()
        if spec.get("max") is not None:
            max_node, max_fn, max_facts, max_params = _compile(
                ctx, spec["max"], f"policy {pid} amount max", spec, facts, params
            )
            if max_facts or expr.TODAY in expr.names_in(max_node):
                raise ctx.fail(f"policy {pid}: the amount's max reads parameters only", spec)
            all_params.update(max_params)
        elif not stored:
            # A version stored before maxima existed still loads (it answers without one).
            raise ctx.fail(
                f"policy {pid}: the amount needs a max, its published upper bound (from parameters)", spec
            )
        if spec.get("formula") is None:
            # An amount that only explains (an equity investment decided case by case).
            node, fn, used_facts, used_params = None, None, (), ()  # type: ignore[assignment]
        else:
            node, fn, used_facts, used_params = _compile(
                ctx, spec["formula"], f"policy {pid} amount", spec, facts, params
            )
        all_facts.update(used_facts)
        all_params.update(used_params)
        ceiling = spec.get("ceiling")
        if ceiling is not None and ceiling not in ceilings_spec:
            raise ctx.fail(f"policy {pid}: unknown ceiling {ceiling!r}", spec)
        splits = []
        for part in spec.get("split") or []:
            part = ctx.mapping(part, f"policy {pid} split", spec)
            _n, share_fn, _f, share_params = _compile(
                ctx, part.get("share"), f"policy {pid} split share", part, facts, params
            )
            all_params.update(share_params)
            splits.append(
                Split(
                    id=str(part.get("id")),
                    label=ctx.text(part.get("label"), "split label", part),
                    share_source=str(part.get("share")),
                    fn=share_fn,
                )
            )
        if fn is None and (ceiling or splits):
            raise ctx.fail(f"policy {pid}: a ceiling or split needs a formula", spec)
        amount = Amount(
            source=str(spec.get("formula") or ""),
            node=node,
            fn=fn,
            facts=used_facts,
            params=used_params,
            ceiling=ceiling,
            split=splits,
            note=ctx.text(spec["note"], "amount note", spec) if spec.get("note") else None,
            max_source=str(spec.get("max") or ""),
            max_fn=max_fn,
            max_params=max_params,
        )
    apply = ctx.mapping(data.get("apply") or {}, f"policy {pid} apply", data)
    ctx.unknown_keys(
        apply, {"method", "lane", "priority_when", "documents", "sla_days_param"}, f"policy {pid} apply"
    )
    method = apply.get("method", "application")
    if method not in METHODS:
        raise ctx.fail(f"policy {pid}: apply.method must be one of {', '.join(sorted(METHODS))}", apply)
    priority_fn = None
    if apply.get("priority_when"):
        _n, priority_fn, used_facts, _p = _compile(
            ctx, apply["priority_when"], f"policy {pid} priority_when", apply, facts, params
        )
    sla_param = apply.get("sla_days_param")
    if sla_param is not None and sla_param not in params:
        raise ctx.fail(f"policy {pid}: unknown parameter {sla_param}", apply)
    effective = ctx.mapping(data.get("effective") or {}, f"policy {pid} effective", data)
    eff_from = ctx.date(effective.get("from"), f"policy {pid} effective.from", effective)
    eff_to = (
        ctx.date(effective["to"], f"policy {pid} effective.to", effective) if effective.get("to") else None
    )
    if eff_to and eff_to < eff_from:
        raise ctx.fail(f"policy {pid}: effective.to is before effective.from", effective)
    return Policy(
        id=pid,
        title=ctx.text(data.get("title"), f"policy {pid} title", data),
        summary=ctx.text(data.get("summary"), f"policy {pid} summary", data),
        level=level,
        kind=data["kind"],
        provider=ctx.text(data.get("provider"), f"policy {pid} provider", data),
        sources=policy_sources,
        criteria=criteria,
        amount=amount,
        method=method,
        lane_default=str(apply.get("lane", "normal")),
        lane_priority_fn=priority_fn,
        lane_priority_source=str(apply.get("priority_when", "")),
        documents=tuple(apply.get("documents") or ()),
        sla_param=sla_param,
        effective_from=eff_from,
        effective_to=eff_to,
        facts=tuple(sorted(all_facts)),
        params=tuple(sorted(all_params)),
        raw=data,
    )


def load_pack(files: dict[str, str], *, stored: bool = False) -> Pack:
    """Build a pack from ``{relative path: YAML text}``. ``stored`` is for versions already in
    the database, which may predate a rule new imports must follow (an amount's ``max``)."""
    if "pack.yaml" not in files:
        raise PackError("pack.yaml is missing", "pack.yaml")
    ctx = _Ctx("pack.yaml")
    meta = ctx.mapping(_load_yaml("pack.yaml", files["pack.yaml"]), "pack.yaml")
    ctx.unknown_keys(
        meta,
        {
            "id",
            "version",
            "title",
            "effective_from",
            "documents",
            "application_documents",
            "sources",
            "ceilings",
            "description",
        },
        "pack.yaml",
    )
    for key in ("id", "version"):
        if not meta.get(key):
            raise ctx.fail(f"pack.yaml: {key} is required", meta)
    documents = {str(k): ctx.text(v, f"document {k}", meta) for k, v in (meta.get("documents") or {}).items()}
    document_types = {
        str(k): ctx.text(v, f"application document {k}", meta)
        for k, v in ctx.mapping(
            meta.get("application_documents") or {}, "application_documents", meta
        ).items()
    }
    sources: dict[str, Source] = {}
    for sid, spec in (meta.get("sources") or {}).items():
        spec = ctx.mapping(spec, f"source {sid}", meta)
        ctx.unknown_keys(spec, {"document", "clause", "quote", "issuer", "url"}, f"source {sid}")
        if spec.get("document") not in documents:
            raise ctx.fail(f"source {sid}: unknown document {spec.get('document')!r}", spec)
        if not spec.get("quote"):
            raise ctx.fail(f"source {sid}: quote the text it rests on", spec)
        sources[str(sid)] = Source(
            id=str(sid),
            document=documents[spec["document"]].zh,
            clause=str(spec.get("clause", "")),
            quote=str(spec["quote"]),
            issuer=str(spec.get("issuer", "")),
            url=str(spec.get("url", "")),
        )
    for required in ("facts.yaml", "parameters.yaml"):
        if required not in files:
            raise PackError(f"{required} is missing", required)
    facts = _parse_facts(_Ctx("facts.yaml"), _load_yaml("facts.yaml", files["facts.yaml"]))
    params = _parse_parameters(
        _Ctx("parameters.yaml"), _load_yaml("parameters.yaml", files["parameters.yaml"]), sources
    )
    ceilings_spec = ctx.mapping(meta.get("ceilings") or {}, "ceilings", meta)
    policies: dict[str, Policy] = {}
    for name in sorted(f for f in files if f.startswith("policies/") and f.endswith((".yaml", ".yml"))):
        pctx = _Ctx(name)
        policy = _parse_policy(
            pctx, _load_yaml(name, files[name]), facts, params, sources, ceilings_spec, stored
        )
        if policy.id in policies:
            raise pctx.fail(f"policy id {policy.id!r} is used twice", policy.raw)
        unnamed = [d for d in policy.documents if d not in document_types]
        if unnamed and (document_types or not stored):
            # Versions stored before document names moved into the pack carry none.
            raise pctx.fail(
                f"apply.documents: {', '.join(unnamed)} not in pack.yaml application_documents", policy.raw
            )
        policies[policy.id] = policy
    if not policies:
        raise PackError("no policies/*.yaml files", "policies/")
    ceilings: dict[str, Ceiling] = {}
    for cid, spec in ceilings_spec.items():
        spec = ctx.mapping(spec, f"ceiling {cid}", meta)
        _n, fn, _f, used_params = _compile(ctx, spec.get("amount"), f"ceiling {cid}", spec, facts, params)
        used_fact = spec.get("used_fact")
        if used_fact not in facts:
            raise ctx.fail(f"ceiling {cid}: used_fact must be a fact", spec)
        members = tuple(p for p, pol in policies.items() if pol.amount and pol.amount.ceiling == cid)
        ceilings[str(cid)] = Ceiling(
            id=str(cid),
            label=ctx.text(spec.get("label"), f"ceiling {cid} label", spec),
            amount_source=str(spec.get("amount")),
            fn=fn,
            used_fact=used_fact,
            policies=members,
            params=used_params,
        )
    tests: list[dict[Any, Any]] = []
    for name in sorted(f for f in files if f.startswith("tests/") and f.endswith((".yaml", ".yml"))):
        cases = _load_yaml(name, files[name]) or []
        if not isinstance(cases, list):
            raise PackError("a test file is a list of cases", name)
        for case in cases:
            if not isinstance(case, dict) or "profile" not in case or "expect" not in case:
                raise PackError("each test case has a name, a profile and expect", name, _line(case))
            for pid in case["expect"]:
                if pid not in policies:
                    raise PackError(f"test expects unknown policy {pid!r}", name, _line(case))
            tests.append({**case, "file": name, "line": _line(case)})
    checksum = hashlib.sha256("".join(f"{k}\0{files[k]}\0" for k in sorted(files)).encode()).hexdigest()
    return Pack(
        id=str(meta["id"]),
        version=str(meta["version"]),
        title=ctx.text(meta.get("title"), "pack title", meta),
        effective_from=ctx.date(meta.get("effective_from"), "effective_from", meta),
        facts=facts,
        parameters=params,
        sources=sources,
        documents=documents,
        document_types=document_types,
        policies=policies,
        ceilings=ceilings,
        tests=tests,
        files=dict(files),
        checksum=checksum,
    )


def read_pack_files(directory: str | Path) -> dict[str, str]:
    root = Path(directory)
    if not root.is_dir():
        raise PackError(f"no pack directory at {root}")
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.suffix in (".yaml", ".yml") and p.is_file()
    }


def load_pack_dir(directory: str | Path) -> Pack:
    return load_pack(read_pack_files(directory))
