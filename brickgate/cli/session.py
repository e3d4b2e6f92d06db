"""The interactive chat: a ``you>`` prompt, slash commands, Ctrl-C that stops only the answer."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from brickgate.cli.errors import one_line
from brickgate.cli.history import LineReader
from brickgate.cli.render import usage_line
from brickgate.domain.chat import ChatResponse
from brickgate.domain.errors import RemoteError
from brickgate.domain.params import ChatParams

PROMPT = "you> "
HELP = """Commands:
  /help          this list
  /reset         forget the conversation (the system message stays)
  /model NAME    talk to another model from now on (no NAME: show the current one)
  /system TEXT   set the system message (no TEXT: remove it)
  /save FILE     write the conversation to FILE as JSON
  /exit          leave (also /quit or Ctrl-D)
Ctrl-C stops an answer and keeps the session; Ctrl-C twice at the prompt leaves.
Start a line with // to send a line that begins with /."""

Streamer = Callable[[str, list[dict[str, Any]], ChatParams], ChatResponse]


@dataclass
class Conversation:
    """The model talked to and the messages so far (a system message first, if any)."""

    model: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    def set_system(self, text: str) -> None:
        """Replace the system message with ``text`` (empty: remove it)."""
        self.messages = [m for m in self.messages if m.get("role") != "system"]
        if text:
            self.messages.insert(0, {"role": "system", "content": text})

    def reset(self) -> None:
        """Forget every message but the system message."""
        self.messages = [m for m in self.messages if m.get("role") == "system"]


class ChatSession:
    """Reads lines, runs slash commands and streams answers until /exit, Ctrl-D or Ctrl-C twice.

    ``stream(model, messages, params)`` prints one answer as it arrives and returns it; a
    ``KeyboardInterrupt`` inside it cancels only that answer. Remote errors are shown and the
    session goes on. A second Ctrl-C at the prompt (with nothing typed between) raises
    ``KeyboardInterrupt``.
    """

    def __init__(
        self,
        conversation: Conversation,
        params: ChatParams,
        stream: Streamer,
        reader: LineReader,
        err: Console,
    ) -> None:
        self.conversation = conversation
        self._params = params
        self._stream = stream
        self._reader = reader
        self._err = err
        self._commands: dict[str, Callable[[str], bool]] = {
            "/help": self._help,
            "/reset": self._reset,
            "/model": self._model,
            "/system": self._system,
            "/save": self._save,
            "/exit": self._exit,
            "/quit": self._exit,
        }

    def run(self) -> None:
        """The session loop; returns at /exit or end of input."""
        self._say(
            f"Chatting with {self.conversation.model}. /help lists commands; Ctrl-C stops an "
            "answer; /exit or Ctrl-D ends."
        )
        armed = False
        while True:
            try:
                line = self._reader.read(PROMPT)
            except EOFError:
                sys.stdout.write("\n")
                sys.stdout.flush()
                return
            except KeyboardInterrupt:
                if armed:
                    raise
                armed = True
                self._say("(press Ctrl-C again to leave, or type /exit)")
                continue
            armed = False
            if not self.handle(line):
                return

    def handle(self, line: str) -> bool:
        """Run one typed line: a command or a question; return False to end the session."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("/") and not text.startswith("//"):
            word, _, rest = text.partition(" ")
            command = self._commands.get(word.lower())
            if command is None:
                self._say(
                    f"unknown command {word}; /help lists the commands (start the line with "
                    "// to send it to the model as it is)"
                )
                return True
            return command(rest.strip())
        self._ask(text[1:] if text.startswith("//") else text)
        return True

    def _ask(self, text: str) -> None:
        conversation = self.conversation
        conversation.messages.append({"role": "user", "content": text})
        try:
            response = self._stream(conversation.model, conversation.messages, self._params)
        except KeyboardInterrupt:
            conversation.messages.pop()
            sys.stdout.write("\n")
            sys.stdout.flush()
            self._say("answer stopped (that question is not kept); ask again or type /exit")
            return
        except RemoteError as error:
            conversation.messages.pop()
            self._say(one_line(error))
            return
        conversation.messages.append(response.to_message())
        self._err.print(usage_line(response), style="dim", markup=False)

    def _say(self, text: str) -> None:
        self._err.print(text, markup=False)

    def _help(self, _: str) -> bool:
        self._say(HELP)
        return True

    def _reset(self, _: str) -> bool:
        self.conversation.reset()
        self._say("conversation cleared")
        return True

    def _model(self, name: str) -> bool:
        if name:
            self.conversation.model = name
            self._say(f"now talking to {name}")
        else:
            self._say(f"talking to {self.conversation.model}; /model NAME switches")
        return True

    def _system(self, text: str) -> bool:
        self.conversation.set_system(text)
        self._say("system message set" if text else "system message removed")
        return True

    def _save(self, name: str) -> bool:
        if not name:
            self._say("give a file name: /save FILE")
            return True
        document = {"model": self.conversation.model, "messages": self.conversation.messages}
        path = Path(name).expanduser()
        try:
            path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        except OSError as error:
            self._say(f"cannot write {path}: {error.strerror or error}")
            return True
        self._say(f"saved {len(self.conversation.messages)} messages to {path}")
        return True

    def _exit(self, _: str) -> bool:
        return False
