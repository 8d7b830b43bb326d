import datetime as dt
import random

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from beiyang.bench.profiles import synthetic_profile
from beiyang.policies.engine import ProfileError, evaluate, load_pack_dir
from beiyang.policies.engine.vector import evaluate_batch

PACK = load_pack_dir(settings.POLICY_PACK_DIR)
AS_OF = dt.date(2026, 11, 29)


def test_engine_imports_no_django():
    import ast
    import pathlib

    for path in pathlib.Path(PACK.files and settings.PACKAGE_DIR / "policies" / "engine").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            assert not any(n.startswith("django") for n in names), path


def test_full_explanation_for_a_founder_outside_xuhui():
    result = (
        evaluate(PACK, {"founder": {"age": 30}, "company": {"district": "长宁区", "sectors": ["llm"]}}, AS_OF)
        .by_policy()["compute-voucher"]
        .to_dict()
    )
    assert result["status"] == "ineligible" and result["amount_cny"] is None
    assert {c["id"]: c["result"] for c in result["criteria"]} == {
        "ai-company": "pass",
        "registered-in-xuhui": "fail",
        "ceiling": "pass",
    }
    assert result["criteria"][1]["facts"] == {"company.district": "长宁"}
    [suggestion] = result["would_qualify_if"]
    assert suggestion["changes"] == [{"fact": "company.district", "value": "徐汇"}]
    assert suggestion["label"] == "在徐汇区注册即可符合条件"
    assert suggestion["label_en"] == "Registering in Xuhui would qualify you"
    assert result["citations"][0]["quote"].startswith("“水电一样便利”")
    assert any(p["assumption"] for p in result["parameters"])


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"founder": {"age": 151}}, "founder.age"),
        ({"founder": {"age": "thirty"}}, "founder.age"),
        ({"founder": {"birth_date": "1990-02-30"}}, "founder.birth_date"),
        ({"founder": {"birth_date": "2030-01-01"}}, "founder.birth_date"),
        ({"company": {"district": "Narnia"}}, "company.district"),
        ({"company": {"stage": "series-z"}}, "company.stage"),
        ({"company": {"sectors": "llm"}}, "company.sectors"),
        ({"company": {"revenue": 1}}, "company.revenue"),
        ({"founder": {"age": 30, "birth_date": "1980-01-01"}}, "founder.age"),
        ({"spouse": {}}, "spouse"),
    ],
)
def test_bad_profiles_name_the_field(profile, field):
    with pytest.raises(ProfileError) as err:
        evaluate(PACK, profile, AS_OF)
    assert err.value.field == field and err.value.message and err.value.message_en


@given(st.integers(0, 2**32))
@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_vectorised_batch_agrees_with_the_scalar_engine(seed):
    rng = random.Random(seed)
    profiles = [synthetic_profile(rng) for _ in range(200)]
    batch = evaluate_batch(PACK, profiles, AS_OF).policies
    for pid in PACK.policies:
        statuses = [evaluate(PACK, p, AS_OF, policies=[pid], suggest=False).results[0] for p in profiles]
        assert batch[pid]["eligible"] == sum(r.status == "eligible" for r in statuses)
        assert batch[pid]["undetermined"] == sum(r.status == "undetermined" for r in statuses)
        if "eligible_amount_fen" in batch[pid]:
            assert batch[pid]["eligible_amount_fen"] == sum(
                r.amount_fen or 0 for r in statuses if r.status == "eligible"
            )


def test_batch_names_the_profile_at_fault():
    with pytest.raises(ProfileError) as err:
        evaluate_batch(PACK, [{"company": {"district": "徐汇"}}, {"company": {"district": "Narnia"}}], AS_OF)
    assert err.value.field == "[1].company.district"


def test_suggestions_never_propose_changing_age():
    result = evaluate(
        PACK,
        {
            "founder": {"age": 40},
            "company": {"district": "徐汇", "sectors": ["llm"], "founded_on": "2025-01-01", "headcount": 3},
        },
        AS_OF,
    ).by_policy()["startup-capital"]
    assert result.status == "ineligible" and result.would_qualify_if == []


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"company": {"headcount": True}}, "[1].company.headcount"),
        ({"company": {"in_town": 1}}, "[1].company.in_town"),
        ({"company": {"sectors": "llm"}}, "[1].company.sectors"),
        ({"company": {"sectors": [{"x": 1}]}}, "[1].company.sectors"),
        ({"company": {"founded_on": "2025-02-30"}}, "[1].company.founded_on"),
        ({"founder": {"birth_date": 19900101}}, "[1].founder.birth_date"),
        ({"founder": "old"}, "[1].founder"),
        ({"partner": {}}, "partner"),
    ],
)
def test_batch_validation_matches_the_scalar_engine(bad, field):
    good = {"founder": {"age": 30}, "company": {"sectors": ["llm"], "headcount": 3, "in_town": True}}
    with pytest.raises(ProfileError) as err:
        evaluate_batch(PACK, [good, bad], AS_OF)
    assert err.value.field == field


def test_batch_with_unknown_sets_and_dates_mixed_in():
    rows = [
        {"company": {"sectors": ["llm"], "founded_on": "2025-01-01"}},
        {"company": {"sectors": None}},
        {"company": {}},
    ]
    summary = evaluate_batch(PACK, rows, AS_OF).policies
    expected = [
        evaluate(PACK, r, AS_OF, policies=["compute-voucher"], suggest=False).results[0].status for r in rows
    ]
    assert summary["compute-voucher"]["undetermined"] == expected.count("undetermined")
