"""The outcome of a credential resolution: the credential and a trace of every source consulted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from brickgate.domain.credentials import (
    Credential,
    OAuthClientCredentials,
    TokenSourceCredential,
)

Outcome = Literal["used", "skipped", "shadowed"]


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """What one credential source contributed.

    ``source`` is the source's short name, ``outcome`` is ``"used"``, ``"skipped"`` or
    ``"shadowed"``, ``reason`` is text for a person, ``where`` is where the source looks.
    None of them ever holds a secret.
    """

    source: str
    outcome: Outcome
    reason: str
    where: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    """The credential the chain picked and one ``TraceEntry`` per source, in chain order."""

    credential: Credential
    trace: tuple[TraceEntry, ...]
    profile: str | None = None

    @property
    def source(self) -> str:
        """Name of the source whose credential was used."""
        for entry in self.trace:
            if entry.outcome == "used":
                return entry.source
        return "unknown"

    def explain(self) -> str:
        """A multi-line, secret-free account of the resolution, for ``brickgate auth status``."""
        profile = self.profile if self.profile is not None else "(default)"
        lines = [
            f"Credentials: {describe_credential(self.credential)}",
            f"Source: {self.source}",
            f"Profile: {profile}",
            "Sources, in the order they were checked:",
        ]
        width = max((len(entry.source) for entry in self.trace), default=0)
        for entry in self.trace:
            lines.append(f"  {entry.source:<{width}}  {entry.outcome:<8}  {entry.reason}")
            if entry.where and entry.outcome != "used":
                lines.append(f"  {'':<{width}}  {'':<8}  looked at: {entry.where}")
        return "\n".join(lines)


def describe_credential(credential: Credential) -> str:
    """One line naming the auth method and host of ``credential``, never its secret."""
    if isinstance(credential, OAuthClientCredentials):
        return (
            f"OAuth machine-to-machine (client id {credential.client_id}) for {credential.host.url}"
        )
    if isinstance(credential, TokenSourceCredential):
        return credential.describe()
    return f"personal access token {credential.token} for {credential.host.url}"
