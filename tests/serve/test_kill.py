"""A gateway killed with SIGKILL mid-load has committed a ledger row for every finished answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from brickgate.adapters.usage_ledger import UsageLedger
from brickgate.testing import FakeWorkspace
from tests.serve.conftest import LLAMA

KEY = "bgk-test-key-for-the-kill-test-0123456789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sigkill_mid_load_loses_no_committed_row(ws: FakeWorkspace, tmp_path: Path) -> None:
    port, db = _free_port(), tmp_path / "usage.sqlite3"
    env = {**os.environ, "DATABRICKS_HOST": ws.url, "DATABRICKS_TOKEN": ws.token, "BG_KEY": KEY}
    log = (tmp_path / "serve.log").open("wb")
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
            "--usage-db",
            str(db),
            "--key-env",
            "BG_KEY",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.05)
        finished: list[int] = []
        lock = threading.Lock()
        body = {"model": LLAMA, "messages": [{"role": "user", "content": "hi"}]}

        def load() -> None:
            with httpx.Client(timeout=30) as client:
                while server.poll() is None:
                    try:
                        answer = client.post(
                            url + "/v1/chat/completions", json=body, headers={"x-api-key": KEY}
                        )
                    except httpx.TransportError:
                        return
                    if answer.status_code == 200 and answer.json()["choices"]:
                        with lock:
                            finished.append(1)

        workers = [threading.Thread(target=load) for _ in range(8)]
        for worker in workers:
            worker.start()
        while len(finished) < 40 and server.poll() is None:
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait(30)
        for worker in workers:
            worker.join(30)
    finally:
        log.close()
        if server.poll() is None:
            server.kill()
            server.wait(30)
    assert server.returncode == -signal.SIGKILL
    ledger = UsageLedger(db)
    try:
        rows = ledger.totals(since=0, by="model")
    finally:
        ledger.close()
    ok = sum(total.requests - total.errors for total in rows)
    assert len(finished) >= 40
    assert ok >= len(finished)
