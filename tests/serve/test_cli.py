"""`brickgate run -- TOOL`, `serve` refusals and `--print-env`, `usage`: in child processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from brickgate.testing import FakeWorkspace
from tests.serve.conftest import LLAMA

OPENAI_CALL = (
    "import openai; c = openai.OpenAI(max_retries=0); "
    f"r = c.chat.completions.create(model={LLAMA!r}, "
    "messages=[{'role': 'user', 'content': 'hi'}]); "
    "print('REPLY:', r.choices[0].message.content)"
)
ANTHROPIC_CALL = (
    "import anthropic; c = anthropic.Anthropic(max_retries=0); "
    f"r = c.messages.create(model={LLAMA!r}, max_tokens=50, "
    "messages=[{'role': 'user', 'content': 'hi'}]); "
    "print('REPLY:', r.content[0].text)"
)


ANY_ADDRESS = "0.0.0.0"  # noqa: S104 (the bind being refused)


def brickgate(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brickgate", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


def workspace_env(ws: FakeWorkspace) -> dict[str, str]:
    return {"DATABRICKS_HOST": ws.url, "DATABRICKS_TOKEN": ws.token}


def test_run_gives_an_openai_sdk_call_a_reply_from_the_workspace(ws: FakeWorkspace) -> None:
    result = brickgate(
        "--trust-host",
        "127.0.0.1",
        "run",
        "--",
        sys.executable,
        "-c",
        OPENAI_CALL,
        env=workspace_env(ws),
    )
    assert result.returncode == 0, result.stderr
    reply = result.stdout.split("REPLY:", 1)[1].strip()
    assert reply
    assert ws.token not in result.stdout + result.stderr
    assert any(r.path == "/serving-endpoints/chat/completions" for r in ws.requests)


def test_run_gives_an_anthropic_sdk_call_a_reply_from_the_workspace(ws: FakeWorkspace) -> None:
    result = brickgate(
        "--trust-host",
        "127.0.0.1",
        "run",
        "--",
        sys.executable,
        "-c",
        ANTHROPIC_CALL,
        env=workspace_env(ws),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("REPLY:", 1)[1].strip()


def test_run_exits_with_the_commands_status(ws: FakeWorkspace) -> None:
    code = "import os, sys; sys.exit(7 if os.environ['OPENAI_BASE_URL'].endswith('/v1') else 1)"
    result = brickgate(
        "--trust-host",
        "127.0.0.1",
        "run",
        "--",
        sys.executable,
        "-c",
        code,
        env=workspace_env(ws),
    )
    assert result.returncode == 7, result.stderr


def test_a_remote_bind_without_a_key_refuses_to_start(ws: FakeWorkspace) -> None:
    env = workspace_env(ws)
    refused = brickgate("--trust-host", "127.0.0.1", "serve", "--bind", ANY_ADDRESS, env=env)
    assert refused.returncode != 0
    assert "--allow-remote" in refused.stderr
    no_key = brickgate(
        "--trust-host", "127.0.0.1", "serve", "--bind", ANY_ADDRESS, "--allow-remote", env=env
    )
    assert no_key.returncode != 0
    assert "--key-env" in no_key.stderr
    assert ws.requests == []


def test_print_env_prints_lines_with_the_stored_key(tmp_path: Path) -> None:
    claude = brickgate("serve", "--print-env", "claude", "--port", "9999")
    assert claude.returncode == 0, claude.stderr
    assert "export ANTHROPIC_BASE_URL=http://127.0.0.1:9999" in claude.stdout
    key_line = next(x for x in claude.stdout.splitlines() if "ANTHROPIC_AUTH_TOKEN" in x)
    key = key_line.split("=", 1)[1]
    codex = brickgate("serve", "--print-env", "codex", "--port", "9999")
    assert f"export OPENAI_API_KEY={key}" in codex.stdout
    assert "OPENAI_BASE_URL=http://127.0.0.1:9999/v1" in codex.stdout
    stored = next(Path(os.environ["XDG_CONFIG_HOME"]).rglob("serve.key"))
    assert stored.stat().st_mode & 0o777 == 0o600
    assert stored.read_text().strip() == key


def test_usage_shows_totals_from_the_ledger(ws: FakeWorkspace, tmp_path: Path) -> None:
    db = tmp_path / "usage.sqlite3"
    result = brickgate(
        "--trust-host",
        "127.0.0.1",
        "run",
        "--usage-db",
        str(db),
        "--",
        sys.executable,
        "-c",
        OPENAI_CALL,
        env=workspace_env(ws),
    )
    assert result.returncode == 0, result.stderr
    shown = brickgate("usage", "--usage-db", str(db), "--json")
    assert shown.returncode == 0, shown.stderr
    rows = json.loads(shown.stdout)
    assert [(row["group"], row["requests"]) for row in rows] == [(LLAMA, 1)]
    assert rows[0]["prompt_tokens"] > 0
    table = brickgate("usage", "--usage-db", str(db), "--by", "day")
    assert table.returncode == 0 and "requests" in table.stdout


def test_run_forwards_a_signal_to_the_command(ws: FakeWorkspace, tmp_path: Path) -> None:
    code = (
        "import signal, sys, time; "
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42)); "
        "print('ready', flush=True); time.sleep(60)"
    )
    out = (tmp_path / "out.txt").open("w+")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "brickgate",
            "--trust-host",
            "127.0.0.1",
            "run",
            "--no-usage",
            "--",
            sys.executable,
            "-c",
            code,
        ],
        env={**os.environ, **workspace_env(ws)},
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(600):
            out.seek(0)
            if "ready" in out.read():
                break
            assert process.poll() is None
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 42
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
        out.close()
