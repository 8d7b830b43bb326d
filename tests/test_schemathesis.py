"""Every operation in the OpenAPI document, with generated input, as every kind of caller (an
anonymous visitor, a founder, a student, each staff role, a provider by its API key), served
in-process: no 5xx, and every 4xx is the API's error shape.

Bounded (a few derandomized examples an operation) so that ``make test`` stays quick; the
examples are the same on every run, so a failure here is a failure on the next run too.
(schemathesis' own pytest loader reaches into pytest internals that pytest 9 removed, so the
operations are parametrized here and each one's strategy is run with Hypothesis directly.)
"""

from __future__ import annotations

import functools

import pytest
import schemathesis
from conftest import assert_error_body, token_for
from hypothesis import HealthCheck, Phase, given, settings

pytestmark = pytest.mark.django_db(transaction=True)

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@functools.cache
def _document() -> dict:
    from beiyang.api.urls import api

    return api.get_openapi_schema()


@functools.cache
def _schema():
    from django.core.wsgi import get_wsgi_application

    loaded = schemathesis.openapi.from_dict(_document())
    loaded.app = get_wsgi_application()
    return loaded


OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in _document()["paths"].items()
    for method in item
    if method in HTTP_METHODS
)


def test_every_operation_is_covered():
    assert len(OPERATIONS) >= 50
    assert ("POST", "/api/v1/provider/redemptions") in OPERATIONS


def _check(case, response, caller: str) -> None:
    where = f"{caller}: {case.method} {case.formatted_path} {case.query or ''} {str(case.body)[:200]}"
    assert response.status_code < 500, f"{where} -> {response.status_code} {response.content[:300]!r}"
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), f"{where} -> {content_type}"
        assert_error_body(response.json())


def _every_operation(callers, max_examples: int = 8) -> list[str]:
    """Run each operation's generated examples as each caller; the first line of each failure.
    ``callers``: (name, a function giving that caller's headers, fresh each example, because a
    generated call may revoke the token before)."""
    failures = []
    for method, path in OPERATIONS:

        @given(case=_schema()[path][method].as_strategy())
        @settings(
            max_examples=max_examples,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            for name, headers in callers:
                _check(case, case.call(headers=headers()), name)

        try:
            run()
        except AssertionError as failure:
            failures.append(str(failure).splitlines()[0])
    return failures


def test_every_operation_as_founder_and_anonymous(founder):
    # One test over all operations: one database to set up and flush, not one per operation.
    user, _company, _api = founder
    failures = _every_operation(
        [("anonymous", dict), ("founder", lambda: {"Authorization": f"Bearer {token_for(user)}"})]
    )
    assert not failures, "\n".join(failures)


def test_every_operation_as_town_admin(make_staff):
    """The town administrator holds every staff role: every staff operation's input is attacked."""
    admin, _api = make_staff("town_admin")
    failures = _every_operation([("town admin", lambda: {"Authorization": f"Bearer {token_for(admin)}"})])
    assert not failures, "\n".join(failures)


# Each remaining role with fewer examples: their operations' input was attacked above by the
# founder and the town admin; here each role's own permission paths meet generated input.
ROLE_EXAMPLES = 2


def _student(make_founder):
    from beiyang.internships.actions import do_set_student

    user, _company, _api = make_founder(with_company=False)
    do_set_student(user, school="上海交通大学", programme="人工智能", skills=["python"])
    return user


@pytest.mark.slow
@pytest.mark.parametrize(
    "role",
    ["student", "reviewer", "event_manager", "voucher_officer", "service_officer", "judge", "provider"],
)
def test_every_operation_as_each_other_role(role, make_founder, make_staff):
    if role == "provider":
        from beiyang.accounts.actions import do_create_provider

        _provider, key = do_create_provider(name="徐汇智算中心", kinds=["compute", "model"])
        headers = lambda: {"X-Api-Key": key}  # noqa: E731
    else:
        user = _student(make_founder) if role == "student" else make_staff(role)[0]
        headers = lambda: {"Authorization": f"Bearer {token_for(user)}"}  # noqa: E731
    failures = _every_operation([(role, headers)], max_examples=ROLE_EXAMPLES)
    assert not failures, "\n".join(failures)
