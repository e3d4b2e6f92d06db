# Generated from adapters/tokens/_async/static.py by tools/unasync.py: do not edit.
"""A token that never changes: a personal access token."""

from __future__ import annotations

from brickgate.domain.credentials import Secret

__all__ = ["StaticTokenSource"]


class StaticTokenSource:
    """Serves one fixed token (a PAT); ``refreshable`` is False, ``invalidate`` does nothing."""

    __slots__ = ("_label", "_secret")

    def __init__(self, secret: Secret, *, label: str = "pat") -> None:
        self._secret = secret
        self._label = label

    @property
    def refreshable(self) -> bool:
        """Always False: asking again gives the same token."""
        return False

    def token(self) -> Secret:
        """Return the token."""
        return self._secret

    def invalidate(self, stale: Secret) -> None:
        """Do nothing: a static token cannot be refreshed."""

    def describe(self) -> str:
        """``pat`` (or the label given)."""
        return self._label

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._label!r})"
