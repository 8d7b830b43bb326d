"""Every demo role signs in, lands on its own workspace and follows every link its pages show:
none may answer 4xx or 5xx, nor a "no permission" page (issue 26: the voucher officer's
服务商管理 went to the admin's refusal, the judge's 看板 tab and the service officer's 转人工工单
answered 403)."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from beiyang.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Each demo login and the page it must land on after signing in.
ROLES = {
    "founder": ("13800000001", "/"),
    "student": ("13700000001", "/internships/"),
    "provider": ("13600000001", "/provider/"),
    "reviewer": ("13900000001", "/staff/"),
    "event_manager": ("13900000003", "/staff/"),
    "voucher_officer": ("13900000004", "/staff/"),
    "town_admin": ("13900000005", "/staff/"),
    "service_officer": ("13900000006", "/staff/"),
    "judge": ("13900000007", "/staff/"),
}
# Not pages to walk: the session's end, files and streams (opened, but not read for links),
# and the admin's own pages beyond its index (Django's, not ours).
NOT_FOLLOWED = ("/logout/", "/static/", "/api/v1/me/messages/stream")
FILES = (".ics", "export=", "/deck/", "/documents/", "/media/")
REFUSALS = ("没有权限", "你没有查看或编辑的权限", "You don't have permission")
MAX_PAGES = 250


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href and not href.startswith(("#", "mailto:", "tel:", "javascript:")):
                self.links.append(href)


def _local(base: str, href: str) -> str | None:
    url = urlsplit(urljoin(base, href))
    if url.netloc not in ("", "testserver"):
        return None
    path = url.path + (f"?{url.query}" if url.query else "")
    if path.startswith(NOT_FOLLOWED):
        return None
    if path.startswith("/admin/") and path != "/admin/":
        return None
    return path


@pytest.fixture(scope="module")
def demo_town(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    from beiyang.demo import load_demo

    with django_db_blocker.unblock():
        load_demo(companies=12)
        yield
        call_command("flush", interactive=False, verbosity=0)


def walk(client: Client, start: str) -> tuple[list[str], int]:
    """Breadth first from ``start``; returns the problems found and the pages read."""
    seen, queue, problems = {start}, deque([(start, "sign-in")]), []
    read = 0
    while queue and read < MAX_PAGES:
        url, came_from = queue.popleft()
        resp = client.get(url)
        read += 1
        where = f"{url} (linked from {came_from})"
        if resp.status_code >= 400:
            problems.append(f"{where}: {resp.status_code}")
            continue
        if resp.status_code in (301, 302):
            target = _local(url, resp["Location"])
            if target and target not in seen:
                seen.add(target)
                queue.append((target, url))
            continue
        if url.startswith(FILES) or any(mark in url for mark in FILES):
            continue
        if not resp.get("Content-Type", "").startswith("text/html"):
            continue
        html = resp.content.decode()
        refusal = next((r for r in REFUSALS if r in html), None)
        if refusal:
            problems.append(f"{where}: a refusal page ({refusal})")
            continue
        parser = _Links()
        parser.feed(html)
        for href in parser.links:
            target = _local(url, href)
            if target and target not in seen:
                seen.add(target)
                queue.append((target, url))
    return problems, read


@pytest.mark.parametrize("role", list(ROLES))
def test_every_link_on_a_roles_pages_opens(role, demo_town):
    phone, landing = ROLES[role]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    signed_in = client.post("/login/", {"phone": phone, "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    assert signed_in["Location"] == landing, (role, signed_in["Location"])
    problems, read = walk(client, landing)
    assert read > 3, (role, read)
    assert not problems, "\n".join(problems)


def test_anonymous_links_open(demo_town):
    problems, _ = walk(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), "/")
    assert not problems, "\n".join(problems)
