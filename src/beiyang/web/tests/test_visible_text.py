"""Every page, for every role, read in Chinese: no internal code may reach the reader.

The demo town is loaded once; each role opens every page the portal has (ids filled from
the demo), and the text a person sees (including placeholders and button labels) is
searched for audit ids, status and role codes, policy ids, parameter ids and Python lists.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver

from beiyang.accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROLES = {
    "anonymous": None,
    "founder": "13800000001",
    "reviewer": "13900000001",
    "event_manager": "13900000003",
    "voucher_officer": "13900000004",
    "town_admin": "13900000005",
}
# Routes that answer with files, streams or redirects rather than pages.
NOT_PAGES = {
    "logout",
    "event_feed_rotate",  # POST-only actions, not pages
    "event_feed_off",
    "send_code",
    "event_feed",
    "event_ics",
    "event_register",
    "event_cancel",
    "event_cancel_staff",
    "application_document",
}
VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class _Text(HTMLParser):
    """What a reader sees: text outside script/style, and labels carried in attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def internal_codes() -> list[re.Pattern]:
    from beiyang.policies.queries import current_pack
    from beiyang.web.labels import vocabularies

    pack = current_pack()
    codes = {code for vocab in vocabularies().values() for code in vocab if len(code) > 3}
    codes |= set(pack.policies)
    words = "|".join(sorted((re.escape(c) for c in codes), key=len, reverse=True))
    return [
        re.compile(r"\b[a-z_]+\.[a-z_]+\.[a-z_]+\b"),  # audit ids
        re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+_[a-z_]+\b"),  # parameter ids
        re.compile(rf"(?<![\w-])(?:{words})(?![\w-])"),  # status, role, kind, policy ids
        re.compile(r"\(参数|（参数|\['|\[\""),  # parameter notes and Python lists
        re.compile(r"\bNone\b|\bTrue\b|\bFalse\b"),
    ]


def urls_for(ids: dict[str, int]) -> list[tuple[str, str]]:
    out = []
    for pattern in get_resolver("beiyang.web.urls").url_patterns:
        if not isinstance(pattern, URLPattern) or pattern.name in NOT_PAGES:
            continue
        route = str(pattern.pattern)
        for key, value in ids.items():
            route = route.replace(f"<int:{key}>", str(value))
        if "<" not in route:
            out.append((pattern.name, "/" + route))
    return out


@pytest.fixture(scope="module")
def demo_town(django_db_setup, django_db_blocker):
    from beiyang.applications.models import Application
    from beiyang.demo import load_demo
    from beiyang.events.models import Event

    with django_db_blocker.unblock():
        load_demo(companies=12)
        ids = {
            "event_id": Event.objects.filter(title__startswith="今日").first().pk,
            "application_id": Application.objects.first().pk,
        }
        yield ids
        # Module-scoped data outlives the per-test transactions; leave the database as found.
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize("role", list(ROLES))
def test_no_internal_codes_in_chinese_pages(role, demo_town):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if ROLES[role]:
        client.force_login(User.objects.get(phone=ROLES[role]))
    patterns = internal_codes()
    problems = []
    for name, url in urls_for(demo_town):
        resp = client.get(url)
        if resp.status_code in (301, 302):
            continue
        assert resp.status_code in (200, 403, 404), (role, url, resp.status_code)
        assert resp.status_code != 404 or name not in ("home",), url
        text = visible_text(resp.content.decode())
        for pattern in patterns:
            for match in pattern.finditer(text):
                line = next(ln for ln in text.splitlines() if match.group(0) in ln)
                problems.append(f"{url}: {match.group(0)!r} in {line[:120]!r}")
    print("\n".join(problems))
    assert not problems, "\n".join(problems)
