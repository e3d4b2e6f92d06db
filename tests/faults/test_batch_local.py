"""`brickgate batch` end to end against FakeWorkspace: faults, kills, resumes, dry runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from brickgate.cli import app
from brickgate.testing import FakeClock, FakeWorkspace, Fault
from tests.faults.conftest import CHAT, LLAMA, assert_no_secret

ROOT = Path(__file__).resolve().parents[2]
TRUST = ["--trust-host", "127.0.0.1"]
DEADLINE = 60.0


def write_input(path: Path, count: int) -> Path:
    with path.open("w") as handle:
        for index in range(count):
            handle.write(json.dumps({"id": f"item-{index}", "prompt": f"classify {index}"}) + "\n")
    return path


def env_for(ws: FakeWorkspace, **extra: str) -> dict[str, str]:
    return {"DATABRICKS_HOST": ws.url, "DATABRICKS_TOKEN": ws.token, **extra}


def output_ids(path: Path) -> Counter[str]:
    raw = path.read_text(encoding="utf-8")
    assert raw == "" or raw.endswith("\n")
    return Counter(json.loads(line)["id"] for line in raw.splitlines())


def cli(*args: str, env: dict[str, str], **overrides: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*TRUST, *args], env=env, obj=overrides, prog_name="brickgate")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def wait_until(condition: Callable[[], bool], timeout: float = DEADLINE) -> bool:
    ticker = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return True
        ticker.wait(0.02)
    return condition()


def test_two_thousand_items_with_scripted_429s_and_503s_each_land_once(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    source = write_input(tmp_path / "in.jsonl", 2000)
    output = tmp_path / "out.jsonl"
    for _ in range(50):
        ws.fail(Fault(status=429, retry_after="0"), path=CHAT)
        ws.fail(Fault(status=503, retry_after="0"), path=CHAT)
    code, _, stderr = cli(
        "batch",
        "-m",
        LLAMA,
        str(source),
        "-o",
        str(output),
        "--concurrency",
        "16",
        "--max-tokens",
        "16",
        env=env_for(ws, BRICKGATE_MAX_RETRIES="20"),
    )
    assert code == 0, stderr
    assert ws.pending_faults == 0
    ids = output_ids(output)
    assert ids == Counter({f"item-{index}": 1 for index in range(2000)})
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert all("text" in record and record["usage"]["total_tokens"] > 0 for record in records)
    assert "done: 2000 ok, 0 failed" in stderr
    assert sum(1 for r in ws.requests if r.path == CHAT) == 2100
    assert_no_secret(ws, stderr + output.read_text())


def test_errors_are_written_per_item_and_the_run_continues(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    source = write_input(tmp_path / "in.jsonl", 20)
    output = tmp_path / "out.jsonl"
    ws.fail(Fault(status=400), times=3, path=CHAT)
    code, _, stderr = cli(
        "batch",
        "-m",
        LLAMA,
        str(source),
        "-o",
        str(output),
        "--concurrency",
        "1",
        env=env_for(ws),
    )
    assert code == 1
    records = [json.loads(line) for line in output.read_text().splitlines()]
    errors = [r for r in records if "error" in r]
    assert len(records) == 20 and len(errors) == 3
    assert {e["error"]["class"] for e in errors} == {"BadRequestError"}
    assert "17 ok, 3 failed (BadRequestError 3)" in stderr
    code, _, stderr = cli(
        "batch", "-m", LLAMA, str(source), "-o", str(output), "--retry-errors", env=env_for(ws)
    )
    assert code == 0, stderr
    assert "retrying 3 items" in stderr
    assert output_ids(output) == Counter({f"item-{index}": 1 for index in range(20)})


def test_malformed_lines_are_skipped_and_duplicates_send_nothing(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "prompt": "a"}\n{oops\n\n{"id": 2}\n{"id": 3, "prompt": "c"}\n')
    output = tmp_path / "out.jsonl"
    code, _, stderr = cli("batch", "-m", LLAMA, str(source), "-o", str(output), env=env_for(ws))
    assert code == 1
    assert f"skipped {source} line 2: not valid JSON" in stderr.replace("\n", "")
    assert "line 4: the batch item with id 2" not in stderr
    assert "line 4:" in stderr
    assert output_ids(output) == Counter({1: 1, 3: 1})

    duplicated = tmp_path / "dup.jsonl"
    duplicated.write_text('{"id": "x", "prompt": "a"}\n{"id": "x", "prompt": "b"}\n')
    before = len(ws.requests)
    code, _, stderr = cli(
        "batch", "-m", LLAMA, str(duplicated), "-o", str(tmp_path / "o2.jsonl"), env=env_for(ws)
    )
    assert code == 2
    assert "duplicate id" in stderr and "lines 1, 2" in stderr
    assert len(ws.requests) == before


def test_a_torn_last_line_is_repaired_and_reported(ws: FakeWorkspace, tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.jsonl", 5)
    output = tmp_path / "out.jsonl"
    torn = '{"id": "item-1", "te'
    output.write_text(json.dumps({"id": "item-0", "text": "done"}) + "\n" + torn)
    code, _, stderr = cli("batch", "-m", LLAMA, str(source), "-o", str(output), env=env_for(ws))
    assert code == 0, stderr
    assert f"cut a torn last line of {len(torn)} bytes" in stderr.replace("\n", " ")
    assert "resuming: 1 of 5" in stderr
    assert output_ids(output) == Counter({f"item-{index}": 1 for index in range(5)})


def test_a_killed_run_resumes_without_duplicates_or_loss(ws: FakeWorkspace, tmp_path: Path) -> None:
    total = 1500
    source = write_input(tmp_path / "in.jsonl", total)
    output = tmp_path / "out.jsonl"
    command = [
        sys.executable,
        "-m",
        "brickgate",
        *TRUST,
        "batch",
        "-m",
        LLAMA,
        str(source),
        "-o",
        str(output),
        "--concurrency",
        "4",
    ]
    environment = {**os.environ, **env_for(ws), "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_until(lambda: output.exists() and output.stat().st_size > 8_000)
        child.send_signal(signal.SIGKILL)
        child.wait(DEADLINE)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(DEADLINE)
    assert child.returncode == -signal.SIGKILL
    written = output.read_bytes()
    complete = written[: written.rfind(b"\n") + 1].count(b"\n")
    assert 0 < complete < total

    code, _, stderr = cli("batch", "-m", LLAMA, str(source), "-o", str(output), env=env_for(ws))
    assert code == 0, stderr
    assert f"resuming: {complete} of {total}" in stderr.replace("\n", " ")
    assert output_ids(output) == Counter({f"item-{index}": 1 for index in range(total)})


def test_sql_dry_run_prints_the_statement_and_sends_nothing(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    code, stdout, stderr = cli(
        "batch",
        "--engine",
        "sql",
        "--warehouse",
        "wh-1",
        "--table",
        "main.s.`we``ird; --`",
        "--column",
        "body",
        "--into",
        "main.s.out",
        "-m",
        LLAMA,
        "--max-tokens",
        "50",
        "--temperature",
        "0",
        "--dry-run",
        env={},
    )
    assert code == 0, stderr
    assert stdout == (
        "CREATE TABLE `main`.`s`.`out` AS\n"
        f"SELECT *, ai_query('{LLAMA}', `body`, modelParameters => "
        "named_struct('max_tokens', 50, 'temperature', 0.0), failOnError => false) AS response\n"
        "FROM `main`.`s`.`we``ird; --`;\n"
    )
    assert ws.requests == []


def test_sql_engine_runs_the_statement_and_reports_rows(
    ws: FakeWorkspace, clock: FakeClock
) -> None:
    ws.statements.polls_to_finish = 1
    ws.statements.set_rows("`main`.`s`.`src`", 77)
    code, _, stderr = cli(
        "batch",
        "--engine",
        "sql",
        "--warehouse",
        "wh-1",
        "--table",
        "main.s.src",
        "--column",
        "body",
        "--into",
        "main.s.out",
        "-m",
        LLAMA,
        env=env_for(ws),
        clock=clock,
    )
    assert code == 0, stderr
    assert clock.sleeps == [0.5]
    assert "SUCCEEDED" in stderr and "wrote 77 rows to `main`.`s`.`out`" in stderr
    ws.statements.fail_next(
        "[INSUFFICIENT_PERMISSIONS] no USE SCHEMA", error_code="PERMISSION_DENIED"
    )
    code, _, stderr = cli(
        "batch",
        "--engine",
        "sql",
        "--warehouse",
        "wh-1",
        "--table",
        "main.s.src",
        "--column",
        "body",
        "--into",
        "main.s.other",
        "-m",
        LLAMA,
        env=env_for(ws),
        clock=clock,
    )
    assert code == 5
    assert "ended FAILED (PERMISSION_DENIED: [INSUFFICIENT_PERMISSIONS]" in stderr


def test_sql_engine_needs_its_options(tmp_path: Path) -> None:
    code, _, stderr = cli("batch", "--engine", "sql", "-m", LLAMA, "--dry-run", env={})
    assert code == 2
    assert "--warehouse, --table, --column, --into" in stderr
