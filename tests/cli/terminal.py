"""A child process on a pseudo-terminal, for tests of what a person at a terminal sees."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Mapping

READ_TIMEOUT = 60.0


class TerminalSession:
    """``python -m brickgate ARGS`` with stdin, stdout and stderr on a new pseudo-terminal."""

    def __init__(self, *args: str, env: Mapping[str, str]) -> None:
        master, slave = os.openpty()
        self._master = master
        self.transcript = ""
        self._seen = 0
        self.process = subprocess.Popen(
            [sys.executable, "-m", "brickgate", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            start_new_session=True,
        )
        os.close(slave)

    def expect(self, text: str) -> str:
        """Read until ``text`` appears; return everything read; fail if the child stops first."""
        while text not in self.transcript:
            ready, _, _ = select.select([self._master], [], [], READ_TIMEOUT)
            if not ready:
                raise AssertionError(f"{text!r} never appeared in {self.transcript!r}")
            try:
                data = os.read(self._master, 4096)
            except OSError:
                data = b""
            if not data:
                raise AssertionError(f"the process ended before {text!r}: {self.transcript!r}")
            self.transcript += data.decode("utf-8", "replace")
        return self.transcript

    def expect_next(self, text: str) -> str:
        """Like ``expect``, but only output after the previous ``expect_next`` match counts."""
        while text not in self.transcript[self._seen :]:
            self._read_more(text)
        self._seen = self.transcript.index(text, self._seen) + len(text)
        return self.transcript

    def _read_more(self, text: str) -> None:
        ready, _, _ = select.select([self._master], [], [], READ_TIMEOUT)
        if not ready:
            raise AssertionError(f"{text!r} never appeared in {self.transcript[self._seen :]!r}")
        try:
            data = os.read(self._master, 4096)
        except OSError:
            data = b""
        if not data:
            raise AssertionError(f"the process ended before {text!r}: {self.transcript!r}")
        self.transcript += data.decode("utf-8", "replace")

    def send(self, text: str) -> None:
        """Type ``text`` on the terminal."""
        os.write(self._master, text.encode())

    def __enter__(self) -> TerminalSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=READ_TIMEOUT)
        if self._master >= 0:
            os.close(self._master)
            self._master = -1

    def wait(self) -> int:
        """Wait for the child to exit, read what is left, close the terminal; return the code."""
        code = self.process.wait(timeout=READ_TIMEOUT)
        while self._master >= 0 and select.select([self._master], [], [], 0)[0]:
            try:
                data = os.read(self._master, 4096)
            except OSError:
                break
            if not data:
                break
            self.transcript += data.decode("utf-8", "replace")
        return code
