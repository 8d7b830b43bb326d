"""Ids and whole numbers out of range, or written in digits other than ASCII, in every place a
caller can put one: every API operation's path, query and JSON body, every portal path and
every form a portal page shows. None may answer 5xx (the first attack's 500s came back on new
endpoints because each one read its own numbers: now they share ``core.numbers``).
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

import pytest
from conftest import page_client
from django.urls import URLPattern, URLResolver, get_resolver

from beiyang.api.tests.test_access_control import fill, world  # noqa: F401 (a fixture)
from beiyang.core.numbers import MAX_ROW_ID, read_id, read_int, whole_number

pytestmark = pytest.mark.django_db

# As a path or query string: non-ASCII digits (superscript, Arabic-Indic, full-width), past the
# database's range, negative, zero.
BAD_TEXT = ["²", "١٢", "１２", "99999999999999999999", str(2**63), "-1", "0"]
# As a JSON value.
BAD_JSON = [2**63, 10**20, -(2**63) - 1, "²", "１２", True, 1e300]


@functools.cache
def _document() -> dict:
    from beiyang.api.urls import api

    return api.get_openapi_schema()


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = _document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _integers(schema: dict, path: tuple = ()):
    """Every integer a request schema holds: (path of keys, its schema); ``[]`` for an item."""
    schema = _resolve(schema)
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _integers(option, path)
    if schema.get("type") == "integer":
        yield path, schema
    if schema.get("type") == "array" and "items" in schema:
        yield from _integers(schema["items"], (*path, "[]"))
    for name, sub in schema.get("properties", {}).items():
        yield from _integers(sub, (*path, name))


def _operations():
    for url, item in _document()["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, url, op


def _body_schema(op: dict) -> dict | None:
    content = op.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def test_every_integer_a_caller_sends_is_bounded():
    """The OpenAPI document bounds each integer in every path, query and body: the sign that the
    operation reads it through ``RowId`` or ``bounded_int`` (schemathesis then probes the ends)."""
    unbounded = []
    for method, url, op in _operations():
        places = [(p["name"], p["schema"]) for p in op.get("parameters", [])]
        if body := _body_schema(op):
            places += [(".".join(path), schema) for path, schema in _integers(body)]
        for name, schema in places:
            for _, integer in _integers(schema):
                if "minimum" not in integer or "maximum" not in integer:
                    unbounded.append(f"{method.upper()} {url}: {name}")
    assert not unbounded, "\n".join(unbounded)


def _with(body: dict, path: tuple, value) -> dict:
    """``body`` with the integer at ``path`` set to ``value`` (a list of one for ``[]``)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if head == "[]":
        return [_with({}, rest, value) if rest else value]
    out = dict(body)
    out[head] = _with(out.get(head, {}) if rest and rest[0] != "[]" else {}, rest, value)
    return out


def _minimal(schema: dict) -> dict:
    """A body with each required field given a plausible value, so that the bad number is what
    the operation meets (not a missing field)."""
    schema = _resolve(schema)
    out = {}
    for name in schema.get("required", []):
        sub = _resolve(schema["properties"][name])
        kind = sub.get("type") or next((o.get("type") for o in sub.get("anyOf", []) if "type" in o), "string")
        out[name] = {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}.get(kind, "1")
    return out


def test_every_api_operation_with_bad_numbers_answers_4xx(world, founder, make_staff):  # noqa: F811
    _user, _company, owner = founder
    _admin, admin = make_staff("town_admin")
    callers = [owner, admin, world["_provider"]]
    failures = []
    for method, url, op in _operations():
        params = op.get("parameters", [])
        tried: list[tuple[str, str | None, dict | None]] = []
        # A path parameter that is a number: each bad text in its place (the others real).
        for p in params:
            if p["in"] == "path" and p["schema"].get("type") == "integer":
                for bad in BAD_TEXT:
                    path = url.replace("{" + p["name"] + "}", bad)
                    tried.append((fill(path, world), None, None))
            if p["in"] == "query" and any(True for _ in _integers(p["schema"])):
                tried += [(fill(url, world), f"{p['name']}={bad}", None) for bad in BAD_TEXT]
        body = _body_schema(op)
        if body:
            base = _minimal(body)
            for path, _schema in _integers(body):
                tried += [(fill(url, world), None, _with(base, path, bad)) for bad in BAD_JSON]
        for target, query, payload in tried:
            where = f"{target}?{query}" if query else target
            for client in callers:
                resp = client.call(method, where, payload if payload is not None else None)
                if resp.status_code >= 500:
                    failures.append(f"{method.upper()} {where} {payload} -> {resp.status_code}")
    assert not failures, "\n".join(failures[:40])


# --- the portal ----------------------------------------------------------------------------------


