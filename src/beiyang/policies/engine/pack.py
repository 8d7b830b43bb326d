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

from beiyang.policies.engine import expr, types
from beiyang.policies.engine.errors import EvaluationError, ExpressionError, PackError

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


# A pack is a few dozen small files, a few levels deep (the deepest, a test case's profile, is 5).
# These bounds are checked on the parser's event stream before anything is built: composing a
# tree recurses once per level (the C composer overflowed the C stack at 100,000 ``[``, killing
# the process; the Python one raised RecursionError at a few thousand), and aliases can make a
# tiny file stand for an exponential one. Events come from a state machine with its stack on
# the heap, and the scan stops at the first level past the bound.
MAX_FILE_CHARS = 512 * 1024
MAX_YAML_DEPTH = 16
MAX_YAML_NODES = 20_000
_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
_OPEN_EVENTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE_EVENTS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _event_line(event: yaml.Event) -> int | None:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else None


def check_yaml_shape(name: str, text: str) -> None:
    """Refuse a file longer, deeper or larger than a pack needs, or one with aliases, before it
    is parsed into objects. Reads events only (no tree), so it cannot exhaust a stack."""
    if len(text) > MAX_FILE_CHARS:
        raise PackError(f"file longer than {MAX_FILE_CHARS // 1024} KB", name)
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_LineLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise PackError("anchors and aliases (& and *) are not allowed", name, _event_line(event))
        if isinstance(event, _NODE_EVENTS):
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise PackError(f"more than {MAX_YAML_NODES} values in one file", name)
        if isinstance(event, _OPEN_EVENTS):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise PackError(f"nested deeper than {MAX_YAML_DEPTH} levels", name, _event_line(event))
        elif isinstance(event, _CLOSE_EVENTS):
            depth -= 1


def _load_yaml(name: str, text: str) -> Any:
    try:
        check_yaml_shape(name, text)
        return yaml.load(text, Loader=_LineLoader)
    except PackError as exc:
        raise PackError(exc.reason, exc.file or name, exc.line) from None
    except yaml.YAMLError as exc:
        # Where the broken construct began (an unclosed bracket) says more than the end of file.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        raise PackError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}", name, mark.line + 1 if mark else None
        ) from None
    except (ValueError, TypeError, OverflowError) as exc:
        # What a constructor raises on a value YAML's grammar accepts: 2025-02-30 as a date,
        # a list as a mapping key.
        raise PackError(f"not valid YAML: {exc}", name) from None


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
    type: str = types.ANY  # the type expressions see (types.py), the same on every date

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
    aliases: tuple[str, ...] = ()
    # What an approved application sets in motion (``grants`` in the policy file).
    voucher_kind: str | None = None
    waiver_months_param: str | None = None

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
    voucher_kinds: dict[str, Text] = field(default_factory=dict)  # the voucher ledger's kinds
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
    def __init__(self, name: str, *, strict: bool = True) -> None:
        self.name = name
        self.strict = strict

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
        for bound in ("min", "max"):
            value = spec.get(bound)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or abs(value) > expr.MAX_MAGNITUDE
            ):
                raise ctx.fail(f"fact {fid}: {bound} is a whole number up to {expr.MAX_MAGNITUDE:,}", spec)
        default = _number(spec.get("default"))
        if default is not None and types.value_type(default) != types.FACT_TYPES[ftype]:
            raise ctx.fail(f"fact {fid}: default must be {types.WORDS[types.FACT_TYPES[ftype]]}", spec)
        facts[fid] = Fact(
            id=fid,
            type=ftype,
            label=ctx.text(spec.get("label"), f"fact {fid} label", spec),
            mutable=bool(spec.get("mutable", True)),
            values=values,
            minimum=spec.get("min"),
            maximum=spec.get("max"),
            derive_age_from=spec.get("derive_age_from"),
            default=frozenset(default) if isinstance(default, tuple) else default,
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
        value_type = _parameter_type(ctx, pid, dated, spec)
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
            type=value_type,
        )
    return params


