"""Every page, for every role, read in Chinese: no internal code may reach the reader.

The demo town is loaded once; each role opens every page the portal has (ids filled from
the demo), and the text a person sees (including placeholders and button labels) is
searched for audit ids, status and role codes, policy ids, parameter ids and Python lists.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
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


def _codes(english: bool = False) -> set[str]:
    """Codes a reader must never see. In English a code whose English label is the code itself
    (the stage "seed") reads the same either way and is not a leak there."""
    from beiyang.policies.queries import current_pack
    from beiyang.web.labels import vocabularies

    pack = current_pack()
    pairs = [(code, pair[1]) for vocab in vocabularies().values() for code, pair in vocab.items()]
    for fact in pack.facts.values():
        pairs += [(code, text.en) for code, text in fact.values.items()]
    codes = {code for code, en in pairs if len(code) > 3 and not (english and en == code)}
    return codes | set(pack.policies)


def _alternation(codes) -> str:
    return "|".join(sorted((re.escape(c) for c in codes), key=len, reverse=True))


def internal_codes() -> list[re.Pattern]:
    words = _alternation(_codes())
    return [
        re.compile(r"\b[a-z_]+\.[a-z_]+\.[a-z_]+\b"),  # audit ids
        re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+_[a-z_]+\b"),  # parameter ids
        re.compile(rf"(?<![\w-])(?:{words})(?![\w-])"),  # status, role, kind, policy ids
        re.compile(r"\(参数|（参数|\['|\[\""),  # parameter notes and Python lists
        re.compile(r"\bNone\b|\bTrue\b|\bFalse\b"),
    ]


def internal_codes_in_english() -> list[re.Pattern]:
    """On English pages many codes are also English words ("confirmed", "agent"): such a code
    is a leak where it stands for a label (alone in its element, or before a count), not in a
    sentence. Codes with an underscore, and policy ids not used as an English compound
    ("talent-apartment fees"), are leaks anywhere."""
    codes = _codes(english=True)
    joined = _alternation(c for c in codes if "_" in c)
    hyphened = _alternation(c for c in codes if "-" in c and "_" not in c)
    plain = _alternation(c for c in codes if "-" not in c and "_" not in c)
    return [
        *internal_codes()[:2],
        re.compile(rf"(?<![\w-])(?:{joined})(?![\w-])"),
        re.compile(rf"(?<![\w-])(?:{hyphened})(?![\w-])(?! [a-z])"),
        re.compile(rf"^(?:{plain})(?:\s+[\d,]+)?$|(?:: |·\s?)(?:{plain})\b", re.MULTILINE),
        internal_codes()[3],
        re.compile(r"^(?:None|True|False)$|: (?:None|True|False)\b", re.MULTILINE),
    ]


def urls_for(ids: dict[str, int]) -> list[tuple[str, str]]:
    out = []
    for pattern in get_resolver("beiyang.web.urls").url_patterns:
        if not isinstance(pattern, URLPattern) or pattern.name in NOT_PAGES:
            continue
        route = str(pattern.pattern)
        for key, value in ids.items():
            route = route.replace(f"<int:{key}>", str(value)).replace(f"<str:{key}>", str(value))
        if "<" not in route:
            out.append((pattern.name, "/" + route))
    return out


@pytest.fixture(scope="module")
def demo_town(django_db_setup, django_db_blocker):
    from beiyang.applications.models import Application
    from beiyang.competitions.models import Competition
    from beiyang.demo import load_demo
    from beiyang.events.models import Event
    from beiyang.notifications.models import Message
    from beiyang.policies.models import PackVersion
    from beiyang.service.models import ServiceRequest

    with django_db_blocker.unblock():
        load_demo(companies=12)
        request = ServiceRequest.objects.first()
        ids = {
            "event_id": Event.objects.filter(title__startswith="今日").first().pk,
            "application_id": Application.objects.first().pk,
            # The founder's own message; to everyone else the page is a 404.
            "message_id": Message.objects.filter(user__phone=ROLES["founder"]).first().pk,
            "competition_id": Competition.objects.first().pk,
            "request_id": request.pk,
            "company_id": request.company_id,
            "kpi": "town_unicorns",
            "version_id": PackVersion.objects.order_by("id").first().pk,
        }
        yield ids
        # Module-scoped data outlives the per-test transactions; leave the database as found.
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", list(ROLES))
def test_no_internal_codes_in_any_page(role, language, demo_town):
    """Chinese as the browser asks; English as a reader chooses it (the language switch's cookie)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if language != "zh-hans":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if ROLES[role]:
        client.force_login(User.objects.get(phone=ROLES[role]))
    patterns = internal_codes() if language == "zh-hans" else internal_codes_in_english()
    problems = []
    for name, url in urls_for(demo_town):
        resp = client.get(url)
        if resp.status_code in (301, 302):
            continue
        assert resp.status_code in (200, 403, 404), (role, url, resp.status_code)
        assert resp.status_code != 404 or name not in ("home",), url
        html = resp.content.decode()
        assert f'<html lang="{language}">' in html, (role, url, "not in the chosen language")
        text = visible_text(html)
        for pattern in patterns:
            for match in pattern.finditer(text):
                line = next(ln for ln in text.splitlines() if match.group(0) in ln)
                problems.append(f"{url}: {match.group(0)!r} in {line[:120]!r}")
    print("\n".join(problems))
    assert not problems, "\n".join(problems)
