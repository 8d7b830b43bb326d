import re

import pytest

from beiyang.notifications.models import Message
from beiyang.policies.engine.pack import read_pack_files
from beiyang.policies.models import BenefitMatch, PackVersion

pytestmark = pytest.mark.django_db

PROFILE = {
    "as_of": "2026-11-29",
    "founder": {"birth_date": "1991-05-01"},
    "company": {
        "district": "徐汇",
        "sectors": ["llm"],
        "stage": "seed",
        "founded_on": "2025-03-01",
        "programmes": ["young-plan"],
        "headcount": 8,
        "in_town": True,
    },
}


def test_anonymous_calculator(api):
    resp = api.post("benefits/evaluate", PROFILE)
    assert resp.status_code == 200, resp.json()
    body = resp.json()
    results = {r["policy"]: r for r in body["results"]}
    assert len(results) == 11 and body["facts"]["founder.age"] == 35
    assert results["youth-fund"]["status"] == "eligible" and results["youth-fund"]["lane"] == "priority"
    assert results["startup-capital"]["amount_cny"] == 90000
    assert results["compute-voucher"]["breakdown"][0] == {
        "part": "city",
        "label": "市级资金",
        "label_en": "City funds",
        "amount_cny": 500000,
    }
    # Eligible first, larger amounts first.
    statuses = [r["status"] for r in body["results"]]
    assert statuses == sorted(statuses, key=["eligible", "undetermined", "ineligible"].index)
    # The three vouchers share one ceiling: the total counts it once.
    assert body["summary"]["eligible_amount_cny"] == 1_000_000 + 90_000 + 360_000 + 60_000


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"founder": {"age": 200}}, "founder.age", 422),
        ({"founder": {"birth_date": "2026-02-30"}}, "founder.birth_date", 422),
        ({"company": {"district": "东京"}}, "company.district", 400),
        ({"company": {"sectors": "llm"}}, "company.sectors", 422),
        ({"company": {"turnover": 5}}, "company.turnover", 422),
        ({"as_of": "1800-01-01"}, "as_of", 400),
        ({"policies": ["free-money"]}, "policies", 400),
    ],
)
def test_calculator_bad_input(api, body, field, status):
    resp = api.post("benefits/evaluate", body)
    assert resp.status_code == status and resp.json()["field"] == field, resp.json()


def test_policies_catalogue(api):
    policies = api.get("benefits/policies").json()
    assert {p["id"] for p in policies} >= {"youth-fund", "compute-voucher"}
    assert api.get("benefits/policies/youth-fund").json()["citations"][0]["document"].startswith("中国城市报")
    assert api.get("benefits/policies/nope").status_code == 404


def test_my_benefits(founder, make_founder):
    _user, _company, client = founder
    body = client.get("me/benefits").json()
    assert body["summary"]["eligible"] >= 5
    _u, _c, no_company = make_founder(with_company=False)
    assert no_company.get("me/benefits").json()["code"] == "no_company"


@pytest.mark.django_db(transaction=True)
def test_policy_finds_the_company_when_its_profile_changes(make_founder):
    """政策找人: moving to Xuhui makes the vouchers match, and the founder is told once."""
    user, _company, client = make_founder(district="长宁")
    assert client.put("me/company", {"district": "长宁区"}).status_code == 200  # no change, no message
    before = Message.objects.filter(user=user, kind="benefit").count()
    assert client.put("me/company", {"district": "徐汇"}).status_code == 200
    new = Message.objects.filter(user=user, kind="benefit").order_by("-id")
    assert new.count() == before + 1
    assert "算力券" in new[0].title and new[0].link == "/benefits/"
    # Amounts as the town writes them (100万元, not 1,000,000元), and in English too.
    assert "最高100万元" in new[0].body and not re.search(r"\d,\d{3}", new[0].body), new[0].body
    assert "Compute voucher" in new[0].title_en and "¥1,000,000" in new[0].body_en, new[0].body_en
    assert (
        BenefitMatch.objects.get(company__memberships__user=user, policy_id="compute-voucher").status
        == "eligible"
    )
    client.put("me/company", {"headcount": 9})
    assert Message.objects.filter(user=user, kind="benefit").count() == before + 1


def _changed_pack_files() -> dict:
    files = read_pack_files(__import__("django.conf").conf.settings.POLICY_PACK_DIR)
    # Whatever the shipped version is, a later one.
    files["pack.yaml"] = re.sub(r'version: "[^"]+"', 'version: "2099.12.1"', files["pack.yaml"], count=1)
    files["parameters.yaml"] = files["parameters.yaml"].replace(
        "  values: {2025-09-01: [徐汇]}\n  reference: {source: vouchers,",
        "  values: {2025-09-01: [徐汇, 长宁]}\n  reference: {source: vouchers,",
    )
    return files


def test_pack_versions_diff_preview_publish(founder, make_founder, make_staff):
    from beiyang.policies.actions import do_import_pack

    _u, _c, _client = founder
    make_founder(district="长宁")
    _admin_user, admin = make_staff("town_admin")
    current = do_import_pack(
        read_pack_files(__import__("django.conf").conf.settings.POLICY_PACK_DIR), publish=True
    )
    draft = do_import_pack(_changed_pack_files())
    assert draft.status == "draft" and current.status == "published"
    body = admin.get(f"staff/packs/{draft.pk}/diff").json()
    assert [p["parameter"] for p in body["diff"]["parameters"]] == ["vouchers.eligible_districts"]
    gains = {p["policy"]: len(p["gain"]) for p in body["preview"]["policies"]}
    assert gains == {"compute-voucher": 1, "model-voucher": 1, "corpus-voucher": 1}
    assert admin.post(f"staff/packs/{draft.pk}/publish").json()["status"] == "published"
    assert PackVersion.objects.get(pk=current.pk).status == "retired"
    assert admin.post(f"staff/packs/{draft.pk}/publish").status_code == 409
    _reviewer_user, reviewer = make_staff("reviewer")
    assert reviewer.get(f"staff/packs/{draft.pk}/diff").status_code == 403


def test_importing_a_changed_pack_under_the_same_version_is_refused():
    from beiyang.core.errors import Conflict
    from beiyang.policies.actions import do_import_pack

    files = read_pack_files(__import__("django.conf").conf.settings.POLICY_PACK_DIR)
    do_import_pack(files)
    files["parameters.yaml"] += "\n"
    with pytest.raises(Conflict):
        do_import_pack(files)
