"""`brickgate serve` as a process: prints how to connect, stops cleanly on SIGTERM; import hygiene;
nothing secret or prompt-like in INFO logs."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from brickgate.testing import FakeWorkspace
from tests.serve.conftest import LLAMA, Running

KEY = "bgk-process-test-key-0123456789abcdef"


def test_importing_brickgate_and_its_cli_loads_no_server_code() -> None:
    code = (
        "import sys, brickgate; brickgate.Client; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'brickgate.serve') "
        "if m in sys.modules)); "
        "import brickgate.cli.app; "
        "print(sorted(m for m in ('uvicorn', 'prometheus_client', 'brickgate.serve') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["[]", "[]"]


def test_serve_prints_its_url_and_stops_cleanly_on_sigterm(
    ws: FakeWorkspace, tmp_path: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABRICKS_HOST": ws.url, "DATABRICKS_TOKEN": ws.token, "BG_KEY": KEY}
    out = (tmp_path / "out.txt").open("w+")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "brickgate",
            "--trust-host",
            "127.0.0.1",
            "serve",
            "--port",
            str(port),
            "--key-env",
            "BG_KEY",
            "--usage-db",
            str(tmp_path / "u.db"),
        ],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)
        out.seek(0)
        printed = out.read()
        out.close()
    assert f"http://127.0.0.1:{port}" in printed
    assert f"OPENAI_BASE_URL=http://127.0.0.1:{port}/v1" in printed
    assert ws.token not in printed


def test_info_logs_carry_no_key_token_or_prompt(
    gateway: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    secret_prompt = "my very private prompt text"
    answer = httpx.post(
        f"{gateway.url}/v1/chat/completions",
        json={"model": LLAMA, "messages": [{"role": "user", "content": secret_prompt}]},
        headers={"x-api-key": gateway.key},
    )
    assert answer.status_code == 200
    gateway.stop()
    assert any("chat" in r.getMessage() and LLAMA in r.getMessage() for r in caplog.records)
    for leaked in (
        gateway.key,
        gateway.ws.token,
        secret_prompt,
        answer.json()["choices"][0]["message"]["content"],
    ):
        assert leaked not in caplog.text
