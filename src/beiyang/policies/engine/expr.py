"""A small, safe expression language for criteria and amounts.

Pack text is tokenised and parsed here into a tree; nothing is handed to Python's ``eval``.
Names are dotted paths to facts (``company.district``) or parameters
(``params.vouchers.ceiling_cny``), checked against the pack at load time. Logic is
three-valued: a fact that is not known makes every result that depends on it ``UNKNOWN``,
except where ``and``/``or`` can decide without it.

>>> e = parse("founder.age <= 35 and company.stage in ['seed', 'angel']")
>>> f = compile_scalar(e)
>>> f({"founder.age": 35, "company.stage": "seed"}, {})
True
>>> f({"founder.age": 36}, {})
False
>>> f({"company.stage": "seed"}, {}) is UNKNOWN
True
>>> sorted(names_in(e))
['company.stage', 'founder.age']
>>> compile_scalar(parse("min(2 * params.cap, 100) + 1"))({}, {"cap": 30})
61
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

from beiyang.policies.engine.errors import EvaluationError, ExpressionError

MAX_SOURCE_LENGTH = 2000
MAX_TOKENS = 400
MAX_DEPTH = 40
# The bounds of every value the language makes, so that no pack can make an evaluation run
# out of memory, time or calendar: sizes are bounded by these and by the token count, numbers
# by a magnitude far above any amount in fen (10^15 fen is ten trillion yuan), dates by years
# a policy can mean. A literal outside them is refused when the pack loads; a result outside
# them raises ``EvaluationError``, which the engine reports as "cannot be determined".
MAX_MAGNITUDE = 10**15
MAX_FRACTION_DIGITS = 10
MAX_TEXT = 200
MAX_ITEMS = 1000
MIN_YEAR, MAX_YEAR = 1900, 2200
# The dates an evaluation may be asked for (the API, the command and test cases refuse others).
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class _Unknown:
    """The third truth value: a fact the evaluation does not have."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; test `is UNKNOWN` first")


UNKNOWN: Any = _Unknown()

# --- Tokens -------------------------------------------------------------------------------

_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
_TWO_CHAR = {"==", "!=", "<=", ">="}
_ONE_CHAR = set("<>+-*/()[],.")
_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")


def tokenize(source: str) -> list[tuple[str, Any, int]]:
    if not isinstance(source, str):
        raise ExpressionError("an expression must be text")
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_SOURCE_LENGTH} characters")
    tokens: list[tuple[str, Any, int]] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c.isspace():
            i += 1
        elif c in _DIGITS:
            j = i
            while j < n and (source[j] in _DIGITS or source[j] == "_"):
                j += 1
            if j < n and source[j] == "." and j + 1 < n and source[j + 1] in _DIGITS:
                j += 1
                while j < n and source[j] in _DIGITS:
                    j += 1
                if j - source.index(".", i) - 1 > MAX_FRACTION_DIGITS:
                    raise ExpressionError(f"more than {MAX_FRACTION_DIGITS} decimal places", i)
                tokens.append(("num", Decimal(source[i:j].replace("_", "")), i))
            else:
                if j - i > 20:
                    raise ExpressionError(f"number larger than {MAX_MAGNITUDE:,}", i)
                tokens.append(("num", int(source[i:j].replace("_", "")), i))
            if abs(tokens[-1][1]) > MAX_MAGNITUDE:
                raise ExpressionError(f"number larger than {MAX_MAGNITUDE:,}", i)
            i = j
        elif c in "'\"":
            j = source.find(c, i + 1)
            if j < 0:
                raise ExpressionError("unterminated string", i)
            if j - i - 1 > MAX_TEXT:
                raise ExpressionError(f"text longer than {MAX_TEXT} characters", i)
            tokens.append(("str", source[i + 1 : j], i))
            i = j + 1
        elif c in _NAME_START:
            j = i
            while j < n and (source[j] in _NAME_START or source[j] in _DIGITS or source[j] == "-"):
                j += 1
            word = source[i:j]
            if word.startswith("_"):
                raise ExpressionError("names may not start with an underscore", i)
            tokens.append(("kw" if word in _KEYWORDS else "name", word, i))
            i = j
        elif source[i : i + 2] in _TWO_CHAR:
            tokens.append(("op", source[i : i + 2], i))
            i += 2
        elif c in _ONE_CHAR:
            tokens.append(("op", c, i))
            i += 1
        else:
            raise ExpressionError(f"unexpected character {c!r}", i)
        if len(tokens) > MAX_TOKENS:
            raise ExpressionError(f"expression has more than {MAX_TOKENS} tokens")
    tokens.append(("end", None, n))
    return tokens


