"""ChatSession without a terminal: scripted lines in, a scripted model, what it kept and said."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from brickgate.cli.session import ChatSession, Conversation
from brickgate.domain.chat import ChatResponse
from brickgate.domain.errors import ServerError
from brickgate.domain.params import ChatParams


class ScriptedReader:
    """Hands out the given lines; a ``KeyboardInterrupt`` or ``EOFError`` item is raised."""

    def __init__(self, lines: Iterable[str | BaseException]) -> None:
        self._lines = list(lines)

    def read(self, prompt: str) -> str:
        if not self._lines:
            raise EOFError
        line = self._lines.pop(0)
        if isinstance(line, BaseException):
            raise line
        return line


class ScriptedModel:
    """Answers "you said X"; an exception queued in ``failures`` is raised instead, once."""

    def __init__(self, *failures: BaseException) -> None:
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []
        self._failures = list(failures)

    def __call__(
        self, model: str, messages: list[dict[str, Any]], params: ChatParams
    ) -> ChatResponse:
        self.calls.append((model, [dict(m) for m in messages]))
        if self._failures:
            raise self._failures.pop(0)
        return ChatResponse(text=f"you said {messages[-1]['content']}", model=model)


def run(lines: Iterable[str | BaseException], model: ScriptedModel) -> tuple[ChatSession, str]:
    said = io.StringIO()
    session = ChatSession(
        Conversation("m1"), {}, model, ScriptedReader(lines), Console(file=said, width=200)
    )
    session.run()
    return session, said.getvalue()


def test_unknown_commands_are_reported_and_nothing_is_sent() -> None:
    model = ScriptedModel()
    _, said = run(["/nope", "/Help"], model)
    assert model.calls == []
    assert "unknown command /nope" in said
    assert "/model NAME" in said


def test_ctrl_c_during_an_answer_drops_that_question_and_the_session_goes_on() -> None:
    model = ScriptedModel(KeyboardInterrupt())
    session, said = run(["first", "second"], model)
    assert "answer stopped" in said
    assert [m["content"] for m in session.conversation.messages] == ["second", "you said second"]


def test_a_remote_error_is_shown_and_the_session_goes_on() -> None:
    model = ScriptedModel(ServerError("overloaded", status=503))
    session, said = run(["first", "second"], model)
    assert "error: the workspace answered HTTP 503" in said
    assert len(session.conversation.messages) == 2


def test_ctrl_c_at_the_prompt_warns_once_then_leaves() -> None:
    with pytest.raises(KeyboardInterrupt):
        run([KeyboardInterrupt(), KeyboardInterrupt()], ScriptedModel())
    _, said = run([KeyboardInterrupt(), "hello", KeyboardInterrupt(), "/exit"], ScriptedModel())
    assert said.count("press Ctrl-C again") == 2


def test_model_system_reset_and_save(tmp_path: Path) -> None:
    model = ScriptedModel()
    target = tmp_path / "talk.json"
    lines = ["/model", "/system Be brief.", "hi", "/model m2", f"/save {target}"]
    lines += ["/system", "/reset"]
    session, said = run(lines, model)
    assert "talking to m1" in said
    assert json.loads(target.read_text()) == {
        "model": "m2",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "you said hi"},
        ],
    }
    assert "system message removed" in said
    assert session.conversation.messages == []
    assert session.conversation.model == "m2"


def test_save_to_an_unwritable_place_is_reported(tmp_path: Path) -> None:
    _, said = run([f"/save {tmp_path / 'missing' / 'talk.json'}", "/save"], ScriptedModel())
    assert "cannot write" in said
    assert "give a file name" in said
