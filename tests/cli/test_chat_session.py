"""The interactive chat on a real pseudo-terminal: Ctrl-C, slash commands, history."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from brickgate.cli.history import append_history, history_path, load_history
from brickgate.testing import FakeWorkspace, Fault
from tests.cli.conftest import LOOPBACK
from tests.cli.terminal import TerminalSession

MODEL = "databricks-meta-llama-3-3-70b-instruct"
OTHER_MODEL = "databricks-claude-sonnet-4-5"
CHAT = "/serving-endpoints/chat/completions"
ENTER = "\r"
UP = "\x1b[A"
CTRL_C = "\x03"


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    ticker = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return True
        ticker.wait(0.02)
    return condition()


def chat_bodies(ws: FakeWorkspace) -> list[dict[str, Any]]:
    return [r.json for r in ws.requests if r.path == CHAT and isinstance(r.json, dict)]


@contextmanager
def chat_session(ws: FakeWorkspace, *args: str) -> Iterator[TerminalSession]:
    env = {**os.environ, "DATABRICKS_HOST": ws.url, "DATABRICKS_TOKEN": ws.token}
    with TerminalSession("--trust-host", LOOPBACK, "chat", "-m", MODEL, *args, env=env) as session:
        session.expect_next("you>")
        yield session


def ask(session: TerminalSession, text: str, expected: str) -> None:
    session.send(text + ENTER)
    session.expect_next(expected)
    session.expect_next("you>")


def test_ctrl_c_stops_the_answer_and_keeps_the_session_then_twice_leaves() -> None:
    with FakeWorkspace() as ws:
        ws.fail(Fault(delay_before_headers=30.0), times=1, path=CHAT)
        with chat_session(ws) as session:
            session.send("slow question" + ENTER)
            assert wait_until(lambda: len(chat_bodies(ws)) == 1)
            session.process.send_signal(signal.SIGINT)
            session.expect_next("answer stopped")
            session.expect_next("you>")
            ask(session, "second question", "you said second question")
            session.send(CTRL_C)
            session.expect_next("press Ctrl-C again")
            session.expect_next("you>")
            session.send(CTRL_C)
            assert session.wait() == 130
        last = chat_bodies(ws)[-1]
    assert [m["content"] for m in last["messages"]] == ["second question"]
    assert "Traceback" not in session.transcript


def test_slash_commands_are_run_here_and_unknown_ones_are_not_sent(tmp_path: Path) -> None:
    saved = tmp_path / "talk.json"
    with FakeWorkspace() as ws, chat_session(ws) as session:
        ask(session, "/help", "/save FILE")
        ask(session, "/frobnicate now", "unknown command /frobnicate")
        assert chat_bodies(ws) == []
        ask(session, "/system Be brief.", "system message set")
        ask(session, "first question", "you said first question")
        ask(session, f"/model {OTHER_MODEL}", f"now talking to {OTHER_MODEL}")
        ask(session, "second question", "you said second question")
        ask(session, f"/save {saved}", "saved 5 messages")
        ask(session, "/reset", "conversation cleared")
        ask(session, "third question", "you said third question")
        ask(session, "//etc is a folder", "you said /etc is a folder")
        session.send("/exit" + ENTER)
        assert session.wait() == 0
        bodies = chat_bodies(ws)
    assert [body["model"] for body in bodies][:2] == [MODEL, OTHER_MODEL]
    assert [m["role"] for m in bodies[1]["messages"]] == ["system", "user", "assistant", "user"]
    assert [m["content"] for m in bodies[2]["messages"]] == ["Be brief.", "third question"]
    document = json.loads(saved.read_text())
    assert document["model"] == OTHER_MODEL
    assert [m["role"] for m in document["messages"]] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
    ]


def test_arrow_keys_recall_the_previous_line_and_it_is_saved(clean_environment: Path) -> None:
    with FakeWorkspace() as ws:
        with chat_session(ws) as session:
            ask(session, "remember me", "you said remember me")
            session.send(UP + ENTER)
            session.expect_next("you said remember me")
            session.send("/exit" + ENTER)
            assert session.wait() == 0
        bodies = chat_bodies(ws)
    assert [body["messages"][-1]["content"] for body in bodies] == ["remember me"] * 2
    assert "^[[A" not in session.transcript
    saved = history_path(None, clean_environment / ".local" / "share" / "brickgate")
    assert load_history(saved) == ["remember me", "/exit"]
    assert saved.stat().st_mode & 0o077 == 0


def test_a_new_prompt_recalls_lines_saved_by_an_earlier_session(tmp_path: Path) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from brickgate.cli.history import bounded_history

    path = history_path("dev", tmp_path)
    append_history(path, "older")
    append_history(path, "latest")
    with create_pipe_input() as keys:
        keys.send_text(UP + UP + ENTER)
        session: Any = PromptSession(
            history=bounded_history(path), input=keys, output=DummyOutput()
        )
        assert session.prompt("you> ") == "older"


def test_history_is_kept_per_profile_and_bounded(tmp_path: Path) -> None:
    first, second = history_path("dev", tmp_path), history_path("prod", tmp_path)
    assert first != second
    assert history_path("../../etc", tmp_path).parent == tmp_path / "history"
    for index in range(1500):
        append_history(first, f"line {index}\nwith a break")
    loaded = load_history(first)
    assert len(loaded) == 1000
    assert loaded[-1] == "line 1499\nwith a break"
    assert load_history(second) == []