def _parameter_type(ctx: _Ctx, pid: str, dated: list[tuple[dt.date, Any]], spec: dict[Any, Any]) -> str:
    """One type on every date, each value within the expression language's bounds."""
    found = set()
    for _day, value in dated:
        try:
            found.add(types.value_type(value))
            expr.bounded(value)
            if isinstance(value, tuple):
                for item in value:
                    if types.value_type(item) not in types.SCALARS:
                        raise ExpressionError("a list parameter holds single values")
                    expr.bounded(item)
        except (ExpressionError, EvaluationError) as exc:
            if ctx.strict:
                raise ctx.fail(f"parameter {pid}: {exc}", spec) from None
            return types.ANY
    if len(found) > 1 and ctx.strict:
        raise ctx.fail(f"parameter {pid}: every date's value has one type", spec)
    return found.pop() if len(found) == 1 else types.ANY


def _name_types(facts: dict[str, Fact], params: dict[str, Parameter]) -> dict[str, str]:
    names = {fid: types.FACT_TYPES[f.type] for fid, f in facts.items()}
    names.update({f"params.{pid}": p.type for pid, p in params.items()})
    return names


def _compile(
    ctx: _Ctx,
    source: Any,
    what: str,
    obj: Any,
    facts: dict[str, Fact],
    params: dict[str, Parameter],
    want: str = types.ANY,
) -> tuple[tuple[Any, ...], expr.Scalar, tuple[str, ...], tuple[str, ...]]:
    """Parse, name-check and type-check one expression (``want``: the type its place needs)."""
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
    if ctx.strict:
        # Versions already stored are read as they were published; evaluation errors in them
        # are answered as "cannot be determined" per policy.
        try:
            got = types.type_of(node, _name_types(facts, params))
        except ExpressionError as exc:
            raise ctx.fail(f"{what}: {exc.reason}", obj) from None
        if want != types.ANY and got not in (want, types.ANY):
            raise ctx.fail(f"{what}: gives {types.WORDS[got]}, needs {types.WORDS[want]}", obj)
    return node, expr.compile_scalar(node), tuple(used_facts), tuple(used_params)


class _PolicyParts:
    """What a policy file's sections add to the policy: the facts and parameters they read."""

    def __init__(self, ctx: _Ctx, pid: str, facts: dict[str, Fact], params: dict[str, Parameter]) -> None:
        self.ctx, self.pid, self.facts, self.params = ctx, pid, facts, params
        self.used_facts: set[str] = set()
        self.used_params: set[str] = set()

    def compile(self, source: Any, what: str, obj: Any, want: str) -> tuple[Any, ...]:
        node, fn, used_facts, used_params = _compile(
            self.ctx, source, f"policy {self.pid} {what}", obj, self.facts, self.params, want
        )
        self.used_facts.update(used_facts)
        self.used_params.update(used_params)
        return node, fn, used_facts, used_params


POLICY_KEYS = {
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
    "grants",
}


def _parse_agent_text(
    ctx: _Ctx, pid: str, data: dict[Any, Any], sources: dict[str, Source]
) -> tuple[str, ...]:
    """Read by the service agent: the names founders use, and answers to questions by aspect."""
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
    return tuple(aliases)


