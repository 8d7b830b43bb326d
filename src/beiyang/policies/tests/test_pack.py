"""The Beiyang pack: its own YAML cases, its figures, and the loader's refusals."""

import pytest
from conftest import shared_path
from django.conf import settings

from beiyang.policies.engine import PackError, load_pack, load_pack_dir
from beiyang.policies.engine.pack import read_pack_files
from beiyang.policies.engine.testing import run_case

PACK = load_pack_dir(settings.POLICY_PACK_DIR)
CASES = PACK.tests


@pytest.mark.parametrize("case", CASES, ids=[f"{c['file']}:{c['line']}" for c in CASES])
def test_pack_case(case):
    assert run_case(PACK, case) == []


def test_the_eleven_benefits_of_the_article_are_there():
    assert set(PACK.policies) == {
        "youth-fund",
        "young-plan",
        "compute-voucher",
        "model-voucher",
        "corpus-voucher",
        "office-rent-waiver",
        "talent-apartment",
        "startup-capital",
        "hkust-incubator",
        "hkust-competition",
        "sequoia-accelerator",
    }


def test_figures_from_the_article_are_not_assumptions_and_cite_it():
    seed = {
        "youth_fund.fund_size_cny": 2_000_000_000,
        "youth_fund.max_age": 35,
        "vouchers.ceiling_cny": 1_000_000,
        "startup_capital.max_cny": 100_000,
        "office.max_months": 12,
        "apartment.max_months": 12,
        "hkust.incubator_area_m2": 6000,
        "hkust.lab_area_m2": 2000,
        "hkust.competition_prize_pool_cny": 1_000_000,
    }
    for pid, value in seed.items():
        param = PACK.parameters[pid]
        assert param.dated_values[-1][1] == value and not param.assumption and param.reference.get("source")


def test_every_figure_not_in_the_article_is_flagged():
    for pid in (
        "vouchers.city_share",
        "vouchers.subsidy_rate",
        "office.rent_cny_per_m2_month",
        "startup_capital.base_cny",
        "review.sla_normal_days",
        "review.four_eyes_threshold_cny",
    ):
        assert PACK.parameters[pid].assumption, pid


def test_every_source_quotes_the_article_verbatim():
    seed = shared_path("seed")
    article = next(seed.glob("*.txt")).read_text(encoding="utf-8")
    flat = "".join(article.split())
    for source in PACK.sources.values():
        if source.document.startswith("中国城市报"):
            for fragment in "".join(source.quote.split()).split("……"):
                assert fragment in flat, source.id


def _files(**changes):
    files = read_pack_files(settings.POLICY_PACK_DIR)
    files.update(changes)
    return files


@pytest.mark.parametrize(
    ("name", "text", "reason", "line"),
    [
        ("policies/youth-fund.yaml", "id: youth-fund\ntitle: [oops\n", "not valid YAML", 2),
        (
            "policies/x.yaml",
            "id: x\ntitle: {zh: a, en: b}\nsummary: {zh: a, en: b}\nlevel: galaxy\n",
            "level",
            1,
        ),
        (
            "policies/x.yaml",
            "id: x\ntitle: {zh: a, en: b}\nsummary: {zh: a, en: b}\nlevel: town\nkind: voucher\n"
            "provider: {zh: a, en: b}\nsources: [fund]\neffective: {from: 2025-01-01}\ncriteria:\n"
            "  - id: c\n    label: {zh: a, en: b}\n    when: company.revenue > 3\n",
            "unknown fact",
            10,
        ),
        (
            "policies/x.yaml",
            "id: x\ntitle: {zh: a, en: b}\nsummary: {zh: a, en: b}\nlevel: town\nkind: voucher\n"
            "provider: {zh: a, en: b}\nsources: [fund]\neffective: {from: 2025-01-01}\ncriteria:\n"
            "  - id: c\n    label: {zh: a, en: b}\n    when: __import__('os')\n",
            "underscore",
            10,
        ),
        (
            "policies/x.yaml",
            "id: x\ntitle: {zh: a, en: b}\nsummary: {zh: a, en: b}\nlevel: town\nkind: voucher\n"
            "provider: {zh: a, en: b}\nsources: [fund]\neffective: {from: 2025-01-01}\ncriteria:\n"
            "  - id: c\n    label: {zh: a, en: b}\n    when: eval('1')\n",
            "unknown function",
            10,
        ),
        ("policies/x.yaml", "id: x\nid: y\n", "duplicate key", 2),
        (
            "policies/zz.yaml",
            "id: youth-fund\ntitle: {zh: a, en: b}\nsummary: {zh: a, en: b}\nlevel: town\n"
            "kind: voucher\nprovider: {zh: a, en: b}\nsources: [fund]\neffective: {from: 2025-01-01}\n",
            "used twice",
            1,
        ),
        ("parameters.yaml", "x.y:\n  label: {zh: a, en: b}\n  values: {2025-01-01: 3}\n", "reference", 2),
    ],
)
def test_invalid_packs_are_refused_with_file_line_and_reason(name, text, reason, line):
    with pytest.raises(PackError) as err:
        load_pack(_files(**{name: text}))
    assert err.value.file == name and reason in err.value.reason and err.value.line == line


