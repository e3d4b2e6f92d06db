"""The refresh-token store port: where a browser login's refresh token is kept between runs."""

from __future__ import annotations

from typing import Protocol

from brickgate.domain.credentials import Secret


class RefreshTokenStore(Protocol):
    """Keeps one refresh token per key (a profile, or a host and client id).

    ``load`` returns the stored token or ``None``; ``save`` replaces it; ``delete`` returns
    whether there was one. Implementations keep the token like any other secret (the OS
    keyring, else a 0600 file) and raise ``CredentialStoreError`` when they cannot write,
    ``SourceUnavailableError`` when they cannot work on this machine. They may block briefly.
    ``describe()`` says where tokens are kept, never a value.
    """

    def load(self, key: str) -> Secret | None:
        """The refresh token stored under ``key``, if any."""
        ...

    def save(self, key: str, token: Secret) -> None:
        """Store ``token`` under ``key``, replacing any previous one."""
        ...

    def delete(self, key: str) -> bool:
        """Remove the token under ``key``; return True if there was one."""
        ...

    def describe(self) -> str:
        """Where tokens are kept (for traces and errors)."""
        ...