# --- Tree -------------------------------------------------------------------------------
# Nodes are tuples: ("const", v) ("name", path) ("list", items) ("not", x) ("neg", x)
# ("and", a, b) ("or", a, b) ("cmp", op, a, b) ("arith", op, a, b) ("call", fn, args)

FUNCTIONS = {
    "contains": 2,
    "intersects": 2,
    "count": 1,
    "min": -1,
    "max": -1,
    "coalesce": -1,
    "if": 3,
    "add_years": 2,
}
# ``today`` is the evaluation date, supplied with the facts.
TODAY = "today"


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.pos = 0
        self.depth = 0

    def peek(self) -> tuple[str, Any, int]:
        return self.tokens[self.pos]

    def take(self) -> tuple[str, Any, int]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect(self, kind: str, value: Any = None) -> tuple[str, Any, int]:
        tok = self.take()
        if tok[0] != kind or (value is not None and tok[1] != value):
            raise ExpressionError(
                f"expected {value or kind}, found {tok[1] or 'end of expression'!s}", tok[2]
            )
        return tok

    def nest(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH}", pos)

    def parse(self) -> tuple[Any, ...]:
        node = self.or_expr()
        tok = self.peek()
        if tok[0] != "end":
            raise ExpressionError(f"unexpected {tok[1]!s}", tok[2])
        return node

    def or_expr(self) -> tuple[Any, ...]:
        node = self.and_expr()
        while self.peek()[:2] == ("kw", "or"):
            self.take()
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self) -> tuple[Any, ...]:
        node = self.not_expr()
        while self.peek()[:2] == ("kw", "and"):
            self.take()
            node = ("and", node, self.not_expr())
        return node

    def not_expr(self) -> tuple[Any, ...]:
        tok = self.peek()
        if tok[:2] == ("kw", "not"):
            self.take()
            self.nest(tok[2])
            node = ("not", self.not_expr())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> tuple[Any, ...]:
        left = self.sum()
        tok = self.peek()
        if tok[0] == "op" and tok[1] in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            return ("cmp", tok[1], left, self.sum())
        if tok[:2] == ("kw", "in"):
            self.take()
            return ("cmp", "in", left, self.sum())
        if tok[:2] == ("kw", "not") and self.tokens[self.pos + 1][:2] == ("kw", "in"):
            self.take()
            self.take()
            return ("cmp", "not in", left, self.sum())
        return left

    def sum(self) -> tuple[Any, ...]:
        node = self.term()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            op = self.take()[1]
            node = ("arith", op, node, self.term())
        return node

    def term(self) -> tuple[Any, ...]:
        node = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in "*/":
            op = self.take()[1]
            node = ("arith", op, node, self.unary())
        return node

    def unary(self) -> tuple[Any, ...]:
        tok = self.peek()
        if tok[:2] == ("op", "-"):
            self.take()
            self.nest(tok[2])
            node = ("neg", self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> tuple[Any, ...]:
        tok = self.take()
        kind, value, pos = tok
        if kind in ("num", "str"):
            return ("const", value)
        if kind == "kw" and value in ("true", "false", "null"):
            return ("const", {"true": True, "false": False, "null": UNKNOWN}[value])
        if kind == "op" and value == "(":
            self.nest(pos)
            node = self.or_expr()
            self.depth -= 1
            self.expect("op", ")")
            return node
        if kind == "op" and value == "[":
            items = []
            if self.peek()[:2] != ("op", "]"):
                items.append(self.or_expr())
                while self.peek()[:2] == ("op", ","):
                    self.take()
                    items.append(self.or_expr())
            self.expect("op", "]")
            if all(item[0] == "const" for item in items):
                return ("const", tuple(item[1] for item in items))
            return ("list", tuple(items))
        if kind == "name" or (kind == "kw" and value == "if"):
            if self.peek()[:2] == ("op", "("):
                return self.call(value, pos)
            parts = [value]
            while self.peek()[:2] == ("op", "."):
                self.take()
                parts.append(self.expect("name")[1])
            return ("name", ".".join(parts))
        raise ExpressionError(f"unexpected {value if value is not None else 'end of expression'}", pos)

    def call(self, fn: str, pos: int) -> tuple[Any, ...]:
        if fn not in FUNCTIONS:
            raise ExpressionError(f"unknown function {fn}(); known: {', '.join(sorted(FUNCTIONS))}", pos)
        self.expect("op", "(")
        self.nest(pos)
        args = []
        if self.peek()[:2] != ("op", ")"):
            args.append(self.or_expr())
            while self.peek()[:2] == ("op", ","):
                self.take()
                args.append(self.or_expr())
        self.expect("op", ")")
        self.depth -= 1
        arity = FUNCTIONS[fn]
        if (arity >= 0 and len(args) != arity) or (arity < 0 and not args):
            raise ExpressionError(f"{fn}() takes {arity if arity >= 0 else 'one or more'} arguments", pos)
        return ("call", fn, tuple(args))


def parse(source: str) -> tuple[Any, ...]:
    return _Parser(source).parse()


def names_in(node: tuple[Any, ...]) -> set[str]:
    """Every dotted name the expression reads."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        tag = n[0]
        if tag == "name":
            out.add(n[1])
        elif tag in ("not", "neg"):
            stack.append(n[1])
        elif tag in ("and", "or"):
            stack.extend(n[1:])
        elif tag in ("cmp", "arith"):
            stack.extend(n[2:])
        elif tag == "list":
            stack.extend(n[1])
        elif tag == "call":
            stack.extend(n[2])
    return out


def comparisons_with(node: tuple[Any, ...], name: str) -> Iterable[tuple[str, tuple[Any, ...]]]:
    """(operator, other side) for each place where ``name`` is compared or tested.

    The engine uses these to propose the smallest change that would satisfy a criterion.
    """
    stack = [node]
    while stack:
        n = stack.pop()
        tag = n[0]
        if tag == "cmp":
            _, op, a, b = n
            counted = ("call", "count", (("name", name),))
            if a == ("name", name):
                yield op, b
            elif b == ("name", name):
                yield {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "in": "contained_in"}.get(op, op), a
            elif a == counted or b == counted:
                yield "count", n
            stack.extend((a, b))
        elif tag == "call":
            if n[1] in ("contains", "intersects") and n[2][0] == ("name", name):
                yield n[1], n[2][1]
            stack.extend(n[2])
        elif tag in ("not", "neg"):
            stack.append(n[1])
        elif tag in ("and", "or"):
            stack.extend(n[1:])
        elif tag == "arith":
            stack.extend(n[2:])
        elif tag == "list":
            stack.extend(n[1])


def add_years(d: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February falls back to 28 February. A result
    outside the years the language knows is an ``EvaluationError``.

    >>> add_years(dt.date(2024, 2, 29), 1)
    datetime.date(2025, 2, 28)
    >>> add_years(dt.date(2026, 1, 1), 100000)
    Traceback (most recent call last):
    ...
    beiyang.policies.engine.errors.EvaluationError: a date outside the years 1900 to 2200
    """
    year = d.year + years
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise EvaluationError(f"a date outside the years {MIN_YEAR} to {MAX_YEAR}")
    try:
        return d.replace(year=year)
    except ValueError:
        return d.replace(year=year, day=28)


def bounded(value: Any) -> Any:
    """``value`` when it is within the language's bounds, else ``EvaluationError``.

    >>> bounded(10**16)
    Traceback (most recent call last):
    ...
    beiyang.policies.engine.errors.EvaluationError: a number beyond 1,000,000,000,000,000
    """
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        if not (-MAX_MAGNITUDE <= value <= MAX_MAGNITUDE):  # NaN and infinities fail this too
            raise EvaluationError(f"a number beyond {MAX_MAGNITUDE:,}")
    elif isinstance(value, dt.date):
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise EvaluationError(f"a date outside the years {MIN_YEAR} to {MAX_YEAR}")
    elif isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise EvaluationError(f"text longer than {MAX_TEXT} characters")
    elif isinstance(value, tuple | frozenset | list | set) and len(value) > MAX_ITEMS:
        raise EvaluationError(f"a list of more than {MAX_ITEMS} items")
    return value


# --- Scalar evaluation ------------------------------------------------------------------------

# A compiled expression: (facts, the evaluation's notes or None) -> a value or UNKNOWN.
Scalar = Callable[..., Any]

_CMP = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul}
_ORDERABLE = (int, Decimal, dt.date)