def test_a_pack_without_policies_or_pack_yaml():
    with pytest.raises(PackError, match=r"pack\.yaml is missing"):
        load_pack({})


def test_every_amount_carries_its_published_maximum_from_cited_parameters():
    for policy in PACK.policies.values():
        if policy.amount is None:
            continue
        assert policy.amount.max_params, policy.id
        for pid in policy.amount.max_params:
            assert PACK.parameters[pid].reference, (policy.id, pid)
            assert pid in policy.params, (policy.id, pid)  # listed with the answer's parameters


STARTUP = "policies/startup-capital.yaml"


def _startup_amount(amount: str) -> str:
    text = read_pack_files(settings.POLICY_PACK_DIR)[STARTUP]
    head, _old, tail = text.partition(text[text.index("amount:\n") : text.index("apply:\n")])
    return head + amount + tail


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("amount:\n  formula: params.startup_capital.max_cny\n", "max"),
        (
            "amount:\n  formula: params.startup_capital.max_cny\n  max: company.headcount * 2\n",
            "parameters only",
        ),
        ("amount:\n  formula: params.startup_capital.max_cny\n  max: params.nope\n", "unknown parameter"),
    ],
)
def test_an_amount_without_a_published_maximum_is_refused(amount, reason):
    with pytest.raises(PackError) as err:
        load_pack(_files(**{STARTUP: _startup_amount(amount)}))
    assert err.value.file == STARTUP and reason in err.value.reason


def test_a_version_stored_before_maxima_still_loads_and_answers_without_one():
    import datetime as dt

    from beiyang.policies.engine import evaluate

    files = _files(**{STARTUP: _startup_amount("amount:\n  formula: params.startup_capital.max_cny\n")})
    pack = load_pack(files, stored=True)
    result = evaluate(pack, {"company": {"district": "徐汇"}}, dt.date(2026, 11, 29)).by_policy()
    assert result["startup-capital"].to_dict()["max_amount_cny"] is None


def test_application_documents_are_named_in_the_pack():
    """The names founders and reviewers read for each document come from the pack; a policy
    asking for a document the pack does not name is refused on import, while a version stored
    before the names moved into the pack still loads."""
    pack = load_pack(_files())
    for policy in pack.policies.values():
        for code in policy.documents:
            assert pack.document_types[code].zh and pack.document_types[code].en
    unnamed = _files(
        **{
            STARTUP: read_pack_files(settings.POLICY_PACK_DIR)[STARTUP].replace(
                "business_plan", "napkin_sketch"
            )
        }
    )
    with pytest.raises(PackError) as err:
        load_pack(unnamed)
    assert err.value.file == STARTUP and "napkin_sketch" in err.value.reason
    old = _files()
    old["pack.yaml"] = (
        old["pack.yaml"].split("\napplication_documents:")[0]
        + "\nsources:"
        + old["pack.yaml"].split("\nsources:", 1)[1]
    )
    assert load_pack(old, stored=True).document_types == {}