def _parse_classification(
    ctx: _Ctx, pid: str, data: dict[Any, Any], sources: dict[str, Source]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The policy's level(s) and kind, and the sources it cites."""
    level = data.get("level")
    level = tuple(level) if isinstance(level, list) else (level,)
    if not level or any(not isinstance(lv, str) or lv not in LEVELS for lv in level):
        raise ctx.fail(f"policy {pid}: level must be among {', '.join(sorted(LEVELS))}", data)
    if data.get("kind") not in KINDS:
        raise ctx.fail(f"policy {pid}: kind must be one of {', '.join(sorted(KINDS))}", data)
    cited = data.get("sources") or ()
    if not isinstance(cited, list) or not cited:
        raise ctx.fail(f"policy {pid}: cite at least one source", data)
    for sid in cited:
        if not isinstance(sid, str) or sid not in sources:
            raise ctx.fail(f"policy {pid}: unknown source {sid!r}", data)
    return level, tuple(cited)


def _parse_criteria(
    parts: _PolicyParts, data: dict[Any, Any], sources: dict[str, Source], default_source: str
) -> list[Criterion]:
    ctx, pid = parts.ctx, parts.pid
    specs = data.get("criteria") or []
    if not isinstance(specs, list):
        raise ctx.fail(f"policy {pid}: criteria must be a list", data)
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for spec in specs:
        spec = ctx.mapping(spec, f"policy {pid} criterion", data)
        ctx.unknown_keys(spec, {"id", "label", "failed", "when", "source"}, f"policy {pid} criterion")
        if spec.get("failed") is not None:  # the criterion said as not met, for the agent
            ctx.text(spec["failed"], f"criterion {spec.get('id')} failed", spec)
        cid = spec.get("id")
        if not isinstance(cid, str) or not cid or cid in seen:
            raise ctx.fail(f"policy {pid}: each criterion needs a unique id", spec)
        seen.add(cid)
        source = spec.get("source", default_source)
        if not isinstance(source, str) or source not in sources:
            raise ctx.fail(f"policy {pid} criterion {cid}: unknown source {source!r}", spec)
        node, fn, used_facts, used_params = parts.compile(
            spec.get("when"), f"criterion {cid}", spec, types.BOOL
        )
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
    return criteria


def _parse_amount(
    parts: _PolicyParts, data: dict[Any, Any], ceilings_spec: dict[Any, Any], stored: bool
) -> Amount | None:
    ctx, pid = parts.ctx, parts.pid
    if data.get("amount") is None:
        return None
    spec = ctx.mapping(data["amount"], f"policy {pid} amount", data)
    ctx.unknown_keys(spec, {"formula", "max", "ceiling", "split", "note"}, f"policy {pid} amount")
    max_fn, max_params = None, ()
    if spec.get("max") is not None:
        max_node, max_fn, max_facts, max_params = parts.compile(spec["max"], "amount max", spec, types.NUM)
        if max_facts or expr.TODAY in expr.names_in(max_node):
            raise ctx.fail(f"policy {pid}: the amount's max reads parameters only", spec)
    elif not stored:
        # A version stored before maxima existed still loads (it answers without one).
        raise ctx.fail(
            f"policy {pid}: the amount needs a max, its published upper bound (from parameters)", spec
        )
    if spec.get("formula") is None:
        # An amount that only explains (an equity investment decided case by case).
        node, fn, used_facts, used_params = None, None, (), ()
    else:
        node, fn, used_facts, used_params = parts.compile(spec["formula"], "amount", spec, types.NUM)
    ceiling = spec.get("ceiling")
    if ceiling is not None and (not isinstance(ceiling, str) or ceiling not in ceilings_spec):
        raise ctx.fail(f"policy {pid}: unknown ceiling {ceiling!r}", spec)
    split_specs = spec.get("split") or []
    if not isinstance(split_specs, list):
        raise ctx.fail(f"policy {pid}: split must be a list", spec)
    splits = []
    for part in split_specs:
        part = ctx.mapping(part, f"policy {pid} split", spec)
        _n, share_fn, _f, _p = parts.compile(part.get("share"), "split share", part, types.NUM)
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
    return Amount(
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


@dataclass
class _Apply:
    method: str
    lane: str
    priority_fn: expr.Scalar | None
    priority_source: str
    documents: tuple[str, ...]
    sla_param: str | None


def _parse_apply(parts: _PolicyParts, data: dict[Any, Any]) -> _Apply:
    ctx, pid = parts.ctx, parts.pid
    apply = ctx.mapping(data.get("apply") or {}, f"policy {pid} apply", data)
    ctx.unknown_keys(
        apply, {"method", "lane", "priority_when", "documents", "sla_days_param"}, f"policy {pid} apply"
    )
    method = apply.get("method", "application")
    if method not in METHODS:
        raise ctx.fail(f"policy {pid}: apply.method must be one of {', '.join(sorted(METHODS))}", apply)
    priority_fn = None
    if apply.get("priority_when"):
        # Read per profile, outside the criteria: its facts are not the policy's own.
        priority_fn = _compile(
            ctx,
            apply["priority_when"],
            f"policy {pid} priority_when",
            apply,
            parts.facts,
            parts.params,
            types.BOOL,
        )[1]
    sla_param = apply.get("sla_days_param")
    if sla_param is not None and sla_param not in parts.params:
        raise ctx.fail(f"policy {pid}: unknown parameter {sla_param}", apply)
    documents = apply.get("documents") or ()
    if not isinstance(documents, list | tuple) or not all(isinstance(d, str) for d in documents):
        raise ctx.fail(f"policy {pid}: apply.documents must be a list of document names", apply)
    return _Apply(
        method=method,
        lane=str(apply.get("lane", "normal")),
        priority_fn=priority_fn,
        priority_source=str(apply.get("priority_when", "")),
        documents=tuple(documents),
        sla_param=sla_param,
    )


def _parse_effective(ctx: _Ctx, pid: str, data: dict[Any, Any]) -> tuple[dt.date, dt.date | None]:
    effective = ctx.mapping(data.get("effective") or {}, f"policy {pid} effective", data)
    eff_from = ctx.date(effective.get("from"), f"policy {pid} effective.from", effective)
    eff_to = (
        ctx.date(effective["to"], f"policy {pid} effective.to", effective) if effective.get("to") else None
    )
    if eff_to and eff_to < eff_from:
        raise ctx.fail(f"policy {pid}: effective.to is before effective.from", effective)
    return eff_from, eff_to


def _parse_grants(
    ctx: _Ctx,
    pid: str,
    data: dict[Any, Any],
    kind: str,
    params: dict[str, Parameter],
    voucher_kinds: dict[str, Text],
) -> tuple[str | None, str | None]:
    """What an approved application sets in motion: a voucher grant of one of the pack's
    voucher kinds, or a fee waiver for a number of months (a parameter)."""
    grants = ctx.mapping(data.get("grants") or {}, f"policy {pid} grants", data)
    ctx.unknown_keys(grants, {"voucher_kind", "waiver_months_param"}, f"policy {pid} grants")
    voucher_kind = grants.get("voucher_kind")
    # A version stored before the kinds moved into the pack names none; it loads as published.
    unknown_kind = voucher_kind not in voucher_kinds and (ctx.strict or bool(voucher_kinds))
    if voucher_kind is not None and (kind != "voucher" or unknown_kind):
        raise ctx.fail(
            f"policy {pid}: grants.voucher_kind names a kind in pack.yaml voucher_kinds, on a voucher policy",
            grants,
        )
    months = grants.get("waiver_months_param")
    if months is not None and (
        kind != "fee_waiver" or months not in params or params[months].type != types.NUM
    ):
        raise ctx.fail(
            f"policy {pid}: grants.waiver_months_param names a number parameter, on a fee_waiver policy",
            grants,
        )
    return voucher_kind, months


def _parse_policy(
    ctx: _Ctx,
    data: Any,
    facts: dict[str, Fact],
    params: dict[str, Parameter],
    sources: dict[str, Source],
    ceilings_spec: dict[Any, Any],
    stored: bool = False,
    voucher_kinds: dict[str, Text] | None = None,
) -> Policy:
    """One policy file, section by section; each section's parser names the file and line."""
    data = ctx.mapping(data, "a policy file")
    ctx.unknown_keys(data, POLICY_KEYS, "policy")
    pid = data.get("id")
    if not isinstance(pid, str) or not pid:
        raise ctx.fail("policy id is required", data)
    aliases = _parse_agent_text(ctx, pid, data, sources)
    level, cited = _parse_classification(ctx, pid, data, sources)
    parts = _PolicyParts(ctx, pid, facts, params)
    criteria = _parse_criteria(parts, data, sources, cited[0])
    amount = _parse_amount(parts, data, ceilings_spec, stored)
    apply = _parse_apply(parts, data)
    eff_from, eff_to = _parse_effective(ctx, pid, data)
    voucher_kind, waiver_months = _parse_grants(ctx, pid, data, data["kind"], params, voucher_kinds or {})
    return Policy(
        id=pid,
        title=ctx.text(data.get("title"), f"policy {pid} title", data),
        summary=ctx.text(data.get("summary"), f"policy {pid} summary", data),
        level=level,
        kind=data["kind"],
        provider=ctx.text(data.get("provider"), f"policy {pid} provider", data),
        sources=cited,
        criteria=criteria,
        amount=amount,
        method=apply.method,
        lane_default=apply.lane,
        lane_priority_fn=apply.priority_fn,
        lane_priority_source=apply.priority_source,
        documents=apply.documents,
        sla_param=apply.sla_param,
        effective_from=eff_from,
        effective_to=eff_to,
        facts=tuple(sorted(parts.used_facts)),
        params=tuple(sorted(parts.used_params)),
        raw=data,
        aliases=aliases,
        voucher_kind=voucher_kind,
        waiver_months_param=waiver_months,
    )


PACK_KEYS = {
    "id",
    "version",
    "title",
    "effective_from",
    "documents",
    "application_documents",
    "voucher_kinds",
    "sources",
    "ceilings",
    "description",
}
CASE_KEYS = {"name", "as_of", "profile", "expect", "expect_total_cny"}
EXPECT_KEYS = {
    "status",
    "amount_cny",
    "max_cny",
    "breakdown",
    "lane",
    "failed",
    "missing_facts",
    "would_qualify_if",
}
CASE_STATUSES = {"eligible", "ineligible", "undetermined", "not_in_force"}


def _texts(ctx: _Ctx, meta: dict[Any, Any], key: str, what: str) -> dict[str, Text]:
    return {
        str(k): ctx.text(v, f"{what} {k}", meta)
        for k, v in ctx.mapping(meta.get(key) or {}, key, meta).items()
    }


def _parse_sources(ctx: _Ctx, meta: dict[Any, Any], documents: dict[str, Text]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for sid, spec in ctx.mapping(meta.get("sources") or {}, "sources", meta).items():
        spec = ctx.mapping(spec, f"source {sid}", meta)
        ctx.unknown_keys(spec, {"document", "clause", "quote", "issuer", "url"}, f"source {sid}")
        if not isinstance(spec.get("document"), str) or spec["document"] not in documents:
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
    return sources


def _parse_ceilings(
    ctx: _Ctx,
    ceilings_spec: dict[Any, Any],
    policies: dict[str, Policy],
    facts: dict[str, Fact],
    params: dict[str, Parameter],
) -> dict[str, Ceiling]:
    ceilings: dict[str, Ceiling] = {}
    for cid, spec in ceilings_spec.items():
        spec = ctx.mapping(spec, f"ceiling {cid}", ceilings_spec)
        _n, fn, _f, used_params = _compile(
            ctx, spec.get("amount"), f"ceiling {cid}", spec, facts, params, types.NUM
        )
        used_fact = spec.get("used_fact")
        if not isinstance(used_fact, str) or used_fact not in facts:
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
    return ceilings


def _is_figure(value: Any) -> bool:
    return value is None or (isinstance(value, int | float | Decimal) and not isinstance(value, bool))


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _parse_case(ctx: _Ctx, case: Any, policies: dict[str, Policy]) -> dict[Any, Any]:
    """One test case, its shape checked before it runs: a case that cannot be run is refused
    with its line, never left to fail inside the engine."""
    if not isinstance(case, dict) or "profile" not in case or "expect" not in case:
        raise ctx.fail("each test case has a name, a profile and expect", case)
    ctx.unknown_keys(case, CASE_KEYS, "test case")
    if "name" in case and not isinstance(case["name"], str):
        raise ctx.fail("a test case's name is text", case)
    as_of = None
    if case.get("as_of") is not None:
        as_of = ctx.date(case["as_of"], "as_of", case)
        if not expr.EARLIEST_DATE <= as_of <= expr.LATEST_DATE:
            raise ctx.fail(f"as_of must be between {expr.EARLIEST_DATE} and {expr.LATEST_DATE}", case)
    if not isinstance(case["profile"], dict):
        raise ctx.fail("a test case's profile is a mapping (founder:, company:)", case)
    expect = ctx.mapping(case["expect"], "expect (policy id: expected answer)", case)
    for pid, want in expect.items():
        if pid not in policies:
            raise ctx.fail(f"test expects unknown policy {pid!r}", case)
        want = ctx.mapping(want, f"expect {pid}", case)
        ctx.unknown_keys(want, EXPECT_KEYS, f"expect {pid}")
        if "status" in want and want["status"] not in CASE_STATUSES:
            raise ctx.fail(f"expect {pid}: status must be one of {', '.join(sorted(CASE_STATUSES))}", want)
        for key in ("amount_cny", "max_cny"):
            if key in want and not _is_figure(want[key]):
                raise ctx.fail(f"expect {pid}: {key} is a number or null", want)
        if "breakdown" in want and not (
            isinstance(want["breakdown"], dict) and all(_is_figure(v) for v in want["breakdown"].values())
        ):
            raise ctx.fail(f"expect {pid}: breakdown maps a part to a number", want)
        if "lane" in want and not isinstance(want["lane"], str):
            raise ctx.fail(f"expect {pid}: lane is text", want)
        for key in ("failed", "missing_facts", "would_qualify_if"):
            if key in want and not _names(want[key]):
                raise ctx.fail(f"expect {pid}: {key} is a list of names", want)
    if "expect_total_cny" in case and not _is_figure(case["expect_total_cny"]):
        raise ctx.fail("expect_total_cny is a number", case)
    return {**case, "as_of": as_of, "file": ctx.name, "line": _line(case)}


def _parse_tests(files: dict[str, str], policies: dict[str, Policy]) -> list[dict[Any, Any]]:
    tests: list[dict[Any, Any]] = []
    for name in sorted(f for f in files if f.startswith("tests/") and f.endswith((".yaml", ".yml"))):
        cases = _load_yaml(name, files[name]) or []
        if not isinstance(cases, list):
            raise PackError("a test file is a list of cases", name)
        ctx = _Ctx(name)
        tests.extend(_parse_case(ctx, case, policies) for case in cases)
    return tests


def _parse_policies(
    files: dict[str, str],
    facts: dict[str, Fact],
    params: dict[str, Parameter],
    sources: dict[str, Source],
    ceilings_spec: dict[Any, Any],
    document_types: dict[str, Text],
    voucher_kinds: dict[str, Text],
    stored: bool,
) -> dict[str, Policy]:
    policies: dict[str, Policy] = {}
    for name in sorted(f for f in files if f.startswith("policies/") and f.endswith((".yaml", ".yml"))):
        pctx = _Ctx(name, strict=not stored)
        policy = _parse_policy(
            pctx, _load_yaml(name, files[name]), facts, params, sources, ceilings_spec, stored, voucher_kinds
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
    return policies


def load_pack(files: dict[str, str], *, stored: bool = False) -> Pack:
    """Build a pack from ``{relative path: YAML text}``. ``stored`` is for versions already in
    the database, which may predate a rule new imports must follow (an amount's ``max``, the
    type checks): they load as they were published."""
    if "pack.yaml" not in files:
        raise PackError("pack.yaml is missing", "pack.yaml")
    ctx = _Ctx("pack.yaml", strict=not stored)
    meta = ctx.mapping(_load_yaml("pack.yaml", files["pack.yaml"]), "pack.yaml")
    ctx.unknown_keys(meta, PACK_KEYS, "pack.yaml")
    for key in ("id", "version"):
        if not meta.get(key) or not isinstance(meta[key], str | int | float):
            raise ctx.fail(f"pack.yaml: {key} is required", meta)
    documents = _texts(ctx, meta, "documents", "document")
    document_types = _texts(ctx, meta, "application_documents", "application document")
    voucher_kinds = _texts(ctx, meta, "voucher_kinds", "voucher kind")
    sources = _parse_sources(ctx, meta, documents)
    for required in ("facts.yaml", "parameters.yaml"):
        if required not in files:
            raise PackError(f"{required} is missing", required)
    facts = _parse_facts(_Ctx("facts.yaml"), _load_yaml("facts.yaml", files["facts.yaml"]))
    params = _parse_parameters(
        _Ctx("parameters.yaml", strict=not stored),
        _load_yaml("parameters.yaml", files["parameters.yaml"]),
        sources,
    )
    ceilings_spec = ctx.mapping(meta.get("ceilings") or {}, "ceilings", meta)
    policies = _parse_policies(
        files, facts, params, sources, ceilings_spec, document_types, voucher_kinds, stored
    )
    ceilings = _parse_ceilings(ctx, ceilings_spec, policies, facts, params)
    tests = _parse_tests(files, policies)
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
        voucher_kinds=voucher_kinds,
        policies=policies,
        ceilings=ceilings,
        tests=tests,
        files=dict(files),
        checksum=checksum,
    )


MAX_PACK_FILES = 200


def read_pack_files(directory: str | Path) -> dict[str, str]:
    """The YAML files of a pack folder, with the limits an uploaded archive has."""
    root = Path(directory)
    if not root.is_dir():
        raise PackError(f"no pack directory at {root}")
    paths = [p for p in sorted(root.rglob("*")) if p.suffix in (".yaml", ".yml") and p.is_file()]
    if len(paths) > MAX_PACK_FILES:
        raise PackError(f"more than {MAX_PACK_FILES} YAML files", str(root))
    files = {}
    for path in paths:
        name = path.relative_to(root).as_posix()
        if path.stat().st_size > MAX_FILE_CHARS * 4:
            raise PackError(f"file longer than {MAX_FILE_CHARS // 1024} KB", name)
        try:
            files[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise PackError("not UTF-8 text", name) from None
    return files


def load_pack_dir(directory: str | Path) -> Pack:
    return load_pack(read_pack_files(directory))
