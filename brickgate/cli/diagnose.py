"""Why no credentials could be used: every source asked on its own, and what it said."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from brickgate.domain.credentials import Credential
from brickgate.domain.errors import (
    ConfigurationError,
    CredentialSourceError,
    SourceUnavailableError,
    UnusableProfileError,
)
from brickgate.domain.resolution import Resolution
from brickgate.ports.credentials import AMBIENT, EXPLICIT, CredentialSource
from brickgate.services.credential_chain import CredentialChain


@dataclass(frozen=True)
class SourceReport:
    """One row of the credentials table: a source, what happened there, why, and where."""

    source: str
    outcome: str
    reason: str
    where: str = ""

    def as_dict(self) -> dict[str, str]:
        """The row as JSON-ready text."""
        return {
            "source": self.source,
            "outcome": self.outcome,
            "reason": self.reason,
            "where": self.where,
        }


@dataclass(frozen=True)
class Diagnosis:
    """The rows, the credential the chain would use (if any), and the profiles stores know."""

    rows: tuple[SourceReport, ...]
    credential: Credential | None
    source: str | None
    known_profiles: tuple[str, ...]


def from_resolution(resolution: Resolution, known: Sequence[str] = ()) -> Diagnosis:
    """The library's own trace of a resolution that succeeded."""
    rows = tuple(
        SourceReport(entry.source, entry.outcome, entry.reason, entry.where)
        for entry in resolution.trace
    )
    return Diagnosis(rows, resolution.credential, resolution.source, tuple(known))


def diagnose(chain: CredentialChain, profile: str | None) -> Diagnosis:
    """Ask every source of ``chain`` for ``profile``; never raises a ``ConfigurationError``.

    Used when ``chain.resolve`` failed: each source's own error (unusable profile, corrupt
    file, untrusted host...) becomes the reason of its row.
    """
    rows: list[SourceReport] = []
    used: tuple[str, Credential] | None = None
    for source in chain.sources:
        row, credential = _ask(source, profile, used)
        if source.role == EXPLICIT and credential is None and row.outcome == "skipped":
            continue
        rows.append(row)
        if credential is not None and used is None:
            used = (source.name, credential)
    return Diagnosis(
        tuple(rows),
        used[1] if used else None,
        used[0] if used else None,
        tuple(known_profiles(chain)),
    )


def known_profiles(chain: CredentialChain) -> list[str]:
    """Every profile name a store of ``chain`` lists (stores that cannot be read are left out)."""
    known: set[str] = set()
    for source in chain.sources:
        lister = getattr(source, "profiles", None)
        if source.role in (EXPLICIT, AMBIENT) or not callable(lister):
            continue
        try:
            known.update(str(name) for name in lister())
        except ConfigurationError:
            continue
    return sorted(known)


def _where(source: CredentialSource) -> str:
    try:
        return source.describe()
    except ConfigurationError as error:
        return f"(cannot describe: {reason_of(error)})"


def reason_of(error: ConfigurationError) -> str:
    """The part of ``error`` that says why (without the source's name repeated)."""
    if isinstance(error, UnusableProfileError):
        return f"profile {error.section!r} cannot be used: {error.reason}"
    if isinstance(error, CredentialSourceError):
        return error.reason
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip())


def _ask(
    source: CredentialSource, profile: str | None, used: tuple[str, Credential] | None
) -> tuple[SourceReport, Credential | None]:
    name, where = source.name, _where(source)
    asked = None if source.role in (EXPLICIT, AMBIENT) else profile
    try:
        credential = source.resolve(asked)
    except SourceUnavailableError as error:
        return SourceReport(name, "skipped", f"unavailable: {error.reason}", where), None
    except ConfigurationError as error:
        return SourceReport(name, "unusable", reason_of(error), where), None
    if credential is None:
        wanted = f"profile {asked!r}" if asked is not None else "credentials"
        return SourceReport(name, "skipped", f"not configured: no {wanted} here", where), None
    if source.role == AMBIENT and profile is not None:
        reason = f"shadowed: a profile ({profile!r}) was named, which beats environment variables"
        return SourceReport(name, "shadowed", reason, where), None
    if used is not None:
        return SourceReport(name, "shadowed", f"shadowed by {used[0]}", where), credential
    return SourceReport(name, "usable", f"credentials for {credential.host.url}", where), credential
