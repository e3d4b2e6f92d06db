"""Running a local tool (databricks, az): an argument list, a time limit, an output limit."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from brickgate.domain.errors import CredentialSourceError, SourceUnavailableError

MAX_OUTPUT = 1 << 20
_CHUNK = 1 << 16

__all__ = ["MAX_OUTPUT", "Completed", "find_program", "run_bounded"]


@dataclass(frozen=True, slots=True)
class Completed:
    """How a tool ended: its exit status and its output (decoded as UTF-8, errors replaced)."""

    returncode: int
    stdout: str
    stderr: str


def find_program(name: str, environ: Mapping[str, str], *, source: str, what: str) -> str:
    """The path of ``name`` on ``environ``'s ``PATH``; ``SourceUnavailableError`` when absent."""
    found = shutil.which(name, path=environ.get("PATH", os.defpath))
    if found is None:
        raise SourceUnavailableError(source, f"skipped: {what} not found on PATH")
    return found


def run_bounded(
    argv: Sequence[str],
    *,
    source: str,
    timeout: float,
    environ: Mapping[str, str],
    max_output: int = MAX_OUTPUT,
) -> Completed:
    """Run ``argv`` (no shell, no stdin) and return how it ended.

    Raises ``SourceUnavailableError`` when the program does not exist, ``CredentialSourceError``
    when it cannot be started, runs longer than ``timeout`` seconds or writes more than
    ``max_output`` bytes to either stream (it is killed then).
    """
    shown = " ".join([os.path.basename(argv[0]), *argv[1:3]])
    try:
        process = subprocess.Popen(  # noqa: S603 (a list of arguments, no shell)
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(environ),
        )
    except FileNotFoundError:
        raise SourceUnavailableError(source, f"skipped: {argv[0]} not found") from None
    except OSError as error:
        raise CredentialSourceError(source, f"cannot run {argv[0]}: {error.strerror}") from None
    over = threading.Event()
    outputs: list[bytearray] = [bytearray(), bytearray()]
    assert process.stdout is not None and process.stderr is not None
    readers = [
        threading.Thread(target=_drain, args=(stream, sink, max_output, over, process), daemon=True)
        for stream, sink in zip((process.stdout, process.stderr), outputs, strict=True)
    ]
    for reader in readers:
        reader.start()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise CredentialSourceError(
            source, f"`{shown}` did not finish within {timeout:g} s; check that it works"
        ) from None
    finally:
        for reader in readers:
            reader.join(timeout=5)
    if over.is_set():
        raise CredentialSourceError(
            source, f"`{shown}` wrote more than {max_output} bytes; refusing its output"
        )
    return Completed(
        process.returncode,
        outputs[0].decode("utf-8", "replace"),
        outputs[1].decode("utf-8", "replace"),
    )


def _drain(
    stream: IO[bytes],
    sink: bytearray,
    limit: int,
    over: threading.Event,
    process: subprocess.Popen[bytes],
) -> None:
    with stream:
        while chunk := stream.read1(_CHUNK):  # type: ignore[attr-defined]
            if len(sink) + len(chunk) > limit:
                over.set()
                process.kill()
                return
            sink += chunk
