"""Fixtures shared by every test: an API client, founders with companies, staff of each role."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent
BACKENDS = ("sqlite", "postgresql", "redis")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def shared_dir() -> Path | None:
    """The project's ``shared/`` folder (DOMAIN.md, the seed article, the agent's dev set):
    ``BEIYANG_SHARED_DIR``, or the first ``shared/`` found walking up from the repository,
    wherever the checkout sits (a worktree, CI's clone beside a copy of it)."""
    if os.environ.get("BEIYANG_SHARED_DIR"):
        return Path(os.environ["BEIYANG_SHARED_DIR"])
    for folder in (ROOT, *ROOT.parents):
        if (folder / "shared").is_dir():
            return folder / "shared"
    return None


def shared_path(*parts: str) -> Path:
    """A path inside ``shared/``; the test is skipped without it (and fails under CI)."""
    base = shared_dir()
    path = base.joinpath(*parts) if base else None
    if path is None or not path.exists():
        pytest.skip(f"shared/{'/'.join(parts)} not found: set BEIYANG_SHARED_DIR")
    return path


def pytest_collection_modifyitems(config, items) -> None:
    """``@pytest.mark.backend("redis")``: a test of one configuration (``make test`` is SQLite
    without Redis, ``make test-pg`` PostgreSQL with it) is skipped under the other one."""
    from django.conf import settings
    from django.db import connection

    present = {connection.vendor} | ({"redis"} if settings.REDIS_URL else set())
    for item in items:
        for mark in item.iter_markers("backend"):
            assert mark.args[0] in BACKENDS, mark
            if mark.args[0] not in present:
                item.add_marker(pytest.mark.skip(reason=f"runs with {mark.args[0]} only"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under ``CI=true`` a skipped test is a failure: a missing tool or file must not pass as
    green. Only the other configuration's tests (``backend`` mark) may be skipped there."""
    report = yield
    if (
        in_ci()
        and report.skipped
        and not hasattr(report, "wasxfail")
        and not item.get_closest_marker("backend")
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which counts as a failure: {reason}"
    return report


class Api:
    """A JSON client for /api/v1 with an optional bearer token."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        out = dict(headers or {})
        if self.token:
            out.setdefault("Authorization", f"Bearer {self.token}")
        return out

    def call(
        self, method: str, path: str, body=None, headers: dict | None = None, raw: bytes | str | None = None
    ):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        if data is not None:
            kwargs["data"] = data
        return getattr(self.client, method)(url, headers=self._headers(headers), **kwargs)

    def get(self, path, **kw):
        return self.call("get", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("post", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("put", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("patch", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("delete", path, **kw)


# Tests whose voucher books did not balance when they ended (``beiyang reconcile`` over each
# test's data, before it is rolled back or flushed): any of them fails the session at its end.
UNRECONCILED: list[str] = []


@pytest.fixture(autouse=True)
def _books_balance_after_each_test(request):
    if request.node.get_closest_marker("django_db") is None and not {"db", "transactional_db"} & set(
        request.fixturenames
    ):
        yield
        return
    # Set up after the database (pytest-django's helper behind the marker, db and
    # transactional_db alike), so that the check runs before it is rolled back or flushed.
    request.getfixturevalue("_django_db_helper")
    yield
    from beiyang.vouchers.models import Transfer
    from beiyang.vouchers.queries import reconcile

    if Transfer.objects.exists() and not (report := reconcile())["balanced"]:
        UNRECONCILED.append(f"{request.node.nodeid}: {report['mismatches'][:3]} {report['overdrawn'][:3]}")


def pytest_sessionfinish(session, exitstatus) -> None:
    """``beiyang reconcile`` over the suite's data: the books of every test balanced."""
    if UNRECONCILED:
        session.exitstatus = 1
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("voucher books do not balance after: / 账不平:", red=True)
            for line in UNRECONCILED:
                reporter.write_line(f"  {line}", red=True)


@pytest.fixture(autouse=True)
def _isolated_side_channels(settings):
    """SMS into a list, rate-limit cache and remembered tokens empty, for every test (a rolled
    back test deletes its users without the signals that would make the process forget them)."""
    from django.core.cache import cache

    from beiyang.accounts import sms
    from beiyang.accounts.token_cache import token_users

    settings.SMS_BACKEND = "beiyang.accounts.sms.LocmemSmsBackend"
    sms.outbox.clear()
    cache.clear()
    token_users.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def api() -> Api:
    return Api()


def token_for(user) -> str:
    from beiyang.accounts.actions import do_issue_token

    return do_issue_token(user, "test")[1]


@pytest.fixture
def make_founder(db) -> Callable:
    """A founder (and optionally their company) with an API client signed in as them."""
    from beiyang.accounts.tests.factories import UserFactory
    from beiyang.companies.tests.factories import CompanyFactory, MembershipFactory

    def make(with_company: bool = True, **company_fields):
        user = UserFactory()
        company = None
        if with_company:
            company = CompanyFactory(**company_fields)
            MembershipFactory(user=user, company=company)
        return user, company, Api(token_for(user))

    return make


@pytest.fixture
def founder(make_founder):
    return make_founder()


@pytest.fixture
def make_staff(db) -> Callable:
    from beiyang.accounts.actions import do_create_staff
    from beiyang.accounts.tests.factories import next_phone

    def make(role: str):
        user = do_create_staff(phone=next_phone(), password="Str0ng-pass-1", role=role, name=role)
        return user, Api(token_for(user))

    return make


def page_client(user=None, language: str | None = None) -> Client:
    """A browser-like client for pages: Chinese as the browser asks, or the language a reader
    chose with the switch (its cookie); signed in as ``user`` when given."""
    from django.conf import settings

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def admin_page(make_staff) -> Client:
    """A town administrator's pages."""
    return page_client(make_staff("town_admin")[0])


@pytest.fixture(autouse=True)
def _fresh_pack_choice():
    """Each test sees the pack its own database publishes, not one remembered from another test."""
    from beiyang.policies.queries import forget_current_pack

    forget_current_pack()
    yield
    forget_current_pack()


def assert_api_error(resp, status: int) -> dict:
    """``resp`` is the API's own JSON error: the status, a code and both messages."""
    assert resp.status_code == status, (resp.status_code, resp.content[:300])
    assert resp["Content-Type"].startswith("application/json"), resp["Content-Type"]
    return assert_error_body(resp.json())


def assert_error_body(body) -> dict:
    assert isinstance(body, dict), body
    assert isinstance(body.get("code"), str) and body["code"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    assert isinstance(body.get("message_en"), str) and body["message_en"], body
    assert isinstance(body.get("field"), str | None), body
    return body
