"""One run per batch output: a lock file beside it, held for the run and naming its pid."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from brickgate.domain.errors import ConfigurationError

__all__ = ["LOCK_SUFFIX", "OutputLock", "lock_batch_output"]

LOCK_SUFFIX = ".lock"
_ATTEMPTS = 5
_MAX_LOCK_BYTES = 64
_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class OutputLock:
    """An exclusive lock on ``<output>.lock``, held from ``acquire`` to ``release``.

    On POSIX it is an ``flock`` on the file, which the system drops when the holding process
    dies, and the file records the holder's pid. A lock file left by a run that was killed is
    therefore free: ``acquire`` takes it over and sets ``stale_pid`` to the pid it named. The
    file is removed on ``release``. Elsewhere ``filelock`` is used and no pid is recorded.
    """

    def __init__(self, output: Path) -> None:
        self.output = Path(output)
        self.path = Path(f"{self.output}{LOCK_SUFFIX}")
        self.stale_pid: int | None = None
        self._descriptor: int | None = None
        self._fallback: contextlib.ExitStack | None = None

    def __repr__(self) -> str:
        held = "held" if self.held else "free"
        return f"OutputLock({str(self.path)!r}, {held})"

    @property
    def held(self) -> bool:
        """Whether this process holds the lock."""
        return self._descriptor is not None or self._fallback is not None

    def acquire(self) -> OutputLock:
        """Take the lock at once or fail; returns ``self``.

        Raises ``ConfigurationError`` naming the other run's pid and the lock file when another
        process holds it, or when the lock file cannot be created.
        """
        if os.name != "posix":
            return self._acquire_with_filelock()
        for _ in range(_ATTEMPTS):
            descriptor = self._open()
            if not self._try_lock(descriptor):
                holder = _read_pid(descriptor)
                os.close(descriptor)
                raise self._busy(holder)
            if self._still_linked(descriptor):
                previous = _read_pid(descriptor)
                if previous is not None and previous != os.getpid():
                    self.stale_pid = previous
                os.ftruncate(descriptor, 0)
                os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
                self._descriptor = descriptor
                return self
            os.close(descriptor)
        raise self._busy(None)

    def release(self) -> None:
        """Remove the lock file and let go of the lock; idempotent."""
        if self._descriptor is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            os.close(self._descriptor)
            self._descriptor = None
        if self._fallback is not None:
            self._fallback.close()
            self._fallback = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _open(self) -> int:
        try:
            return os.open(self.path, _FLAGS, 0o644)
        except OSError as error:
            problem = (
                "is a symbolic link; remove it"
                if error.errno == errno.ELOOP
                else f"cannot be created ({error.strerror or error})"
            )
            raise ConfigurationError(
                f"the batch output lock {self.path} {problem}; nothing was sent"
            ) from None

    def _try_lock(self, descriptor: int) -> bool:
        import fcntl

        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as error:
            os.close(descriptor)
            raise ConfigurationError(
                f"cannot lock {self.path}: {error.strerror or error}; nothing was sent"
            ) from None
        return True

    def _still_linked(self, descriptor: int) -> bool:
        try:
            named = os.lstat(self.path)
        except FileNotFoundError:
            return False
        opened = os.fstat(descriptor)
        return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)

    def _busy(self, holder: int | None) -> ConfigurationError:
        who = f"another brickgate batch (pid {holder})" if holder else "another brickgate batch"
        return ConfigurationError(
            f"{who} is writing to {self.output} (lock file {self.path}); nothing was sent. "
            "Wait for it to finish or stop it, or choose another output file"
        )

    def _acquire_with_filelock(self) -> OutputLock:
        import filelock

        stack = contextlib.ExitStack()
        try:
            stack.enter_context(filelock.FileLock(str(self.path), timeout=0))
        except filelock.Timeout:
            raise self._busy(None) from None
        self._fallback = stack
        return self


def _read_pid(descriptor: int) -> int | None:
    try:
        text = os.pread(descriptor, _MAX_LOCK_BYTES, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


@contextlib.contextmanager
def lock_batch_output(output: Path) -> Iterator[OutputLock]:
    """Hold the lock on ``output`` for the ``with`` block (see ``OutputLock``)."""
    with OutputLock(output) as lock:
        yield lock
