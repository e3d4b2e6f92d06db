"""A refresh-token store in memory: for tests and for logins that must not outlive the process."""

from __future__ import annotations

import threading

from brickgate.domain.credentials import Secret

__all__ = ["MemoryRefreshTokenStore"]


class MemoryRefreshTokenStore:
    """The ``RefreshTokenStore`` port in a dict; thread-safe; ``saves`` counts writes."""

    def __init__(self) -> None:
        self._tokens: dict[str, Secret] = {}
        self._lock = threading.Lock()
        self.saves = 0

    def load(self, key: str) -> Secret | None:
        """The token under ``key``, if any."""
        with self._lock:
            return self._tokens.get(key)

    def save(self, key: str, token: Secret) -> None:
        """Store ``token`` under ``key``."""
        with self._lock:
            self._tokens[key] = token
            self.saves += 1

    def delete(self, key: str) -> bool:
        """Forget ``key``; return True if it was stored."""
        with self._lock:
            return self._tokens.pop(key, None) is not None

    def keys(self) -> list[str]:
        """The stored keys, sorted."""
        with self._lock:
            return sorted(self._tokens)

    def describe(self) -> str:
        """``memory``."""
        return "memory"

    def __repr__(self) -> str:
        return f"MemoryRefreshTokenStore(keys={self.keys()!r})"
