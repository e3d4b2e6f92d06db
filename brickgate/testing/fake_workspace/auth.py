"""Who may call FakeWorkspace: its PAT, M2M client credentials and the OAuth tokens it issued."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from urllib.parse import parse_qs

from brickgate.testing.fake_workspace.exchange import Reply, dumps
from brickgate.testing.fake_workspace.user_grants import UserGrants


class TokenStatus(Enum):
    """The verdict on a presented credential."""

    VALID = "valid"
    MISSING = "missing"
    EXPIRED = "expired"
    INVALID = "invalid"


@dataclass(frozen=True)
class TokenGrant:
    """A successful client-credentials grant."""

    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None


@dataclass(frozen=True)
class TokenRefusal:
    """A refused token request: HTTP status and the OAuth ``error`` / ``error_description``."""

    status: int
    error: str
    description: str


class TokenBook:
    """The credentials a fake workspace accepts; thread-safe."""

    def __init__(
        self,
        token: str,
        client_id: str,
        client_secret: str,
        lifetime: float,
        now: Callable[[], float],
    ) -> None:
        self.token = token
        self.client_id = client_id
        self.client_secret = client_secret
        self.lifetime = lifetime
        self.users = UserGrants()
        self._now = now
        self._lock = threading.Lock()
        self._issued: dict[str, float] = {}
        self.issued_count = 0

    def grant(self, authorization: str | None, form_body: bytes) -> TokenGrant | TokenRefusal:
        """Answer a ``POST /oidc/v1/token``: client credentials (HTTP Basic or form), or the
        user and workload grants of ``users``."""
        form = {k: v[0] for k, v in parse_qs(form_body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            refresh, refused = self.users.redeem(form)
            if refused is not None:
                return TokenRefusal(refused.status, refused.error, refused.description)
            return self._issue(form.get("scope") or "all-apis", refresh)
        client_id, client_secret = _basic(authorization)
        if client_id is None:
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if not (
            client_id is not None
            and client_secret is not None
            and hmac.compare_digest(client_id, self.client_id)
            and hmac.compare_digest(client_secret, self.client_secret)
        ):
            return TokenRefusal(
                401, "invalid_client", "Client authentication failed: unknown client or bad secret."
            )
        return self._issue(form.get("scope") or "all-apis", None)

    def _issue(self, scope: str, refresh: str | None) -> TokenGrant:
        access = "eyJraWQiOiJmYWtld3MiLCJhbGciOiJSUzI1NiJ9." + secrets.token_hex(24)
        with self._lock:
            self._issued[access] = self._now() + self.lifetime
            self.issued_count += 1
        return TokenGrant(access, int(self.lifetime), scope, refresh)

    def check(self, authorization: str | None) -> TokenStatus:
        """Return whether this ``Authorization`` header grants access."""
        if not authorization:
            return TokenStatus.MISSING
        scheme, _, value = authorization.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            user, password = _basic(authorization)
            if user == "token" and password is not None:
                value = password
            else:
                return TokenStatus.INVALID
        elif scheme != "bearer":
            return TokenStatus.MISSING
        value = value.strip()
        if hmac.compare_digest(value, self.token):
            return TokenStatus.VALID
        with self._lock:
            expires = self._issued.get(value)
        if expires is None:
            return TokenStatus.INVALID
        return TokenStatus.VALID if self._now() < expires else TokenStatus.EXPIRED

    def expire_all(self) -> None:
        """Make every OAuth access token issued so far expired."""
        with self._lock:
            for token in self._issued:
                self._issued[token] = float("-inf")


def _basic(authorization: str | None) -> tuple[str | None, str | None]:
    if not authorization or authorization[:6].lower() != "basic ":
        return None, None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else (None, None)


def mask_authorization(value: str) -> str:
    """Return an ``Authorization`` value with the credential hidden (the scheme is kept)."""
    scheme, sep, _ = value.partition(" ")
    return f"{scheme} ****" if sep else "****"


def token_reply(book: TokenBook, authorization: str | None, body: bytes) -> Reply:
    """The answer to ``POST /oidc/v1/token``: a grant, or the OAuth error ``book`` gives."""
    outcome = book.grant(authorization, body)
    if isinstance(outcome, TokenGrant):
        grant = {
            "access_token": outcome.access_token,
            "token_type": "Bearer",
            "expires_in": outcome.expires_in,
            "scope": outcome.scope,
        }
        if outcome.refresh_token is not None:
            grant["refresh_token"] = outcome.refresh_token
        return Reply(200, dumps(grant), headers=(("cache-control", "no-store"),))
    refusal = {"error": outcome.error, "error_description": outcome.description}
    return Reply(outcome.status, dumps(refusal))


def discovery(base_url: str) -> dict[str, str]:
    """The OIDC discovery document of the workspace at ``base_url``."""
    oidc = base_url + "/oidc"
    return {
        "issuer": oidc,
        "authorization_endpoint": oidc + "/v1/authorize",
        "token_endpoint": oidc + "/v1/token",
    }
