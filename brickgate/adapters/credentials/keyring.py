"""Credentials in the OS keyring (macOS Keychain, Windows Credential Locker, Secret Service)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from brickgate.adapters.credentials._records import (
    Storable,
    check_profile_name,
    credential_from_record,
    credential_to_record,
    refresh_token_of,
)
from brickgate.domain.credentials import DEFAULT_PROFILE, Credential, Secret
from brickgate.domain.errors import (
    CredentialSourceError,
    CredentialStoreError,
    SourceUnavailableError,
)
from brickgate.ports.credentials import STORED, SourceRole

if TYPE_CHECKING:
    import keyring.backend

INDEX_ENTRY = "__brickgate_profiles__"
_UNAVAILABLE_HINT = (
    "install a keyring backend (on Linux e.g. gnome-keyring or KWallet with the 'secretstorage' "
    "package, or 'pip install keyrings.alt'), or keep credentials in a file instead with "
    "`brickgate login --store file`"
)


class KeyringStore:
    """One keyring entry per profile under ``service`` (JSON: host and token or client id/secret).

    A further entry, ``__brickgate_profiles__``, lists the profile names so ``profiles()`` works
    on backends that cannot enumerate. ``backend`` defaults to whatever ``keyring`` selects for
    this machine. When no usable backend exists (keyring's ``fail``/``null`` backends, or its
    errors) every method raises ``SourceUnavailableError`` saying what to install; a write
    refused by the backend raises ``CredentialStoreError``; a corrupt entry raises
    ``CredentialSourceError`` naming the profile. ``resolve(None)`` reads ``DEFAULT``.
    """

    name = "keyring"
    role: SourceRole = STORED

    def __init__(
        self,
        *,
        service: str = "brickgate",
        backend: keyring.backend.KeyringBackend | None = None,
        trusted_hosts: Sequence[str] = (),
    ) -> None:
        self._service = service
        self._backend = backend
        self._trusted_hosts = tuple(trusted_hosts)

    def __repr__(self) -> str:
        return f"KeyringStore(service={self._service!r})"

    def describe(self) -> str:
        """Where this store looks: the keyring service and, when known, the backend."""
        backend = f", backend {type(self._backend).__name__}" if self._backend else ""
        return f"OS keyring, service {self._service!r}{backend}"

    def resolve(self, profile: str | None = None) -> Credential | None:
        """Return the credential of ``profile`` (default ``DEFAULT``), ``None`` if absent."""
        wanted = profile or DEFAULT_PROFILE
        if wanted == INDEX_ENTRY:
            return None
        value = self._get(wanted)
        if value is None:
            return None
        where = f"keyring entry {wanted!r} (service {self._service!r})"
        try:
            record = json.loads(value)
        except ValueError:
            raise CredentialSourceError(
                self.name,
                f"{where} is not usable: it is not brickgate JSON. "
                f"Replace it with: brickgate login --store keyring --profile {wanted}",
            ) from None
        return credential_from_record(
            record,
            source=self.name,
            where=where,
            profile=wanted,
            trusted_hosts=self._trusted_hosts,
        )

    def refresh_token(self, profile: str) -> Secret | None:
        """The refresh token of the browser login stored as ``profile``, if it is one."""
        value = self._get(profile) if profile != INDEX_ENTRY else None
        if value is None:
            return None
        try:
            return refresh_token_of(json.loads(value))
        except ValueError:
            return None

    def profiles(self) -> list[str]:
        """Stored profile names, sorted (from the index entry)."""
        return sorted(self._index())

    def save(self, profile: str, credential: Storable) -> None:
        """Store ``credential`` under ``profile`` and add it to the index."""
        check_profile_name(self.name, profile)
        if profile == INDEX_ENTRY:
            raise CredentialStoreError(self.name, f"{INDEX_ENTRY!r} is reserved; pick another name")
        index = self._index()
        self._set(profile, json.dumps(credential_to_record(credential), sort_keys=True))
        if profile not in index:
            self._set(INDEX_ENTRY, json.dumps(sorted({*index, profile})))

    def delete(self, profile: str) -> bool:
        """Remove ``profile`` and its index line; return True if it existed."""
        if profile == INDEX_ENTRY:
            return False
        index = self._index()
        existed = self._get(profile) is not None
        if existed:
            self._delete(profile)
        if profile in index:
            self._set(INDEX_ENTRY, json.dumps(sorted(set(index) - {profile})))
        return existed

    def _index(self) -> list[str]:
        value = self._get(INDEX_ENTRY)
        if value is None:
            return []
        try:
            names = json.loads(value)
        except ValueError:
            names = None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise CredentialSourceError(
                self.name,
                f"the keyring entry {INDEX_ENTRY!r} (service {self._service!r}) that lists "
                "brickgate's profiles is corrupt; it was left untouched. Delete it with "
                f"`keyring del {self._service} {INDEX_ENTRY}` and save your profiles again",
            )
        return names

    def _usable_backend(self) -> keyring.backend.KeyringBackend:
        try:
            import keyring
            import keyring.backends.fail
            import keyring.backends.null

            backend = self._backend if self._backend is not None else keyring.get_keyring()
        except Exception as error:
            self._unavailable(f"the keyring could not start ({type(error).__name__}: {error})")
        if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
            self._unavailable(f"no usable keyring backend on this machine ({backend.name})")
        return backend

    def _get(self, username: str) -> str | None:
        backend = self._usable_backend()
        try:
            return backend.get_password(self._service, username)
        except Exception as error:
            self._unavailable(self._failure("read", username, error))

    def _set(self, username: str, value: str) -> None:
        backend = self._usable_backend()
        try:
            backend.set_password(self._service, username, value)
        except Exception as error:
            self._write_failed(username, error)

    def _delete(self, username: str) -> None:
        backend = self._usable_backend()
        try:
            backend.delete_password(self._service, username)
        except Exception as error:
            self._write_failed(username, error)

    def _failure(self, action: str, username: str, error: Exception) -> str:
        return (
            f"the keyring failed to {action} entry {username!r} of service {self._service!r} "
            f"({type(error).__name__}); unlock the keyring and try again"
        )

    def _write_failed(self, username: str, error: Exception) -> NoReturn:
        import keyring.errors

        if isinstance(error, keyring.errors.NoKeyringError | keyring.errors.InitError):
            self._unavailable(f"no usable keyring backend on this machine ({error})")
        raise CredentialStoreError(self.name, self._failure("write", username, error)) from None

    def _unavailable(self, reason: str) -> NoReturn:
        raise SourceUnavailableError(self.name, f"{reason}; {_UNAVAILABLE_HINT}") from None
