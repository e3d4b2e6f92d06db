"""`brickgate batch` output: one run per output file, and no secret in its error lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from brickgate.testing import FakeWorkspace, Fault
from tests.faults.conftest import CHAT, LLAMA
from tests.faults.test_batch_local import (
    DEADLINE,
    ROOT,
    TRUST,
    cli,
    env_for,
    output_ids,
    wait_until,
    write_input,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="flock and pids")
HOLD = (
    "import sys\n"
    "from pathlib import Path\n"
    "from brickgate.services.batch_lock import OutputLock\n"
    "lock = OutputLock(Path(sys.argv[1])).acquire()\n"
    "print('held', flush=True)\n"
    "sys.stdin.readline()\n"
    "lock.release()\n"
)


def windows(secret: str, size: int = 12) -> list[str]:
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def batch_command(source: Path, output: Path) -> list[str]:
    options = ["-o", str(output), "--concurrency", "1", "--no-progress"]
    return [sys.executable, "-m", "brickgate", *TRUST, "batch", "-m", LLAMA, str(source), *options]


def test_error_lines_carry_no_piece_of_an_echoed_token(ws: FakeWorkspace, tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.jsonl", 4)
    output = tmp_path / "out.jsonl"
    echoes = [
        Fault(status=401, body=f"echo: Authorization: Bearer {ws.token}"),
        Fault(status=400, body={"error_code": "BAD_REQUEST", "message": f"saw {ws.token[3:29]}"}),
        Fault(status=403, body=f"<html><pre>token was {ws.token[6:]}</pre></html>"),
    ]
    for fault in echoes:
        ws.fail(fault, times=1, path=CHAT)
    code, stdout, stderr = cli(
        "batch", "-m", LLAMA, str(source), "-o", str(output), "--concurrency", "1", env=env_for(ws)
    )
    assert code == 1, stderr
    written = output.read_text(encoding="utf-8")
    assert sum("error" in json.loads(line) for line in written.splitlines()) == 3
    for text in (written, stdout, stderr):
        assert not [w for w in windows(ws.token) if w in text]


@posix_only
def test_a_second_run_on_the_same_output_refuses_at_once_naming_the_holder(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    source = write_input(tmp_path / "in.jsonl", 3)
    output = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(output)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        code, _, stderr = cli("batch", "-m", LLAMA, str(source), "-o", str(output), env=env_for(ws))
        assert code == 2
        flat = stderr.replace("\n", " ")
        assert f"pid {holder.pid}" in flat
        assert f"{output}.lock" in flat
        assert not any(r.path == CHAT for r in ws.requests)
    finally:
        holder.communicate("\n", timeout=DEADLINE)
    code, _, stderr = cli("batch", "-m", LLAMA, str(source), "-o", str(output), env=env_for(ws))
    assert code == 0, stderr
    assert output_ids(output) == Counter({f"item-{index}": 1 for index in range(3)})


@posix_only
def test_two_real_runs_at_once_write_every_id_once(ws: FakeWorkspace, tmp_path: Path) -> None:
    total = 30
    source = write_input(tmp_path / "in.jsonl", total)
    output = tmp_path / "out.jsonl"
    ws.fail(Fault(delay_before_headers=0.2), times=5, path=CHAT)
    env = {**os.environ, **env_for(ws), "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen(
        batch_command(source, output), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        assert wait_until(lambda: Path(f"{output}.lock").exists() or first.poll() is not None)
        assert first.poll() is None, "the first run ended before the second could start"
        second = subprocess.run(
            batch_command(source, output),
            env=env,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
        )
        _, first_err = first.communicate(timeout=DEADLINE)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(DEADLINE)
    assert first.returncode == 0, first_err
    assert second.returncode == 2, second.stderr
    assert f"pid {first.pid}" in second.stderr.replace("\n", " ")
    assert output_ids(output) == Counter({f"item-{index}": 1 for index in range(total)})


@posix_only
def test_a_stale_lock_from_a_killed_run_is_taken_over(ws: FakeWorkspace, tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.jsonl", 3)
    output = tmp_path / "out.jsonl"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(DEADLINE)
    Path(f"{output}.lock").write_text(f"{dead.pid}\n")
    code, _, stderr = cli("batch", "-m", LLAMA, str(source), "-o", str(output), env=env_for(ws))
    assert code == 0, stderr
    assert f"from pid {dead.pid}, which is gone" in stderr.replace("\n", " ")
    assert not Path(f"{output}.lock").exists()
    assert output_ids(output) == Counter({f"item-{index}": 1 for index in range(3)})
