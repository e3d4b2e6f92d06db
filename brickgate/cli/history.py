"""Reading a line at the ``you>`` prompt: editing and history (prompt_toolkit, else readline)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

HISTORY_LIMIT_BYTES = 1 << 20
HISTORY_LIMIT_ENTRIES = 1000
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class LineReader(Protocol):
    """Reads one line typed by a person.

    ``read(prompt)`` returns the line without its end; raises ``EOFError`` at Ctrl-D and
    ``KeyboardInterrupt`` at Ctrl-C.
    """

    def read(self, prompt: str) -> str:
        """The next line typed after ``prompt``."""
        ...


def history_path(profile: str | None, data_dir: Path | None = None) -> Path:
    """Where the chat history of ``profile`` is kept: ``<user data dir>/history/<profile>``.

    A profile name that is not a plain file name is replaced by its hash.
    """
    import platformdirs

    base = data_dir or Path(platformdirs.user_data_dir("brickgate"))
    name = profile or "DEFAULT"
    if not _SAFE_NAME.fullmatch(name) or name.startswith("."):
        name = "profile-" + hashlib.sha256(name.encode()).hexdigest()[:16]
    return base / "history" / f"chat-{name}.jsonl"


def load_history(path: Path) -> list[str]:
    """The lines saved at ``path``, oldest first (at most the last 1 MiB, 1000 entries).

    A missing or unreadable file is an empty history; lines that are not JSON text are skipped.
    """
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            handle.seek(max(0, size - HISTORY_LIMIT_BYTES))
            raw = handle.read(HISTORY_LIMIT_BYTES)
    except OSError:
        return []
    entries = []
    for line in raw.split(b"\n"):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, str):
            entries.append(value)
    return entries[-HISTORY_LIMIT_ENTRIES:]


def append_history(path: Path, line: str) -> None:
    """Add ``line`` to the history at ``path`` (directory 0700, file 0600); errors are ignored."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError:
        return
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")


class PromptToolkitReader:
    """Emacs-style line editing, arrow-key history and Ctrl-R search, kept in ``path``."""

    def __init__(self, path: Path | None) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.output import create_output

        output = create_output()
        if hasattr(output, "enable_cpr"):
            output.enable_cpr = False
        self._session: Any = PromptSession(history=bounded_history(path), output=output)

    def read(self, prompt: str) -> str:
        """The next line (see ``LineReader``)."""
        return str(self._session.prompt(prompt))


class PlainReader:
    """``input()``, with readline's editing and in-session history where Python has it."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._readline: Any = None
        try:
            import readline
        except ImportError:
            return
        self._readline = readline
        for line in load_history(path) if path is not None else ():
            readline.add_history(line)

    def read(self, prompt: str) -> str:
        """The next line (see ``LineReader``)."""
        line = input(prompt)
        if line.strip() and self._path is not None:
            append_history(self._path, line)
        return line


def bounded_history(path: Path | None) -> Any:
    """A prompt_toolkit history kept in ``path`` (see ``load_history``), or in memory only."""
    from prompt_toolkit.history import History, InMemoryHistory

    if path is None:
        return InMemoryHistory()
    kept: Path = path

    class BoundedFileHistory(History):
        """prompt_toolkit history read from and appended to ``path``, bounded in size."""

        def load_history_strings(self) -> Iterable[str]:
            return list(reversed(load_history(kept)))

        def store_string(self, string: str) -> None:
            append_history(kept, string)

    return BoundedFileHistory()


def line_reader(path: Path | None) -> LineReader:
    """prompt_toolkit's reader when it is installed and stdout is a terminal, else input()."""
    try:
        import prompt_toolkit  # noqa: F401
    except ImportError:
        return PlainReader(path)
    try:
        terminal = sys.stdout.isatty()
    except ValueError:
        terminal = False
    return PromptToolkitReader(path) if terminal else PlainReader(path)
