"""A pack's rules and test cases are checked whole before a version is imported or published:
types, the language's bounds, the shape of each test case, and every rule evaluated over
boundary profiles. A version stored before these checks whose rule fails at run time answers
"cannot be determined" for that policy, in both languages, on every surface: never a 500."""

import re

import pytest
from conftest import page_client
from django.conf import settings

from beiyang.core.models import AuditEntry
from beiyang.policies import actions
from beiyang.policies.engine import load_pack
from beiyang.policies.engine.pack import read_pack_files
from beiyang.policies.models import BenefitMatch, PackVersion
from beiyang.policies.tests.test_pack_pages import (
    NEW_POLICY,
    NEXT_VERSION,
    _upload,
    _without_test_cases,
    _zip,
)

pytestmark = pytest.mark.django_db

HEADCOUNT_BOMB = "if(coalesce(company.headcount, 0) > 100000, add_years(today, 100000) > today, true)"


def _with_criterion(when: str) -> dict[str, str]:
    files = _without_test_cases()
    files["policies/agent-grant.yaml"] = NEW_POLICY.replace(
        "    when: company.district in params.xuhui.districts\n",
        f"    when: company.district in params.xuhui.districts\n  - id: hostile\n"
        f'    label: {{zh: 恶意条件, en: hostile}}\n    when: "{when}"\n',
    )
    return files


def _with_case(case: str) -> dict[str, str]:
    return {**_without_test_cases(), "tests/hostile.yaml": case}


GOOD_CASE = "- name: 徐汇企业\n  as_of: 2026-11-29\n  profile: {company: {district: 徐汇}}\n  expect: {agent-grant: {status: eligible}}\n"

