"""The explicit source: the credential passed in code (``host=``/``token=``...), if any."""

from __future__ import annotations

from brickgate.domain.credentials import Credential
from brickgate.ports.credentials import EXPLICIT, SourceRole

ARGUMENTS = "arguments"


class ExplicitSource:
    """Holds the credential the caller passed explicitly, or nothing.

    Its role is explicit: the chain asks it first, with no profile, and what it holds wins over
    every other source. ``resolve`` returns that credential whatever the profile.
    """

    role: SourceRole = EXPLICIT

    def __init__(self, credential: Credential | None = None, *, name: str = ARGUMENTS) -> None:
        self._credential = credential
        self._name = name

    @property
    def name(self) -> str:
        """Short stable name shown in traces (``"arguments"``)."""
        return self._name

    def __repr__(self) -> str:
        held = "a credential" if self._credential is not None else "nothing"
        return f"ExplicitSource({self._name!r}, holding {held})"

    def describe(self) -> str:
        """Where this source looks: the arguments passed in code."""
        return "host=, token=, client_id=, client_secret= passed in code"

    def resolve(self, profile: str | None = None) -> Credential | None:
        """Return the credential passed explicitly, ``None`` when none was."""
        return self._credential
