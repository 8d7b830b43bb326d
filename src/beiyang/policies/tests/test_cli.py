"""``beiyang benefits``: the engine alone, on the pack the town published."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys

import pytest
import yaml
from django.conf import settings

from beiyang.bench.profiles import synthetic_profile
from beiyang.policies import published
from beiyang.policies.cli import count_scalar, main, published_pack
from beiyang.policies.engine import ProfileError, load_pack_dir
from beiyang.policies.engine.vector import evaluate_batch
from beiyang.policies.tests.test_api import PROFILE, _changed_pack_files

AS_OF = dt.date(2026, 11, 29)


@pytest.fixture
def var_dir(tmp_path, monkeypatch, settings):
    monkeypatch.setenv("BEIYANG_VAR_DIR", str(tmp_path))
    settings.VAR_DIR = tmp_path
    return tmp_path


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _modules_loaded_by(*argv: str, tmp_path) -> set[str]:
    """The top-level modules a whole ``beiyang ARGV`` process had loaded when it ended."""
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join(sorted({m.split('.')[0] "
        "for m in sys.modules})) + '\\n'))\n"
        "from beiyang.cli import main\n"
        f"main({list(argv)!r})\n"
    )
    env = {"PATH": "/usr/bin:/bin", "BEIYANG_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("MODULES "))
    return set(line.split()[1:])


def test_one_profile_and_a_small_batch_load_neither_django_nor_numpy(tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")
    loaded = _modules_loaded_by("benefits", "--profile", str(profile), "--json", tmp_path=tmp_path)
    assert "django" not in loaded and "numpy" not in loaded
    loaded = _modules_loaded_by("benefits", "--batch", str(profile), "--json", tmp_path=tmp_path)
    assert "django" not in loaded and "numpy" not in loaded


def test_profile_and_batch(tmp_path, var_dir, capsys):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")
    code, out, _ = _run(capsys, "--profile", str(profile), "--json")
    result = json.loads(out)
    assert code == 0 and {r["policy"] for r in result["results"]} >= {"youth-fund"}
    assert result["as_of"] == "2026-11-29"
    code, out, _ = _run(capsys, "--profile", str(profile), "--date", "2026-06-01")
    assert code == 0 and "youth-fund" in out
    batch = tmp_path / "b.jsonl"
    batch.write_text(
        "\n".join(json.dumps(p, ensure_ascii=False) for p in [PROFILE, {"company": {"district": "长宁"}}])
    )
    code, out, _ = _run(capsys, "--batch", str(batch), "--json", "--date", "2026-11-29")
    summary = json.loads(out)
    assert code == 0 and summary["profiles"] == 2 and summary["policies"]["youth-fund"]["eligible"] == 1


@pytest.mark.parametrize(
    ("body", "argv", "message"),
    [
        ('{"founder": {"age": -3}}', ("--profile",), r"founder.age"),
        ('{"founder": {"age": 30}}\n{"founder": {"age": -3}}', ("--batch",), r"[1].founder.age"),
        ('{"founder": {"age": 30}}\n{"founder": ', ("--batch",), "line 2: not JSON"),
        ('{"founder": {"age": 30}}', ("--date", "2200-01-01", "--profile"), "as_of"),
    ],
)
def test_bad_input_is_named_with_exit_status_1(tmp_path, var_dir, capsys, body, argv, message):
    path = tmp_path / "in.json"
    path.write_text(body, encoding="utf-8")
    code, _out, err = _run(capsys, *argv, str(path))
    assert code == 1 and message in err


@pytest.mark.django_db
def test_the_command_answers_for_the_version_the_town_published(
    tmp_path, var_dir, capsys, django_capture_on_commit_callbacks
):
    from beiyang.policies.actions import do_import_pack

    outside = tmp_path / "changning.jsonl"
    outside.write_text(json.dumps({"company": {"district": "长宁", "sectors": ["llm"]}}, ensure_ascii=False))
    _code, out, _ = _run(capsys, "--batch", str(outside), "--json", "--date", "2026-11-29")
    before = json.loads(out)
    shipped = yaml.safe_load((settings.POLICY_PACK_DIR / "pack.yaml").read_text(encoding="utf-8"))["version"]
    assert before["pack"] == str(shipped) and before["policies"]["compute-voucher"]["eligible"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        do_import_pack(_changed_pack_files(), publish=True)  # 2099.12.1: 长宁 counts too
    assert published.read_export(var_dir)["version"] == "2099.12.1"
    _code, out, _ = _run(capsys, "--batch", str(outside), "--json", "--date", "2026-11-29")
    after = json.loads(out)
    assert after["pack"] == "2099.12.1" and after["policies"]["compute-voucher"]["eligible"] == 1


def test_an_unreadable_export_is_named(tmp_path, var_dir, capsys):
    published.export_path(var_dir).write_text("{not json", encoding="utf-8")
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")
    code, _out, err = _run(capsys, "--profile", str(profile))
    assert code == 1 and published.EXPORT_NAME in err


def test_without_a_publication_the_shipped_pack_answers(var_dir):
    assert published_pack().checksum != ""
    assert published_pack().version == load_pack_dir(settings.POLICY_PACK_DIR).version


@pytest.mark.parametrize("seed", [1, 2])
def test_small_batches_counted_by_the_scalar_engine_agree_with_the_vectorised_one(seed):
    pack = load_pack_dir(settings.POLICY_PACK_DIR)
    rng = random.Random(seed)
    profiles = [synthetic_profile(rng) for _ in range(300)]
    assert count_scalar(pack, profiles, AS_OF) == evaluate_batch(pack, profiles, AS_OF).as_dict()


def test_scalar_batch_names_the_profile_at_fault_like_the_vectorised_one():
    pack = load_pack_dir(settings.POLICY_PACK_DIR)
    bad = [{"company": {"district": "徐汇"}}, {"company": {"district": "Narnia"}}]
    with pytest.raises(ProfileError) as scalar:
        count_scalar(pack, bad, AS_OF)
    with pytest.raises(ProfileError) as vector:
        evaluate_batch(pack, bad, AS_OF)
    assert scalar.value.field == vector.value.field == "[1].company.district"


def test_rows_decoded_from_json_lines_agree_with_dicts():
    from beiyang.policies.engine.vector import decode_rows, evaluate_rows

    pack = load_pack_dir(settings.POLICY_PACK_DIR)
    rng = random.Random(3)
    profiles = [synthetic_profile(rng) for _ in range(300)]
    lines = [json.dumps(p, ensure_ascii=False).encode() for p in profiles]
    rows = decode_rows(pack, lines)
    assert rows is not None
    assert evaluate_rows(pack, rows, AS_OF).as_dict() == evaluate_batch(pack, profiles, AS_OF).as_dict()
    # A section given as null is no facts, on both paths.
    profiles[7] = {"company": None, "founder": None}
    rows = decode_rows(pack, [json.dumps(p, ensure_ascii=False).encode() for p in profiles])
    assert evaluate_rows(pack, rows, AS_OF).as_dict() == evaluate_batch(pack, profiles, AS_OF).as_dict()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"company": {"district": "Narnia"}}', "[550].company.district"),
        ('{"company": "Xuhui"}', "[550].company"),
        ('{"company": {"colour": "red"}}', "company.colour"),
        ('{"founder": {"age": true}}', "[550].founder.age"),
        ("[1, 2]", "[550]"),
        ('{"founder": ', "line 551: not JSON"),
    ],
)
def test_a_large_batch_names_the_line_at_fault(tmp_path, var_dir, capsys, bad, message):
    rng = random.Random(4)
    lines = [json.dumps(synthetic_profile(rng), ensure_ascii=False) for _ in range(600)]
    lines[550] = bad
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    code, _out, err = _run(capsys, "--batch", str(path), "--date", "2026-11-29")
    assert code == 1 and message in err, err