def _portal_patterns(resolver=None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("admin/", "api/", "i18n/")):
                continue
            yield from _portal_patterns(entry, route)
        elif isinstance(entry, URLPattern) and not route.startswith("api/"):
            yield route


def test_portal_paths_read_ids_through_the_shared_converter():
    """No portal path takes ``<int:...>`` (which lets 2**64 through to the database)."""
    routes = list(_portal_patterns())
    assert len(routes) > 40
    assert not [r for r in routes if "<int:" in r]
    assert any("<id:" in r for r in routes)


class _Forms(HTMLParser):
    """The forms of a page: action, method and each field's name with its values offered."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": {}}
            )
        elif not self.forms:
            return
        elif tag in ("input", "textarea", "button") and a.get("name"):
            if a.get("type") in ("file", "submit") and tag == "input" and a.get("type") == "file":
                return
            self.forms[-1]["fields"].setdefault(a["name"], []).append(
                (a.get("value") or "", a.get("type") or tag)
            )
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1]["fields"].setdefault(a["name"], [])
        elif tag == "option" and self._select:
            self.forms[-1]["fields"][self._select].append((a.get("value") or "", "option"))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _numeric(name: str, offered: list[tuple[str, str]]) -> bool:
    values = [v for v, _kind in offered if v]
    return (
        name.endswith(("_id", "_ids", "id"))
        or any(kind == "number" for _v, kind in offered)
        or (bool(values) and all(whole_number(v) is not None for v in values))
    )


def _portal_pages(world: dict) -> list[str]:  # noqa: F811
    pages = []
    names = {
        "event_id",
        "application_id",
        "document_id",
        "competition_id",
        "version_id",
        "request_id",
        "company_id",
        "message_id",
    }
    for route in _portal_patterns():
        if "<str:" in route:
            continue
        url = "/" + re.sub(r"<id:([^>]+)>", lambda m: str(world.get(m.group(1), 1)), route)
        if all(n in world or n in names for n in re.findall(r"<id:([^>]+)>", route)):
            pages.append(url)
    return pages


def test_every_portal_path_and_form_with_bad_numbers_answers_4xx(world, founder, make_staff):  # noqa: F811
    user, _company, _api = founder
    admin, _ = make_staff("town_admin")
    judge, _ = make_staff("judge")
    failures = []
    for who in (user, admin, judge):
        client = page_client(who)
        for route in _portal_patterns():
            for bad in ("99999999999999999999", str(2**63)):
                if "<id:" in route:
                    url = "/" + re.sub(r"<id:[^>]+>", bad, route)
                    if client.get(url).status_code >= 500:
                        failures.append(f"GET {url}")
        for page in _portal_pages(world):
            resp = client.get(page)
            if resp.status_code >= 500:
                failures.append(f"GET {page} -> {resp.status_code}")
            if resp.status_code != 200 or not resp.get("Content-Type", "").startswith("text/html"):
                continue
            parser = _Forms()
            parser.feed(resp.content.decode())
            for form in parser.forms:
                target = form["action"] or page
                if not target.startswith("/") or target.startswith(("/api/", "/i18n/", "/logout")):
                    continue
                plain = {n: (offered[0][0] if offered else "") for n, offered in form["fields"].items()}
                numeric = [n for n, offered in form["fields"].items() if _numeric(n, offered)]
                for name in numeric:
                    for bad in BAD_TEXT:
                        data = {**plain, name: bad}
                        sent = (
                            client.post(target, data)
                            if form["method"] == "post"
                            else client.get(target, data)
                        )
                        if sent.status_code >= 500:
                            failures.append(
                                f"{form['method'].upper()} {target} {name}={bad} -> {sent.status_code}"
                            )
    assert not failures, "\n".join(failures[:40])


@pytest.mark.parametrize("raw", ["²", "١٢", "１２", " 12x", "", "1e3", "1.5", str(2**63), "0", "-4"])
def test_read_id_refuses_what_is_not_a_row_id_naming_the_field(raw):
    from beiyang.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        read_id(raw, "officer_id", label=("服务专员", "officer"))
    assert refused.value.field == "officer_id" and refused.value.status == 400
    assert refused.value.message.startswith("服务专员") and refused.value.message_en.startswith("officer")


def test_read_id_and_read_int_take_what_they_should():
    assert (
        read_id("12", "x") == 12
        and read_id(" 12 ", "x") == 12
        and read_id(str(MAX_ROW_ID), "x") == MAX_ROW_ID
    )
    assert read_id("", "x", optional=True) is None
    assert (
        read_int("-3", "x", low=-5, high=5) == -3 and read_int("", "x", low=0, high=1, optional=True) is None
    )
    with pytest.raises(Exception, match="from 0 to 5"):
        read_int("6", "x", low=0, high=5)
