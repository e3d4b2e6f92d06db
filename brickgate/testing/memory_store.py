"""An in-memory credential store, for tests and for host applications that hold credentials."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from brickgate.domain.credentials import DEFAULT_PROFILE, Credential
from brickgate.ports.credentials import STORED, SourceRole


class MemoryCredentialStore:
    """Keeps credentials in a dict keyed by profile; nothing touches the disk.

    ``resolve(None)`` looks up the ``DEFAULT`` profile. ``role`` is ``"stored"`` unless given
    (a test may stand it in for an explicit or ambient source). Thread-safe.
    """

    def __init__(
        self,
        credentials: Mapping[str, Credential] | None = None,
        *,
        name: str = "memory",
        role: SourceRole = STORED,
    ) -> None:
        self._name = name
        self._role: SourceRole = role
        self._lock = threading.Lock()
        self._credentials: dict[str, Credential] = dict(credentials or {})

    @property
    def name(self) -> str:
        """Short stable name shown in traces."""
        return self._name

    @property
    def role(self) -> SourceRole:
        """How the credential chain asks this store (``"stored"`` by default)."""
        return self._role

    def describe(self) -> str:
        """Where this source looks."""
        return f"{self._name} (in-process store, {len(self._credentials)} profile(s))"

    def resolve(self, profile: str | None = None) -> Credential | None:
        """Return the credential stored under ``profile`` (default ``DEFAULT``), else ``None``."""
        with self._lock:
            return self._credentials.get(profile or DEFAULT_PROFILE)

    def save(self, profile: str, credential: Credential) -> None:
        """Store ``credential`` under ``profile``, replacing any previous one."""
        with self._lock:
            self._credentials[profile] = credential

    def delete(self, profile: str) -> bool:
        """Remove ``profile``; return True if it existed."""
        with self._lock:
            return self._credentials.pop(profile, None) is not None

    def profiles(self) -> list[str]:
        """Stored profile names, sorted."""
        with self._lock:
            return sorted(self._credentials)
