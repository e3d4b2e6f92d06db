"""GitHub Actions' ID-token endpoint, as FakeWorkspace serves it for ``github-oidc`` tests."""

from __future__ import annotations

import hmac
import secrets
import threading

__all__ = ["GITHUB_TOKEN_PATH", "FakeGitHubActions"]

GITHUB_TOKEN_PATH = "/_fake/github-actions/idtoken"  # noqa: S105 (a path)


class FakeGitHubActions:
    """Hands out one OIDC ID token to callers presenting ``request_token`` (as a Bearer token).

    ``audiences`` records the ``audience`` of every request answered. Thread-safe.
    """

    def __init__(self) -> None:
        self.request_token = "ghs_fake" + secrets.token_hex(16)
        self.id_token = "eyJhbGciOiJSUzI1NiJ9.github-" + secrets.token_urlsafe(24)
        self.audiences: list[str] = []
        self._lock = threading.Lock()

    def answer(self, authorization: str | None, audience: str | None) -> str | None:
        """The ID token for a well-authorized request, ``None`` otherwise."""
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value, self.request_token):
            return None
        with self._lock:
            self.audiences.append(audience or "")
        return self.id_token

    def __repr__(self) -> str:
        return f"FakeGitHubActions(audiences={self.audiences!r})"
