"""The installed entry point in child processes: `python -m brickgate`, keyrings, a terminal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path

import httpx

from brickgate.testing import FakeWorkspace
from tests.cli.conftest import LOOPBACK
from tests.cli.terminal import TerminalSession

CHAT_MODEL = "databricks-meta-llama-3-3-70b-instruct"
MEMORY_KEYRING = "brickgate.testing.memory_keyring.MemoryKeyring"
FAIL_KEYRING = "keyring.backends.fail.Keyring"


def run(
    *args: str, input: str = "", env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brickgate", *args],
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def config_dir() -> Path:
    return Path(os.environ["BRICKGATE_CONFIG_DIR"])


def test_import_brickgate_loads_neither_typer_nor_rich() -> None:
    code = (
        "import sys, brickgate; brickgate.Client; "
        "print(sorted(m for m in ('typer', 'rich', 'click') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_demo_runs_and_streams_a_reply_without_writing_files(clean_environment: Path) -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    assert "says:" in result.stdout
    assert "Credential sources" in result.stdout
    assert "served" in result.stdout
    assert "tokens" in result.stderr
    assert not config_dir().exists()
    assert sorted(p.name for p in clean_environment.iterdir()) == []


def test_login_without_a_keyring_backend_falls_back_to_the_file() -> None:
    with FakeWorkspace() as ws:
        env = {"PYTHON_KEYRING_BACKEND": FAIL_KEYRING}
        login = run("login", "--trust-host", LOOPBACK, input=f"{ws.url}::{ws.token}\n", env=env)
        assert login.returncode == 0, login.stderr
        assert "keyring cannot be used" in login.stderr
        path = config_dir() / "credentials.json"
        assert json.loads(path.read_text())["profiles"]["DEFAULT"]["host"] == ws.url
        status = run("--trust-host", LOOPBACK, "auth", "status", env=env)
        assert status.returncode == 0, status.stderr
        assert "Source: file" in status.stdout
        assert ws.token not in login.stdout + login.stderr + status.stdout + status.stderr


def test_login_with_the_in_memory_keyring_backend_writes_no_file() -> None:
    with FakeWorkspace() as ws:
        env = {"PYTHON_KEYRING_BACKEND": MEMORY_KEYRING}
        login = run("login", "--host", ws.url, "--trust-host", LOOPBACK, input=ws.token, env=env)
    assert login.returncode == 0, login.stderr
    assert "OS keyring" in login.stdout
    assert not (config_dir() / "credentials.json").exists()


def test_json_output_of_a_child_process_parses_back() -> None:
    with FakeWorkspace() as ws:
        env = {"DATABRICKS_HOST": ws.url, "DATABRICKS_TOKEN": ws.token}
        result = run("--trust-host", LOOPBACK, "chat", "-m", CHAT_MODEL, "--json", "Hi", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["finish_reason"] == "stop"


def test_errors_in_a_child_process_are_one_line_then_the_sources() -> None:
    result = run("endpoints", env={"DATABRICKS_HOST": "https://evil.example.com"})
    assert result.returncode == 2
    first, *rest = result.stderr.strip().splitlines()
    assert first.startswith("error: environment: DATABRICKS_HOST is set")
    assert "Credential sources" in rest[0]
    assert "Traceback" not in result.stderr


def test_interactive_chat_session_on_a_terminal() -> None:
    with ExitStack() as stack, FakeWorkspace() as ws:
        env = {**os.environ, "DATABRICKS_HOST": ws.url, "DATABRICKS_TOKEN": ws.token}
        session = stack.enter_context(
            TerminalSession("--trust-host", LOOPBACK, "chat", "-m", CHAT_MODEL, env=env)
        )
        session.expect("you>")
        session.send("first question\n")
        session.expect("you said first question")
        session.expect("you>")
        session.send("second question\n")
        session.expect("you said second question")
        session.send("/exit\n")
        assert session.wait() == 0
        last = ws.requests[-1].json
    assert isinstance(last, dict)
    roles = [message["role"] for message in last["messages"]]
    assert roles == ["user", "assistant", "user"]
    assert ws.token not in session.transcript


def test_interactive_chat_ends_at_end_of_input() -> None:
    with ExitStack() as stack, FakeWorkspace() as ws:
        env = {**os.environ, "DATABRICKS_HOST": ws.url, "DATABRICKS_TOKEN": ws.token}
        session = stack.enter_context(
            TerminalSession("--trust-host", LOOPBACK, "chat", "-m", CHAT_MODEL, env=env)
        )
        session.expect("you>")
        session.send("\x04")
        assert session.wait() == 0


def interrupt(process: subprocess.Popen[bytes], attempts: int = 20) -> int | None:
    """Press Ctrl-C until the process ends; return its exit code.

    CPython's readline can miss a SIGINT that lands between writing the prompt and waiting for
    input (the handler runs before the wait starts), so a person would press Ctrl-C again.
    """
    for _ in range(attempts):
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            continue
    return None


def test_ctrl_c_in_a_terminal_session_exits_130() -> None:
    with ExitStack() as stack, FakeWorkspace() as ws:
        env = {**os.environ, "DATABRICKS_HOST": ws.url, "DATABRICKS_TOKEN": ws.token}
        session = stack.enter_context(
            TerminalSession("--trust-host", LOOPBACK, "chat", "-m", CHAT_MODEL, env=env)
        )
        session.expect("you>")
        assert interrupt(session.process) == 130
        assert session.wait() == 130
    assert "interrupted" in session.transcript
    assert "Traceback" not in session.transcript


def test_login_on_a_terminal_reads_the_token_hidden() -> None:
    with ExitStack() as stack, FakeWorkspace() as ws:
        env = {**os.environ, "PYTHON_KEYRING_BACKEND": MEMORY_KEYRING}
        session = stack.enter_context(TerminalSession("login", "--trust-host", LOOPBACK, env=env))
        session.expect("HOST::TOKEN (hidden): ")
        session.send(f"{ws.url}::{ws.token}\n")
        session.expect("Saved profile 'DEFAULT'")
        assert session.wait() == 0
    assert ws.token not in session.transcript


def test_login_with_no_browser_prints_the_url_and_a_person_finishes_it(tmp_path: Path) -> None:
    opened = tmp_path / "opened"
    fake_browser = tmp_path / "browser"
    fake_browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    fake_browser.chmod(0o755)
    env = {
        **os.environ,
        "BRICKGATE_TRUSTED_HOSTS": LOOPBACK,
        "BRICKGATE_USE_KEYRING": "0",
        "BROWSER": str(fake_browser),
    }
    with FakeWorkspace() as ws:
        command = [sys.executable, "-m", "brickgate", "login", "--browser", "--no-browser"]
        with subprocess.Popen(
            [*command, "--host", ws.url, "--profile", "me", "--store", "file"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        ) as process:
            assert process.stderr is not None
            url = ""
            watchdog = threading.Timer(60, process.kill)
            watchdog.start()
            try:
                for line in process.stderr:
                    if line.startswith(ws.url + "/oidc/v1/authorize?"):
                        url = line.strip()
                        break
            finally:
                watchdog.cancel()
            assert url, "the login never printed the URL to open"
            with urllib.request.urlopen(url, timeout=30) as page:  # noqa: S310 (loopback)
                assert page.status == 200
            out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert "saved profile 'me'" in out
        assert not opened.exists()
        token = run("auth", "token", "--profile", "me", env=env)
        assert token.returncode == 0, token.stderr
        check = httpx.get(
            ws.url + "/api/2.0/serving-endpoints",
            headers={"Authorization": f"Bearer {token.stdout.strip()}"},
        )
        assert check.status_code == 200
