"""Token lifetimes: RFC 3339 expiry parsing, the refresh-ahead policy, PKCE, the authorize URL."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from brickgate.domain.credentials import Secret
from brickgate.domain.hosts import WorkspaceHost

__all__ = [
    "AUTHORIZE_PATH",
    "BROWSER_CLIENT_ID",
    "BROWSER_SCOPES",
    "AccessToken",
    "Pkce",
    "RefreshPolicy",
    "TimedToken",
    "authorize_url",
    "new_pkce",
    "new_state",
    "parse_expiry",
    "pkce_challenge",
]

AUTHORIZE_PATH = "/oidc/v1/authorize"
BROWSER_CLIENT_ID = "databricks-cli"
BROWSER_SCOPES = "all-apis offline_access"

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?"
)


def parse_expiry(text: str) -> float:
    """Seconds since the epoch for an RFC 3339 timestamp (as Go's ``time.RFC3339Nano`` prints).

    Accepts ``T`` or a space between date and time, up to nine fractional digits (kept to the
    microsecond), and ``Z`` or a ``±HH:MM`` offset. A timestamp without an offset is local time
    (``az`` prints ``expiresOn`` so). Raises ``ValueError`` for anything else.
    """
    match = _RFC3339.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError("not an RFC 3339 timestamp")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, zulu, sign, offset_hours, offset_minutes = match.groups()[6:]
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    tz: timezone | None = None
    if zulu:
        tz = timezone.utc
    elif sign:
        hours, minutes = int(offset_hours), int(offset_minutes)
        if hours > 23 or minutes > 59:
            raise ValueError("the UTC offset is out of range")
        delta = timedelta(hours=hours, minutes=minutes)
        tz = timezone(delta if sign == "+" else -delta)
    moment = datetime(year, month, day, hour, minute, second, micros, tzinfo=tz)
    return moment.timestamp()


@dataclass(frozen=True, slots=True)
class TimedToken:
    """An access token, the epoch second it expires at, and when it was obtained."""

    token: Secret
    expires_at: float
    obtained_at: float

    @property
    def lifetime(self) -> float:
        """Seconds it was valid for when obtained (never negative)."""
        return max(self.expires_at - self.obtained_at, 0.0)


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A bearer token handed out for other tools: the token, its auth type, the source that
    obtained it (``describe()``) and when it expires (epoch seconds; ``None``: never, a PAT)."""

    token: Secret
    auth_type: str
    source: str
    expires_at: float | None = None

    def expires_in(self, now: float) -> float | None:
        """Seconds left at ``now`` (never negative), ``None`` for a token that does not expire."""
        return None if self.expires_at is None else max(self.expires_at - now, 0.0)


@dataclass(frozen=True, slots=True)
class RefreshPolicy:
    """When a cached token is refreshed: brickgate's one policy for every token source.

    A token is *fresh* until ``min(lifetime / 2, ahead)`` seconds before it expires (5 min for
    the usual 1-hour token): until then it is served from the cache. After that it is *stale*:
    the next caller refreshes it (one flight); if that refresh fails while the token is still
    *usable* (more than ``floor`` seconds left: Azure Databricks rejects tokens expiring within
    30 s), the old token is served and no refresh is tried again for ``backoff`` seconds. A
    token within ``floor`` of expiry is never served: its refresh must succeed or raise.
    """

    ahead: float = 300.0
    floor: float = 40.0
    backoff: float = 60.0

    def stale_at(self, token: TimedToken) -> float:
        """The epoch second from which ``token`` should be refreshed."""
        return token.expires_at - min(token.lifetime / 2, self.ahead)

    def fresh(self, token: TimedToken, now: float) -> bool:
        """Whether ``token`` can be served without trying a refresh."""
        return now < self.stale_at(token)

    def usable(self, token: TimedToken, now: float) -> bool:
        """Whether ``token`` may still be sent (more than ``floor`` seconds left)."""
        return now < token.expires_at - self.floor


def new_state() -> str:
    """A fresh random OAuth ``state`` (16 bytes, base64url)."""
    return secrets.token_urlsafe(16)


def pkce_challenge(verifier: str) -> str:
    """The S256 PKCE challenge of ``verifier``: base64url(SHA-256), without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True, slots=True)
class Pkce:
    """A PKCE verifier (kept as a ``Secret``) and its S256 challenge."""

    verifier: Secret
    challenge: str


def new_pkce() -> Pkce:
    """A fresh PKCE pair: a 64-byte random verifier (86 base64url characters) and its challenge."""
    verifier = secrets.token_urlsafe(64)
    return Pkce(Secret(verifier, what="PKCE verifier"), pkce_challenge(verifier))


def authorize_url(
    host: WorkspaceHost,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: str,
    state: str,
    challenge: str,
) -> str:
    """The ``/oidc/v1/authorize`` URL a person opens to approve a browser login (PKCE S256)."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scopes,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{host.url}{AUTHORIZE_PATH}?{query}"