REFUSED = {
    "min of a number and text": (_with_criterion("min(1, 'a') > 0"), "min() needs values of one type"),
    "text repeated": (_with_criterion("count('x' * 10000000000000) > 0"), "* needs numbers"),
    "a power": (_with_criterion("count('x' * 10 ** 13) > 0"), "unexpected"),
    "a date ten thousand years on": (
        _with_criterion("add_years(today, 100000) > today"),
        "outside the years",
    ),
    "a bomb set off by headcount": (_with_criterion(HEADCOUNT_BOMB), "company.headcount"),
    "a cube of headcount": (
        _with_criterion("company.headcount * company.headcount * company.headcount > 0"),
        "a number beyond",
    ),
    "a district ordered against a number": (
        _with_criterion("company.district > 5"),
        "orders numbers or dates",
    ),
    "a huge literal": (_with_criterion("company.headcount < 99999999999999999999"), "number larger than"),
    "a criterion that is a number": (_with_criterion("company.headcount + 1"), "needs true/false"),
    "as_of not a date": (_with_case(GOOD_CASE.replace("2026-11-29", "not-a-date")), "as_of must be a date"),
    "expect as a list": (
        _with_case(GOOD_CASE.replace("{agent-grant: {status: eligible}}", "[agent-grant]")),
        "expect (policy id: expected answer) must be a mapping",
    ),
    "profile a number": (
        _with_case(GOOD_CASE.replace("{company: {district: 徐汇}}", "5")),
        "profile is a mapping",
    ),
    "an unknown status": (_with_case(GOOD_CASE.replace("eligible}}", "maybe}}")), "status must be one of"),
    "an amount as text": (
        _with_case(GOOD_CASE.replace("eligible}}", "eligible, amount_cny: lots}}")),
        "amount_cny is a number",
    ),
    "a case whose profile the engine refuses": (
        _with_case(GOOD_CASE.replace("{district: 徐汇}", "{headcount: -5}")),
        "自带的测试未通过",
    ),
    "a February 30th": (_with_case(GOOD_CASE.replace("2026-11-29", "2026-02-30")), "not valid YAML"),
    "a parameter beyond the bounds": (
        {
            **_without_test_cases(),
            "parameters.yaml": _without_test_cases()["parameters.yaml"].replace(
                "values: {2025-09-01: 1_000_000}", "values: {2025-09-01: 1_000_000_000_000_000_000}", 1
            ),
        },
        "a number beyond",
    ),
    "a platform parameter missing": (
        {
            **_without_test_cases(),
            "parameters.yaml": _without_test_cases()["parameters.yaml"].replace(
                "service.reopen_days:", "service.reopen_days_renamed:"
            ),
        },
        "platform parameters missing: service.reopen_days",
    ),
    "an alias bomb": (_with_case("- &a [1]\n- *a\n"), "anchors and aliases"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_pack_that_cannot_be_run_is_refused_whole_with_the_reason(admin_page, name):
    files, reason = REFUSED[name]
    response = _upload(admin_page, _zip(files))
    text = response.content.decode()
    assert response.status_code == 400, text[-600:]
    assert reason in text, text[-1200:]
    assert PackVersion.objects.count() == 0
    assert not AuditEntry.objects.filter(action_type__startswith="policies").exists()


def test_loadpack_and_the_import_action_refuse_what_the_upload_refuses():
    from beiyang.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="cannot be evaluated"):
        actions.do_import_pack(_with_criterion(HEADCOUNT_BOMB))
    assert PackVersion.objects.count() == 0


def _stored_before_the_checks(when: str, publish: bool = True) -> PackVersion:
    """A version imported before these checks existed, stored as it is: the repository's pack
    (its policy names, which the agent's model is trained for) with a hostile criterion added
    to startup capital."""
    files = read_pack_files(settings.POLICY_PACK_DIR)
    files["pack.yaml"] = re.sub(r'(?m)^version: ".*"$', f'version: "{NEXT_VERSION}"', files["pack.yaml"])
    files["policies/startup-capital.yaml"] = files["policies/startup-capital.yaml"].replace(
        "criteria:\n",
        f'criteria:\n  - id: hostile\n    label: {{zh: 恶意条件, en: hostile}}\n    when: "{when}"\n',
        1,
    )
    pack = load_pack(files, stored=True)
    return PackVersion.objects.create(
        pack_id=pack.id,
        version=pack.version,
        checksum=pack.checksum,
        files=files,
        status=PackVersion.PUBLISHED if publish else PackVersion.DRAFT,
        published_at="2026-01-01T00:00:00Z" if publish else None,
    )


def test_publishing_a_stored_version_that_cannot_be_run_is_refused(make_staff):
    version = _stored_before_the_checks(HEADCOUNT_BOMB, publish=False)
    _admin, api = make_staff("town_admin")
    response = api.post(f"staff/packs/{version.pk}/publish")
    assert response.status_code == 400 and "cannot be evaluated" in response.json()["message_en"]
    version.refresh_from_db()
    assert version.status == PackVersion.DRAFT


@pytest.mark.parametrize(
    "when",
    [HEADCOUNT_BOMB, "min(1, 'a') > 0", "company.headcount * company.headcount * company.headcount > 0"],
)
def test_a_rule_failing_at_run_time_makes_that_policy_undetermined_everywhere(make_founder, api, when):
    _stored_before_the_checks(when)
    company_facts = {"district": "徐汇", "sectors": ["llm"], "headcount": 200000}
    response = api.post("benefits/evaluate", {"company": company_facts})
    assert response.status_code == 200, response.content[:500]
    results = {r["policy"]: r for r in response.json()["results"]}
    hostile = results["startup-capital"]
    assert hostile["status"] == "undetermined"
    assert (
        "无法计算" in hostile["evaluation_error"] and "cannot be determined" in hostile["evaluation_error_en"]
    )
    assert results["compute-voucher"]["status"] == "eligible"  # the others answered as usual
    assert results["compute-voucher"]["evaluation_error"] is None

    user, company, founder_api = make_founder(district="徐汇", sectors=["llm"], headcount=200000)
    assert founder_api.get("me/benefits").status_code == 200
    page = page_client(user).get("/benefits/")
    assert page.status_code == 200 and "该政策的条件暂时无法计算" in page.content.decode()
    english = page_client(user, "en").get("/benefits/")
    assert english.status_code == 200 and "cannot be computed" in english.content.decode()
    calculator = page_client().post("/benefits/calculator/", {"district": "徐汇", "headcount": "200000"})
    assert calculator.status_code == 200

    actions.do_match_company(company.pk)  # 政策找人 goes on for the other policies
    assert BenefitMatch.objects.get(company=company, policy_id="startup-capital").status == "undetermined"
    assert BenefitMatch.objects.get(company=company, policy_id="compute-voucher").status == "eligible"

    reply = founder_api.post("agent/messages", {"text": "我能申请创业启动资金吗"})
    assert reply.status_code == 200, reply.content[:500]
    assert "暂时无法判断创业启动资金" in reply.json()["reply"], reply.json()
