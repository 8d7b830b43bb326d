"""The pack is the one source of its vocabulary: no Beiyang policy id is written in production
Python. A town with another pack (``packs/minhang-demo``) gets its own ids, kinds and durations
from its pack; code that names a Beiyang policy would do the wrong thing there silently."""

import io
import re
import tokenize
from pathlib import Path

from beiyang.policies.engine.pack import load_pack_dir

SRC = Path(__file__).resolve().parents[2]
# Where Beiyang's ids belong: its demo data, the service agent (its own tables are the agent
# engineer's, issue 25), and the benchmark, which compares the Beiyang pack with an OpenFisca port
# of three of its rules and so names them on purpose. Tests and migrations are not production code.
ALLOWED = ("demo.py", "agent/", "bench/")


def _production_files(root: Path) -> list[Path]:
    out = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "/tests/" in f"/{relative}" or "/migrations/" in relative or relative.startswith(ALLOWED):
            continue
        out.append(path)
    return out


def _strings(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    kinds = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    return [(tok.start[0], tok.string) for tok in tokens if tok.type in kinds]


def beiyang_ids_in_code(root: Path = SRC) -> list[str]:
    ids = sorted(load_pack_dir(SRC / "policies" / "packs" / "beiyang").policies)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ids)) + r")(?![\w-])")
    found = []
    for path in _production_files(root):
        for line, text in _strings(path):
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(root)}:{line}: {match.group(1)}")
    return found


def test_no_beiyang_policy_id_in_production_python():
    assert beiyang_ids_in_code() == []


def test_the_scan_finds_an_id_where_one_is_written(tmp_path):
    # The test above can fail: what applications/actions.py held before is found, what the demo
    # and tests hold is not, nor a fact value that merely starts like an id.
    (tmp_path / "applications").mkdir()
    (tmp_path / "applications" / "actions.py").write_text(
        'VOUCHERS = {"compute-voucher": "compute"}\nPROGRAMME = "youth-fund-portfolio"\n', encoding="utf-8"
    )
    (tmp_path / "applications" / "tests").mkdir()
    (tmp_path / "applications" / "tests" / "test_x.py").write_text('P = "youth-fund"\n', encoding="utf-8")
    (tmp_path / "demo.py").write_text('P = "youth-fund"\n', encoding="utf-8")
    assert beiyang_ids_in_code(tmp_path) == ["applications/actions.py:1: compute-voucher"]
