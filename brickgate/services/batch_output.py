"""Batch output files: what an output already holds, repaired to resume, and crash-safe appends."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from brickgate.domain.batch import BatchResult, IdKey, id_key
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.redaction import redact

DEFAULT_FSYNC_EVERY = 100


@dataclass(frozen=True, slots=True)
class OutputState:
    """What an existing output file already holds.

    ``done`` are the ids written; ``repaired_bytes`` the size of a torn last line that was cut
    off (0 when the file was whole); ``retried`` the error lines dropped to try again;
    ``failed`` the error lines kept (items that failed in an earlier run and are not retried).
    """

    done: frozenset[IdKey] = frozenset()
    lines: int = 0
    repaired_bytes: int = 0
    retried: int = 0
    failed: int = 0


def prepare_output(path: Path, *, retry_errors: bool = False) -> OutputState:
    """Make ``path`` ready to append to and return what it already holds.

    A torn last line (a crash mid-write) is truncated away. With ``retry_errors``, lines
    recording an error are removed (the file is rewritten atomically) so those items run
    again. Raises ``ConfigurationError`` when the file cannot be read or a complete line is
    not a result line (the file is then left untouched).
    """
    if not path.exists():
        return OutputState()
    try:
        with path.open("rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the batch output {path}: {exc.strerror}") from None
    whole = raw.rfind(b"\n") + 1
    torn = len(raw) - whole
    kept: list[bytes] = []
    done: set[IdKey] = set()
    retried = failed = 0
    for number, line in enumerate(raw[:whole].split(b"\n")[:-1], start=1):
        record = _result_record(line, number, path)
        if "error" in record:
            if retry_errors:
                retried += 1
                continue
            failed += 1
        done.add(id_key(record["id"]))
        kept.append(line)
    if retried:
        _rewrite(path, kept)
    elif torn:
        os.truncate(path, whole)
    return OutputState(frozenset(done), len(kept), torn, retried, failed)


def _result_record(line: bytes, number: int, path: Path) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    if (
        not isinstance(record, dict)
        or isinstance(record.get("id"), bool)
        or not isinstance(record.get("id"), (str, int))
    ):
        raise ConfigurationError(
            f"line {number} of {path} is not a brickgate batch result; the file was left "
            "untouched. Choose another output file, or fix or remove that line"
        )
    return record


def _rewrite(path: Path, lines: list[bytes]) -> None:
    temporary = path.with_name(path.name + ".brickgate-tmp")
    with temporary.open("wb") as handle:
        handle.writelines(line + b"\n" for line in lines)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def result_record(result: BatchResult) -> dict[str, Any]:
    """One output line's JSON: the id, then the text and usage or the error, and latency.

    The error message is scrubbed of every registered secret and secret-shaped string.
    """
    record: dict[str, Any] = {"id": result.id}
    response = result.response
    if result.error is not None:
        message = getattr(result.error, "message", None) or str(result.error)
        record["error"] = {"class": type(result.error).__name__, "message": redact(message)}
        status = getattr(result.error, "status", None)
        if status is not None:
            record["error"]["status"] = status
    elif response is not None:
        record["text"] = response.text
        usage = response.usage
        record["usage"] = (
            {
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "total_tokens": usage.total_tokens,
            }
            if usage is not None
            else None
        )
        record["model"] = response.model
        record["finish_reason"] = response.finish_reason
        if response.tool_calls:
            record["tool_calls"] = [call.to_wire() for call in response.tool_calls]
    record["latency"] = round(result.latency, 4)
    record["attempts"] = result.attempts
    return record


class ResultLog:
    """An append-only JSONL file of results.

    Each line is written whole with one ``write`` on an ``O_APPEND`` descriptor, so a crash
    leaves at most one torn last line (``prepare_output`` repairs it). The file is fsynced every
    ``fsync_every`` lines and on ``close()``. Raises ``ConfigurationError`` when it cannot be
    opened.
    """

    def __init__(self, path: Path, *, fsync_every: int = DEFAULT_FSYNC_EVERY) -> None:
        try:
            self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot open the batch output {path}: {exc.strerror}"
            ) from None
        self._fsync_every = max(1, fsync_every)
        self._unsynced = 0
        self.written = 0

    def write(self, result: BatchResult) -> None:
        """Append ``result`` as one line."""
        line = json.dumps(result_record(result), ensure_ascii=False) + "\n"
        self._write_all(line.encode("utf-8"))
        self.written += 1
        self._unsynced += 1
        if self._unsynced >= self._fsync_every:
            self.checkpoint()

    def _write_all(self, data: bytes) -> None:
        if self._fd is None:
            raise ConfigurationError("this batch output is closed")
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def checkpoint(self) -> None:
        """Flush what was written to the disk."""
        if self._fd is not None and self._unsynced:
            os.fsync(self._fd)
            self._unsynced = 0

    def close(self) -> None:
        """Flush to disk and close; idempotent."""
        if self._fd is not None:
            self.checkpoint()
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ResultLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
