"""Credential ports: where credentials come from, and where they can be saved."""

from __future__ import annotations

from typing import Final, Literal, Protocol, runtime_checkable

from brickgate.domain.credentials import Credential

SourceRole = Literal["explicit", "ambient", "stored"]
EXPLICIT: Final = "explicit"
AMBIENT: Final = "ambient"
STORED: Final = "stored"


@runtime_checkable
class CredentialSource(Protocol):
    """One place credentials may come from (environment, keyring, a file...).

    Contract of ``resolve(profile)``:

    - returns a ``Credential`` when this source has one for ``profile`` (``None`` = the source's
      default profile);
    - returns ``None`` when this source is simply not configured for it (nothing set, no file,
      no such profile here);
    - raises ``SourceUnavailableError`` when the source cannot work on this machine at all
      (no keyring backend...): the chain records it as skipped with that reason;
    - raises ``UnusableProfileError`` (path, section, reason) when the profile exists but cannot
      be used (host-only, an auth type brickgate does not support yet): the chain records it as
      skipped when no profile was named, and raises it when that profile was;
    - raises another ``ConfigurationError`` when it is configured but broken (corrupt file,
      half-set variables, unsupported auth type...). It never raises anything else and never
      puts a secret in an exception.

    ``name`` is short and stable (``"environment"``, ``"keyring"``) and only ever shown;
    ``describe()`` says where the source looks, for diagnostics, without secrets.

    ``role`` is how the credential chain treats the source, whatever its name:

    - ``"explicit"``: credentials the caller passed in code (``host=``/``token=``). Asked with no
      profile, and it always wins.
    - ``"ambient"``: one identity set around the process (``DATABRICKS_*`` variables). Asked
      with no profile; a profile named explicitly shadows it.
    - ``"stored"``: named profiles kept somewhere (keyring, files, memory). Asked with the
      profile; a store that lists its profiles offers them in "unknown profile" errors. A
      profile that exists but cannot be used raises ``UnusableProfileError``.
    """

    @property
    def role(self) -> SourceRole:
        """``"explicit"``, ``"ambient"`` or ``"stored"``: how the chain asks this source."""
        ...

    @property
    def name(self) -> str:
        """Short stable name shown in traces."""
        ...

    def describe(self) -> str:
        """Where this source looks (variables, file path, keyring service), without secrets."""
        ...

    def resolve(self, profile: str | None = None) -> Credential | None:
        """Return the credential for ``profile``, ``None`` if not configured here."""
        ...


@runtime_checkable
class CredentialStore(CredentialSource, Protocol):
    """A credential source that can also save and delete profiles.

    ``save`` replaces the profile and keeps every other profile intact; it raises
    ``CredentialStoreError`` when the store cannot be written. ``delete`` returns whether the
    profile existed. ``profiles()`` lists the stored profile names, sorted.
    """

    def save(self, profile: str, credential: Credential) -> None:
        """Store ``credential`` under ``profile``, replacing any previous one."""
        ...

    def delete(self, profile: str) -> bool:
        """Remove ``profile``; return True if it existed."""
        ...

    def profiles(self) -> list[str]:
        """Stored profile names, sorted."""
        ...
