"""Replay guards, proven in a child pytest: a missing cassette, an unplayed interaction, CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.e2e.conftest import CASSETTE_DIR_VARIABLE, CASSETTES, ROOT

CHAT_TEST = "tests/e2e/test_chat.py::test_chat_returns_text_usage_and_the_served_model_id"
_QUIET_FAST = ("-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
CHAT_CASSETTE = Path("test_chat") / "test_chat_returns_text_usage_and_the_served_model_id.yaml"


def _run_pytest(
    cassette_dir: Path, *args: str, ci: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env[CASSETTE_DIR_VARIABLE] = str(cassette_dir)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", *_QUIET_FAST, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_missing_cassette_fails_its_test_loudly(tmp_path: Path) -> None:
    empty = tmp_path / "cassettes"
    empty.mkdir()

    result = _run_pytest(empty, CHAT_TEST)

    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout
    assert "CannotOverwriteExistingCassetteException" in result.stdout
    assert not any(empty.iterdir()), "replay must never write a cassette"


def test_an_unplayed_recorded_interaction_fails_the_test(tmp_path: Path) -> None:
    planted = tmp_path / "cassettes" / CHAT_CASSETTE
    planted.parent.mkdir(parents=True)
    shutil.copyfile(CASSETTES / CHAT_CASSETTE, planted)
    data = yaml.safe_load(planted.read_text(encoding="utf-8"))
    data["interactions"].append(data["interactions"][-1])
    planted.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    result = _run_pytest(tmp_path / "cassettes", CHAT_TEST)

    assert result.returncode == 1, result.stdout
    assert "1 passed, 1 error" in result.stdout
    assert "1 recorded interaction(s)" in result.stdout
    assert "never played: POST /serving-endpoints/chat/completions" in result.stdout


def test_ci_refuses_any_record_mode_but_none(tmp_path: Path) -> None:
    empty = tmp_path / "cassettes"
    empty.mkdir()

    result = _run_pytest(empty, CHAT_TEST, "--record-mode=rewrite", "--collect-only", ci=True)

    assert result.returncode == 4, result.stdout + result.stderr
    assert "--record-mode=rewrite is refused on CI" in result.stderr
    assert not any(empty.iterdir())
