"""A pack upload or ``beiyang loadpack`` never takes the process down and never answers 500:
hostile YAML is refused before a tree is built, a pack's rules and test cases are type-checked
and evaluated over boundary profiles before import, and a rule that still cannot be computed at
run time (a version stored before these checks) makes that one policy "cannot be determined"."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from beiyang.policies.engine.pack import read_pack_files
from beiyang.policies.tests.hostile_upload import HOSTILE

ROOT = Path(__file__).resolve().parents[4]


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.update(BEIYANG_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"))
    return env


@pytest.mark.slow
def test_hostile_uploads_are_refused_by_a_process_that_survives(tmp_path):
    # The page tests run in a child process: a crash there is a failure here, not the end of the suite.
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--ds",
            "beiyang.settings_test",
            str(Path(__file__).with_name("hostile_upload.py")),
        ],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, (run.returncode, run.stdout[-3000:], run.stderr[-2000:])
    assert "9 passed" in run.stdout, run.stdout[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_loadpack_refuses_a_hostile_folder_with_a_message_and_exit_1(tmp_path, shape):
    folder = tmp_path / "pack"
    for name, text in {**read_pack_files(settings.POLICY_PACK_DIR), "facts.yaml": HOSTILE[shape]}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "beiyang.cli", "loadpack", str(folder)],
        cwd=ROOT,
        env=_env(tmp_path / "var"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, (run.returncode, run.stderr[-2000:])  # not -11 (SIGSEGV)
    assert "facts.yaml" in run.stderr and "nested deeper than 16 levels" in run.stderr, run.stderr[-2000:]
