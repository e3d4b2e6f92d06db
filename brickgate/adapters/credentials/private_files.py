"""Credential files checked before they are opened: regular, bounded, private, never a trap."""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path

from brickgate.domain.errors import CredentialSourceError, CredentialStoreError, UnsafeFileError

__all__ = [
    "MAX_CONFIG_FILE_BYTES",
    "check_not_a_link",
    "ensure_private_directory",
    "read_private_file",
]

MAX_CONFIG_FILE_BYTES = 1024 * 1024
_POSIX = os.name == "posix"
_CHUNK = 64 * 1024
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISLNK, "a symbolic link"),
)
logger = logging.getLogger(__name__)


def read_private_file(
    path: Path, *, source: str, max_bytes: int = MAX_CONFIG_FILE_BYTES, require_private: bool = True
) -> bytes:
    """Return the bytes of the regular file at ``path``, checked before and after opening.

    The path is inspected with ``lstat`` first and opened ``O_NONBLOCK`` (so a FIFO or device
    never blocks) and, with ``require_private``, ``O_NOFOLLOW``; the open file is checked again
    with ``fstat`` and must be the one inspected. With ``require_private`` the file must not be
    a symbolic link, must belong to the current user and have no group/other permission bits
    (POSIX); without it a link is followed, but only to a regular file. Reads at most
    ``max_bytes``. Raises ``FileNotFoundError`` when nothing is there, ``UnsafeFileError``
    (naming the path and the fix) for anything refused, ``CredentialSourceError`` when it
    cannot be read. The file is never modified.
    """
    status = _lstat(path, source)
    if stat.S_ISLNK(status.st_mode):
        if require_private:
            raise _link_error(path, source)
        status = _stat(path, source)
    _check(path, status, source, max_bytes, require_private)
    flags = _OPEN_FLAGS | (_NOFOLLOW if require_private else 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _link_error(path, source) from None
        raise _unreadable(path, source, error) from None
    try:
        opened = os.fstat(descriptor)
        _check(path, opened, source, max_bytes, require_private)
        if (opened.st_dev, opened.st_ino) != (status.st_dev, status.st_ino):
            raise UnsafeFileError(
                source,
                path=str(path),
                problem="was replaced while it was being opened",
                fix="Make sure no other program is changing it, then try again.",
            )
        return _read_bounded(descriptor, path, source, max_bytes)
    except OSError as error:
        raise _unreadable(path, source, error) from None
    finally:
        os.close(descriptor)


def ensure_private_directory(directory: Path, *, source: str, create: bool) -> None:
    """Check the folder holding a credentials file; with ``create``, make it (mode 0700).

    Refused (``UnsafeFileError``, nothing changed): a symbolic link, not a directory, owned by
    another user, or writable by group or others (someone else could plant or swap files).
    A folder that others may only read or enter (``0755``) is tightened to ``0700`` when
    ``create`` is set (that is, before writing), with a warning saying so; reading accepts it,
    since the file itself must be private. A missing folder is fine when not ``create``.
    Raises ``CredentialStoreError`` when it cannot be created or tightened.
    """
    try:
        status = os.lstat(directory)
    except FileNotFoundError:
        if not create:
            return
        _make_directory(directory, source)
        status = _lstat(directory, source)
    except OSError as error:
        raise _unreadable(directory, source, error) from None
    if stat.S_ISLNK(status.st_mode):
        raise UnsafeFileError(
            source,
            path=str(directory),
            problem="is a symbolic link to a folder",
            fix=(
                f"Point the setting at the real folder ({os.path.realpath(directory)}) after "
                "checking it is yours, or replace the link with a folder of your own."
            ),
        )
    if not stat.S_ISDIR(status.st_mode):
        raise CredentialStoreError(source, f"{directory} exists and is not a folder")
    if not _POSIX:
        return
    _check_owner(directory, status, source)
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o022:
        raise UnsafeFileError(
            source,
            path=str(directory),
            problem=f"is a folder with mode {mode:04o}, so other users may add or replace files",
            fix=f"Check what is in it, then run: chmod 700 {directory}",
        )
    if mode & 0o077 and create:
        try:
            os.chmod(directory, 0o700)
        except OSError as error:
            raise CredentialStoreError(
                source, f"cannot make {directory} private: {error.strerror or error}"
            ) from None
        logger.warning(
            "%s had mode %04o; brickgate tightened it to 0700 before writing", directory, mode
        )


def check_not_a_link(path: Path, *, source: str) -> None:
    """Raise ``UnsafeFileError`` when ``path`` exists and is not a regular file (a link...)."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise _unreadable(path, source, error) from None
    if stat.S_ISLNK(status.st_mode):
        raise _link_error(path, source)
    if not stat.S_ISREG(status.st_mode):
        raise UnsafeFileError(
            source,
            path=str(path),
            problem=f"is {_kind(status.st_mode)}, not a regular file",
            fix=f"Remove it: rm {path}",
        )


def _check(
    path: Path, status: os.stat_result, source: str, max_bytes: int, require_private: bool
) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise UnsafeFileError(
            source,
            path=str(path),
            problem=f"is {_kind(status.st_mode)}, not a regular file",
            fix=f"Move it aside (mv {path} {path}.not-a-file) and put a regular file there.",
        )
    if status.st_size > max_bytes:
        raise UnsafeFileError(
            source,
            path=str(path),
            problem=f"is {status.st_size} bytes, more than the {max_bytes} a config file may be",
            fix="Check it is the file you meant; move it aside if it is not.",
        )
    if not (require_private and _POSIX):
        return
    _check_owner(path, status, source)
    if status.st_mode & 0o077:
        mode = stat.S_IMODE(status.st_mode)
        raise UnsafeFileError(
            source,
            path=str(path),
            problem=f"has mode {mode:04o}, so other users may read it",
            fix=f"Check who had access, then run: chmod 600 {path}",
        )


def _check_owner(path: Path, status: os.stat_result, source: str) -> None:
    user = os.geteuid()
    if status.st_uid != user:
        raise UnsafeFileError(
            source,
            path=str(path),
            problem=f"belongs to user id {status.st_uid}, not to you (user id {user})",
            fix=f"Check it, then take it over with: sudo chown {user} {path}",
        )


def _read_bounded(descriptor: int, path: Path, source: str, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(descriptor, min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise UnsafeFileError(
                source,
                path=str(path),
                problem=f"grew past {max_bytes} bytes while being read",
                fix="Check it is the file you meant; move it aside if it is not.",
            )


def _make_directory(directory: Path, source: str) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise CredentialStoreError(
            source, f"cannot create {directory}: {error.strerror or error}"
        ) from None


def _lstat(path: Path, source: str) -> os.stat_result:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise _unreadable(path, source, error) from None


def _stat(path: Path, source: str) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise _unreadable(path, source, error) from None


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "an unusual kind of file")


def _link_error(path: Path, source: str) -> UnsafeFileError:
    return UnsafeFileError(
        source,
        path=str(path),
        problem="is a symbolic link (a planted link could send your token elsewhere)",
        fix=f"Remove the link (rm {path}) and run `brickgate login` again.",
    )


def _unreadable(path: Path, source: str, error: OSError) -> CredentialSourceError:
    return CredentialSourceError(source, f"cannot read {path}: {error.strerror or error}")