def _collection(value: Any, what: str) -> Any:
    if not isinstance(value, tuple | frozenset | list | set):
        raise EvaluationError(f"{what} needs a list")
    return bounded(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _num(value: Any) -> Any:
    return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value


def bind_params(node: tuple[Any, ...], params: dict[str, Any]) -> tuple[Any, ...]:
    """The same tree with parameters replaced by their values and constant parts folded,
    so that per-date evaluation does no parameter lookups or constant arithmetic."""
    tag = node[0]
    if tag == "name":
        if node[1].startswith("params."):
            value = params[node[1][7:]]
            return ("const", UNKNOWN if value is None else value)
        return node
    if tag == "const":
        return node
    out: tuple[Any, ...]
    if tag in ("not", "neg"):
        out = (tag, bind_params(node[1], params))
    elif tag in ("and", "or"):
        out = (tag, bind_params(node[1], params), bind_params(node[2], params))
    elif tag in ("cmp", "arith"):
        out = (tag, node[1], bind_params(node[2], params), bind_params(node[3], params))
    elif tag == "list":
        out = (tag, tuple(bind_params(i, params) for i in node[1]))
    elif tag == "call":
        out = (tag, node[1], tuple(bind_params(a, params) for a in node[2]))
    else:
        return node
    if not names_in(out):
        return ("const", compile_scalar(out)({}, {}))
    return out


def compile_scalar(node: tuple[Any, ...]) -> Scalar:
    """Turn a tree into a closure ``f(facts, params)``. Facts are keyed by dotted path,
    parameters by path without the ``params.`` prefix."""
    tag = node[0]
    special = _specialised(node)
    if special is not None:
        return special
    if tag == "const":
        value = node[1]
        return lambda facts, params: value
    if tag == "name":
        path = node[1]
        if path.startswith("params."):
            key = path[7:]
            return lambda facts, params: params[key]
        return lambda facts, params: facts.get(path, UNKNOWN)
    if tag == "list":
        items = [compile_scalar(i) for i in node[1]]
        return lambda facts, params: tuple(i(facts, params) for i in items)
    if tag == "not":
        inner = compile_scalar(node[1])

        def _not(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            v = inner(facts, params)
            return UNKNOWN if v is UNKNOWN else not v

        return _not
    if tag == "neg":
        inner = compile_scalar(node[1])

        def _neg(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            v = inner(facts, params)
            if v is UNKNOWN:
                return UNKNOWN
            if not _is_number(v):
                raise EvaluationError("a minus sign needs a number")
            return -bounded(v)

        return _neg
    if tag == "and":
        a, b = compile_scalar(node[1]), compile_scalar(node[2])

        def _and(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            x = a(facts, params)
            if x is False:
                return False
            y = b(facts, params)
            if y is False:
                return False
            return UNKNOWN if x is UNKNOWN or y is UNKNOWN else True

        return _and
    if tag == "or":
        a, b = compile_scalar(node[1]), compile_scalar(node[2])

        def _or(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            x = a(facts, params)
            if x is True:
                return True
            y = b(facts, params)
            if y is True:
                return True
            return UNKNOWN if x is UNKNOWN or y is UNKNOWN else False

        return _or
    if tag == "cmp":
        return _compile_cmp(node[1], compile_scalar(node[2]), compile_scalar(node[3]))
    if tag == "arith":
        return _compile_arith(node[1], compile_scalar(node[2]), compile_scalar(node[3]))
    if tag == "call":
        return _compile_call(node[1], [compile_scalar(a) for a in node[2]])
    raise ExpressionError(f"unknown node {tag}")


def _specialised(node: tuple[Any, ...]) -> Scalar | None:
    """Direct closures for the shapes most criteria take: a fact against a constant."""
    tag = node[0]
    if (
        tag == "cmp"
        and node[2][0] == "name"
        and not node[2][1].startswith("params.")
        and node[3][0] == "const"
    ):
        op, path, const = node[1], node[2][1], node[3][1]
        if const is UNKNOWN:
            return lambda facts, params: UNKNOWN
        if op in ("in", "not in") and isinstance(const, tuple):
            try:
                members: Any = frozenset(const)
            except TypeError:
                members = const
            if op == "in":
                return lambda facts, params: (
                    UNKNOWN if (x := facts.get(path, UNKNOWN)) is UNKNOWN else x in members
                )
            return lambda facts, params: (
                UNKNOWN if (x := facts.get(path, UNKNOWN)) is UNKNOWN else x not in members
            )
        if op in ("==", "!="):
            fn = _CMP[op]
            return lambda facts, params: (
                UNKNOWN if (x := facts.get(path, UNKNOWN)) is UNKNOWN else fn(x, const)
            )
        if op in _CMP and isinstance(const, _ORDERABLE):
            fn = _CMP[op]
            return lambda facts, params: (
                x
                if (x := facts.get(path, UNKNOWN)) is UNKNOWN
                else fn(x, const)
                if isinstance(x, _ORDERABLE)
                else UNKNOWN
            )
    if tag == "call" and node[1] == "contains" and node[2][0][0] == "name" and node[2][1][0] == "const":
        path, item = node[2][0][1], node[2][1][1]
        if not path.startswith("params.") and item is not UNKNOWN:
            return lambda facts, params: UNKNOWN if (s := facts.get(path, UNKNOWN)) is UNKNOWN else item in s
    if (
        tag == "cmp"
        and node[2][0] == "call"
        and node[2][1] == "count"
        and node[2][2][0][0] == "name"
        and not node[2][2][0][1].startswith("params.")
        and node[3][0] == "const"
        and isinstance(node[3][1], int)
        and node[1] in _CMP
    ):
        path, fn, const = node[2][2][0][1], _CMP[node[1]], node[3][1]
        return lambda facts, params: (
            UNKNOWN if (s := facts.get(path, UNKNOWN)) is UNKNOWN else fn(len(s), const)
        )
    return None


def _compile_cmp(op: str, a: Scalar, b: Scalar) -> Scalar:
    if op in ("in", "not in"):
        negate = op == "not in"

        def _in(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            x, y = a(facts, params), b(facts, params)
            if x is UNKNOWN or y is UNKNOWN:
                return UNKNOWN
            found = x in _collection(y, op)
            return not found if negate else found

        return _in
    fn = _CMP[op]
    ordered = op not in ("==", "!=")

    def _cmp(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
        x, y = a(facts, params), b(facts, params)
        if x is UNKNOWN or y is UNKNOWN:
            return UNKNOWN
        if ordered and not (isinstance(x, _ORDERABLE) and isinstance(y, _ORDERABLE)):
            return UNKNOWN
        return fn(x, y)

    return _cmp


def _compile_arith(op: str, a: Scalar, b: Scalar) -> Scalar:
    if op == "/":

        def _div(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            x, y = a(facts, params), b(facts, params)
            if x is UNKNOWN or y is UNKNOWN:
                return UNKNOWN
            if not (_is_number(x) and _is_number(y)):
                raise EvaluationError("/ needs numbers")
            try:
                return bounded(_num(x) / _num(y))
            except (ZeroDivisionError, DivisionByZero, InvalidOperation):
                return UNKNOWN

        return _div
    fn = _ARITH[op]

    def _arith(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
        x, y = a(facts, params), b(facts, params)
        if x is UNKNOWN or y is UNKNOWN:
            return UNKNOWN
        if not (_is_number(x) and _is_number(y)):
            # Checked when the pack loads; kept here so that no value reaching this point (a
            # stored version, a fact of another type) can repeat text or build a huge list.
            raise EvaluationError(f"{op} needs numbers")
        return bounded(fn(bounded(x), bounded(y)))

    return _arith


def _compile_call(fn: str, args: list[Scalar]) -> Scalar:
    if fn == "contains":
        seq, item = args

        def _contains(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            s, i = seq(facts, params), item(facts, params)
            return UNKNOWN if s is UNKNOWN or i is UNKNOWN else _collection(s, "contains()").__contains__(i)

        return _contains
    if fn == "intersects":
        a, b = args

        def _intersects(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            x, y = a(facts, params), b(facts, params)
            if x is UNKNOWN or y is UNKNOWN:
                return UNKNOWN
            y = _collection(y, "intersects()")
            return any(v in y for v in _collection(x, "intersects()"))

        return _intersects
    if fn == "count":
        (seq,) = args

        def _count(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            s = seq(facts, params)
            return UNKNOWN if s is UNKNOWN else len(_collection(s, "count()"))

        return _count
    if fn in ("min", "max"):
        pick = min if fn == "min" else max

        def _extreme(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            values = [f(facts, params) for f in args]
            if any(v is UNKNOWN for v in values):
                return UNKNOWN
            try:
                return pick(values)
            except TypeError:
                raise EvaluationError(f"{fn}() of values of different types") from None

        return _extreme
    if fn == "coalesce":

        def _coalesce(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            for f in args:
                v = f(facts, params)
                if v is not UNKNOWN:
                    return v
            return UNKNOWN

        return _coalesce
    if fn == "add_years":
        date_fn, years_fn = args

        def _add_years(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            d, y = date_fn(facts, params), years_fn(facts, params)
            if d is UNKNOWN or y is UNKNOWN or not isinstance(d, dt.date):
                return UNKNOWN
            if not _is_number(y) or abs(y) > MAX_YEAR - MIN_YEAR:
                raise EvaluationError(f"a date outside the years {MIN_YEAR} to {MAX_YEAR}")
            return add_years(d, int(y))

        return _add_years
    if fn == "if":
        cond, then, other = args

        def _if(facts: dict[Any, Any], params: dict[Any, Any]) -> Any:
            c = cond(facts, params)
            if c is UNKNOWN:
                return UNKNOWN
            return then(facts, params) if c else other(facts, params)

        return _if
    raise ExpressionError(f"unknown function {fn}()")
