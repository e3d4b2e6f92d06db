"""Browser logins kept like any other secret: a refresh-token store over the credential stores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from brickgate.adapters.credentials._records import BrowserLogin
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import CredentialStoreError, SourceUnavailableError
from brickgate.domain.hosts import WorkspaceHost

__all__ = ["BrowserLoginHolder", "StoredBrowserLogins", "profile_of_key"]

_PROFILE_KEY = "profile:"


@runtime_checkable
class BrowserLoginHolder(Protocol):
    """A credential store that keeps browser-login records (the keyring and file stores)."""

    def save(self, profile: str, credential: BrowserLogin) -> None:
        """Store the login under ``profile``."""
        ...

    def refresh_token(self, profile: str) -> Secret | None:
        """The refresh token of the login stored as ``profile``, if any."""
        ...

    def delete(self, profile: str) -> bool:
        """Remove ``profile``; return True if it existed."""
        ...

    def describe(self) -> str:
        """Where this store keeps profiles."""
        ...


def profile_of_key(key: str) -> str:
    """The profile a refresh-token key names (``profile:P`` → ``P``; other keys as they are)."""
    return key[len(_PROFILE_KEY) :] if key.startswith(_PROFILE_KEY) else key


class StoredBrowserLogins:
    """The ``RefreshTokenStore`` port over brickgate's credential stores, for one host and client.

    ``stores`` are tried in order (the OS keyring first, then the 0600 credentials file). ``load``
    returns the refresh token of the first store holding the profile; ``save`` writes a
    ``BrowserLogin`` record to the store already holding the profile, else to the first store
    that works here (a store raising ``SourceUnavailableError`` is passed over). Raises
    ``CredentialStoreError`` when no store can be written. Never shows a token.
    """

    def __init__(
        self, stores: Sequence[BrowserLoginHolder], host: WorkspaceHost, client_id: str
    ) -> None:
        self._stores = tuple(stores)
        self._host = host
        self._client_id = client_id

    def __repr__(self) -> str:
        return f"StoredBrowserLogins({self._host.url!r}, client {self._client_id!r})"

    def describe(self) -> str:
        """The stores, in the order they are tried."""
        return "; ".join(store.describe() for store in self._stores)

    def load(self, key: str) -> Secret | None:
        """The stored refresh token of the profile ``key`` names, if any."""
        return self._holding(profile_of_key(key))[1]

    def save(self, key: str, token: Secret) -> None:
        """Store ``token`` as the browser login of the profile ``key`` names."""
        profile = profile_of_key(key)
        login = BrowserLogin(self._host, self._client_id, token)
        holder, _ = self._holding(profile)
        candidates = [holder] if holder is not None else list(self._stores)
        reasons: list[str] = []
        for store in candidates:
            try:
                store.save(profile, login)
            except SourceUnavailableError as error:
                reasons.append(error.reason)
                continue
            return
        raise CredentialStoreError(
            "browser login", "no credential store can be written here: " + "; ".join(reasons)
        )

    def delete(self, key: str) -> bool:
        """Remove the profile's login from every store; return True if one held it."""
        removed = False
        for store in self._stores:
            try:
                removed = store.delete(profile_of_key(key)) or removed
            except SourceUnavailableError:
                continue
        return removed

    def _holding(self, profile: str) -> tuple[BrowserLoginHolder | None, Secret | None]:
        for store in self._stores:
            try:
                token = store.refresh_token(profile)
            except SourceUnavailableError:
                continue
            if token is not None:
                return store, token
        return None, None
