"""A second town's pack (packs/minhang-example: an invented Minhang AI quarter with its own
policies, voucher kinds, ceilings, durations and aliases) runs the platform without a code
change: it loads and publishes with ``beiyang loadpack``, answers evaluations, renders the
benefits pages, carries approved applications into its own voucher kinds and waiver months,
holds its own competition, and the agent recognises its policies by their aliases."""

import datetime as dt

import pytest
from conftest import page_client
from django.core.management import call_command
from django.utils import timezone

from beiyang.applications.tests.test_applications import ready
from beiyang.policies import queries
from beiyang.policies.engine.pack import load_pack_dir
from beiyang.policies.engine.testing import run_pack_tests
from beiyang.policies.models import PackVersion
from beiyang.vouchers.models import Grant

pytestmark = pytest.mark.django_db(transaction=True)

from beiyang import paths  # noqa: E402

TOWN = paths.PACKS_DIR / "minhang-example"
MINHANG = {"district": "闵行", "sectors": ["robotics"], "stage": "angel", "in_town": True}


@pytest.fixture
def town(db):
    call_command("loadpack", str(TOWN), "--publish", "--note", "示例街区")
    queries.forget_current_pack()
    return queries.current_pack()


@pytest.fixture
def town_founder(town, make_founder):
    return make_founder(**MINHANG, founded_on=dt.date(2024, 5, 1))


def test_the_pack_passes_its_own_cases_and_loads_and_publishes(town):
    assert run_pack_tests(load_pack_dir(TOWN)) == {}
    version = PackVersion.objects.get(pack_id="minhang-example")
    assert version.status == PackVersion.PUBLISHED and version.note == "示例街区"
    assert town.id == "minhang-example"
    assert set(town.policies) == {
        "data-voucher",
        "testing-voucher",
        "lab-rent-waiver",
        "embodied-ai-challenge",
    }
    assert town.voucher_kinds["testing"].zh == "测试验证券"


def test_evaluations_answer_with_the_towns_policies_and_ceiling(town, api):
    body = api.post("benefits/evaluate", {"company": {"district": "闵行区", "sectors": ["robotics"]}}).json()
    assert body["pack"]["id"] == "minhang-example"
    results = {r["policy"]: r for r in body["results"]}
    assert "compute-voucher" not in results
    assert results["data-voucher"]["status"] == "eligible" and results["data-voucher"]["amount_cny"] == 300000
    assert [b["amount_cny"] for b in results["data-voucher"]["breakdown"]] == [90000, 210000]
    assert body["summary"]["eligible_amount_cny"] == 600000  # the shared ceiling, not 800,000


def test_the_benefits_pages_show_the_towns_benefits(town_founder):
    user, _company, _api = town_founder
    page = page_client(user).get("/benefits/").content.decode()
    assert "数据券" in page and "测试验证券" in page and "最高30万元" in page
    # No Beiyang benefit (the site's name is the deployment's TOWN_NAME setting, not the pack's).
    assert "算力券" not in page and "benefit-compute-voucher" not in page and "benefit-data-voucher" in page
    english = page_client(user, "en").get("/benefits/").content.decode()
    assert "Data voucher" in english and "Testing voucher" in english
    home = page_client().get("/").content.decode()  # what the town offers, from its pack
    assert "数据券 · 最高30万元" in home and "算力券" not in home


def test_an_approved_voucher_application_grants_the_towns_kind(town_founder, make_staff):
    from beiyang.vouchers.actions import do_fund_pool

    for kind in ("data", "testing"):
        for source in ("city", "district"):
            do_fund_pool(kind=kind, source=source, year=timezone.localdate().year, amount_fen=10_000_000_00)
    _user, _company, client = town_founder
    app = ready(client, policy="data-voucher", amount="80000")
    assert set(app["documents_required"]) == {"business_licence", "data_plan", "provider_quote"}
    client.post(f"applications/{app['id']}/submit")
    _reviewer, reviewer = make_staff("reviewer")
    done = reviewer.post(f"staff/applications/{app['id']}/approve", {"reason": "同意"}).json()
    assert done["status"] == "approved", done
    grant = Grant.objects.get(pk=done["voucher_grant_id"])
    assert grant.kind == "data" and grant.amount_fen == 80_000_00
    assert (grant.city_fen, grant.district_fen) == (24_000_00, 56_000_00)  # the town's 3:7 split
    mine = client.get("me/vouchers").json()["grants"][0]
    assert mine["kind"] == "data" and mine["kind_label"] == "数据券"


def test_an_approved_lab_waiver_runs_for_the_towns_months(town_founder, make_staff):
    _user, _company, client = town_founder
    app = ready(client, policy="lab-rent-waiver")
    client.post(f"applications/{app['id']}/submit")
    (_a, first), (_b, second) = make_staff("reviewer"), make_staff("reviewer")
    first.post(f"staff/applications/{app['id']}/approve", {"reason": "入驻街区"})  # above four eyes
    done = second.post(f"staff/applications/{app['id']}/approve", {"reason": "复核同意"}).json()
    start, until = dt.date.fromisoformat(done["waiver_from"]), dt.date.fromisoformat(done["waiver_until"])
    assert start == timezone.localdate() and 725 <= (until - start).days <= 731  # 24 months, not 12


def test_a_competition_is_held_under_the_towns_competition_policy(town, make_staff):
    from beiyang.competitions.actions import do_create_competition

    admin, _api = make_staff("town_admin")
    today = timezone.now()
    competition = do_create_competition(
        admin,
        title="具身智能挑战赛2027",
        prize_pool_cny="500000",
        rounds=[{"name": "初赛", "starts_at": today, "ends_at": today + dt.timedelta(days=30), "advance": 5}],
        rubric=[{"id": "tech", "label": "技术", "weight": 1, "max": 10}],
    )
    assert competition.policy_id == "embodied-ai-challenge"


@pytest.mark.slow  # the agent's model is retrained for another pack's names (about a minute)
def test_the_agent_recognises_the_towns_policies_by_their_aliases(town_founder):
    _user, _company, client = town_founder
    reply = client.post("agent/messages", {"text": "数据卷能申请吗"}).json()  # a typo alias
    assert "数据券" in reply["reply"] and "算力券" not in reply["reply"], reply
    other = client.post("agent/messages", {"text": "测试券能申请吗"}).json()  # a short form
    assert "测试验证券" in other["reply"], other
