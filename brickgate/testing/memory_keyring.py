"""An in-memory ``keyring`` backend, to exercise ``KeyringStore`` without an OS keyring."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in a dict for the life of the object.

    Pass it explicitly (``KeyringStore(backend=MemoryKeyring())``); keyring never selects it on
    its own, since its ``priority`` is below keyring's own "no backend" fallback.
    ``delete_password`` raises ``keyring.errors.PasswordDeleteError`` for a missing entry, as
    the real backends do. Thread-safe.
    """

    priority = -10

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._lock = threading.Lock()
        self._passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        """Return the stored password, or ``None``."""
        with self._lock:
            return self._passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store ``password``, replacing any previous one."""
        with self._lock:
            self._passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        """Remove the entry; raises ``PasswordDeleteError`` if there is none."""
        with self._lock:
            if self._passwords.pop((service, username), None) is None:
                raise PasswordDeleteError(f"no entry for {username!r} in service {service!r}")

    def usernames(self, service: str) -> list[str]:
        """The user names stored under ``service``, sorted (a test helper)."""
        with self._lock:
            return sorted(user for (svc, user) in self._passwords if svc == service)

    def __repr__(self) -> str:
        with self._lock:
            count = len(self._passwords)
        return f"MemoryKeyring({count} entr{'y' if count == 1 else 'ies'})"
