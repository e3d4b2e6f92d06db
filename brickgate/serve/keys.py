"""The gateway's local key: made on first start, kept 0600 in the user config dir, never logged."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from brickgate.adapters.credentials.private_files import (
    ensure_private_directory,
    read_private_file,
)
from brickgate.domain.errors import ConfigurationError

__all__ = [
    "MIN_KEY_LENGTH",
    "default_key_path",
    "key_from_env",
    "key_id",
    "keys_match",
    "load_or_create_key",
    "new_key",
]

MIN_KEY_LENGTH = 16
_SOURCE = "the gateway key file"


def default_key_path() -> Path:
    """``serve.key`` in the user config directory (``platformdirs.user_config_dir``)."""
    import platformdirs

    return Path(platformdirs.user_config_dir("brickgate")) / "serve.key"


def new_key() -> str:
    """A fresh random key (``bgk-`` and 43 URL-safe characters)."""
    return "bgk-" + secrets.token_urlsafe(32)


def key_id(key: str) -> str:
    """A short id naming ``key`` in the ledger and logs without revealing it."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def keys_match(given: str, key: str) -> bool:
    """True when ``given`` is ``key``, compared in constant time."""
    return hmac.compare_digest(given.encode(), key.encode())


def _checked(key: str, where: str) -> str:
    key = key.strip()
    if len(key) < MIN_KEY_LENGTH or any(c <= " " or c == "\x7f" for c in key):
        raise ConfigurationError(
            f"the gateway key in {where} is shorter than {MIN_KEY_LENGTH} characters or has "
            "spaces or control characters; use a long random key"
        )
    return key


def key_from_env(name: str) -> str:
    """The key in environment variable ``name``; ``ConfigurationError`` when unset or weak."""
    value = os.environ.get(name)
    if not value:
        raise ConfigurationError(f"--key-env {name}: the variable is not set; export the key first")
    return _checked(value, f"${name}")


def load_or_create_key(path: Path) -> str:
    """The key stored at ``path``, made (mode 0600, folder 0700) when there is none.

    Raises ``UnsafeFileError`` for a file others could read or swap, ``ConfigurationError``
    for a key that is too short.
    """
    ensure_private_directory(path.parent, source=_SOURCE, create=True)
    try:
        return _checked(read_private_file(path, source=_SOURCE, max_bytes=4096).decode(), str(path))
    except FileNotFoundError:
        pass
    key = new_key()
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return _checked(read_private_file(path, source=_SOURCE, max_bytes=4096).decode(), str(path))
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return key
