"""``brickgate batch`` as a person runs it: failures that stay failures, SIGTERM, rate limits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from rich.progress import Progress

from brickgate.cli.progress import WaitColumn, WatchingClock
from brickgate.testing import FakeWorkspace, Fault
from brickgate.testing.clock import FakeClock
from tests.cli.conftest import LOOPBACK, Cli
from tests.cli.terminal import TerminalSession

MODEL = "databricks-meta-llama-3-3-70b-instruct"
CHAT = "/serving-endpoints/chat/completions"
DEADLINE = 60.0


def write_input(path: Path, count: int) -> Path:
    lines = (json.dumps({"id": f"item-{i}", "prompt": f"say {i}"}) for i in range(count))
    path.write_text("".join(line + "\n" for line in lines))
    return path


def wait_until(condition: Callable[[], bool]) -> bool:
    ticker = threading.Event()
    for _ in range(int(DEADLINE / 0.02)):
        if condition():
            return True
        ticker.wait(0.02)
    return condition()


def test_items_that_failed_earlier_keep_the_exit_status_and_say_how_to_retry(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str], tmp_path: Path
) -> None:
    source, output = write_input(tmp_path / "in.jsonl", 5), tmp_path / "out.jsonl"
    workspace.fail(Fault(status=400), times=5, path=CHAT)
    args = ("batch", "-m", MODEL, str(source), "-o", str(output))
    first = cli(*args, env=ws_env)
    assert first.exit_code == 1
    assert "0 ok, 5 failed" in first.stderr
    assert "5 items failed" in first.stderr
    assert "--retry-errors" in first.stderr
    second = cli(*args, env=ws_env)
    assert second.exit_code == 1
    assert "5 already done (5 of them failed in an earlier run)" in second.stderr
    assert "--retry-errors" in second.stderr
    third = cli(*args, "--retry-errors", env=ws_env)
    assert third.exit_code == 0, third.stderr
    assert "5 ok, 0 failed" in third.stderr
    assert "--retry-errors" not in third.stderr


def test_sigterm_stops_a_batch_like_ctrl_c(tmp_path: Path) -> None:
    source, output = write_input(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    with FakeWorkspace() as ws:
        ws.fail(Fault(delay_before_headers=2.0), times=None, path=CHAT)
        env = {
            **os.environ,
            "DATABRICKS_HOST": ws.url,
            "DATABRICKS_TOKEN": ws.token,
            "BRICKGATE_TRUSTED_HOSTS": LOOPBACK,
        }
        command = [sys.executable, "-m", "brickgate", "batch", "-m", MODEL, str(source)]
        child = subprocess.Popen(
            [*command, "-o", str(output), "--concurrency", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert wait_until(lambda: any(r.path == CHAT for r in ws.requests))
            child.send_signal(signal.SIGTERM)
            _, stderr = child.communicate(timeout=DEADLINE)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(DEADLINE)
    assert child.returncode == 130
    assert "interrupted after" in stderr
    assert "run the same command again to resume" in stderr
    assert "Traceback" not in stderr


class RenderingClock(FakeClock):
    """A fake clock that renders the column while a wait is in progress."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []
        self.render: Callable[[], str] = lambda: ""

    def sleep(self, seconds: float) -> None:
        self.shown.append(self.render())
        super().sleep(seconds)


def test_the_wait_column_says_when_the_run_waits_on_the_server() -> None:
    inner = RenderingClock()
    clock = WatchingClock(inner)
    column = WaitColumn(clock)
    progress = Progress(column)
    progress.add_task("batch", total=3, rate="2.0")
    task = progress.tasks[0]
    inner.render = lambda: column.render(task).plain
    assert column.render(task).plain == "2.0/s"
    clock.sleep(12)
    assert inner.shown == ["rate limited or busy, resuming in 12 s"]
    assert column.render(task).plain == "2.0/s"
    assert clock.seconds_left() == 0


def test_a_terminal_shows_the_rate_limit_wait(tmp_path: Path) -> None:
    source, output = write_input(tmp_path / "in.jsonl", 2), tmp_path / "out.jsonl"
    with ExitStack() as stack, FakeWorkspace() as ws:
        ws.fail(Fault(status=429, retry_after="3"), times=1, path=CHAT)
        env = {
            **os.environ,
            "DATABRICKS_HOST": ws.url,
            "DATABRICKS_TOKEN": ws.token,
            "BRICKGATE_TRUSTED_HOSTS": LOOPBACK,
        }
        session = stack.enter_context(
            TerminalSession("batch", "-m", MODEL, str(source), "-o", str(output), env=env)
        )
        session.expect("rate limited or busy, resuming in")
        session.expect("done: 2 ok")
        assert session.wait() == 0
