"""FakeWorkspace's user and workload logins: authorize + PKCE, refresh tokens, token exchange."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from brickgate.testing.fake_workspace.exchange import Incoming, Reply, dumps
from brickgate.testing.fake_workspace.github import FakeGitHubActions

__all__ = [
    "AUTHORIZATION_CODE",
    "REFRESH_TOKEN",
    "TOKEN_EXCHANGE",
    "Refused",
    "UserGrants",
    "authorize_reply",
    "github_reply",
]

AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"  # noqa: S105 (a grant type)
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 (a grant type)
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
_SECRET_FIELDS = ("code", "code_verifier", "refresh_token", "subject_token")


@dataclass(frozen=True)
class Refused:
    """A refused request: HTTP status and the OAuth ``error`` / ``error_description``."""

    status: int
    error: str
    description: str


@dataclass(frozen=True)
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str


class UserGrants:
    """What the fake authorization server remembers; thread-safe.

    ``authorize`` approves at once (no login page) and redirects to the loopback
    ``redirect_uri`` with a one-time code bound to the client, the redirect and the PKCE S256
    challenge. ``redeem`` answers the ``authorization_code`` (verifier checked),
    ``refresh_token`` (rotated on every use) and token-exchange grants: it returns whether to
    issue an access token and the new refresh token, or a ``Refused``. Workload OIDC tokens
    are accepted once registered by ``federate``; refresh tokens die with ``revoke``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, str] = {}
        self._subjects: dict[str, str | None] = {}
        self._seen: list[str] = []
        self.authorizations = 0

    def secrets_seen(self) -> list[str]:
        """Every code, verifier, refresh token and workload token it issued or received (for
        leak tests: none of them may appear in a log, repr, error or recording)."""
        with self._lock:
            return [value for value in self._seen if value]

    def authorize(self, query: Mapping[str, str]) -> tuple[str | None, Refused | None]:
        """The redirect ``Location`` for an authorize request, or why it is refused."""
        redirect = query.get("redirect_uri", "")
        parts = urlsplit(redirect)
        if parts.scheme != "http" or parts.hostname not in _LOOPBACK_HOSTS:
            return None, Refused(400, "invalid_request", "redirect_uri must be a loopback URL")
        problems = [
            query.get("response_type") != "code" and "response_type must be code",
            not query.get("client_id") and "client_id is missing",
            query.get("code_challenge_method") != "S256" and "code_challenge_method must be S256",
            not query.get("code_challenge") and "code_challenge is missing",
            not query.get("state") and "state is missing",
        ]
        problem = next((text for text in problems if text), None)
        if problem:
            return None, Refused(400, "invalid_request", problem)
        code = "fakecode-" + secrets.token_urlsafe(18)
        with self._lock:
            self._seen.append(code)
            self._codes[code] = _Code(query["client_id"], redirect, query["code_challenge"])
            self.authorizations += 1
        answer = urlencode({"code": code, "state": query["state"]})
        return f"{redirect}{'&' if parts.query else '?'}{answer}", None

    def redeem(self, form: Mapping[str, str]) -> tuple[str | None, Refused | None]:
        """Check one grant: ``(new refresh token or None, None)`` to issue, else ``(None, why)``."""
        grant = form.get("grant_type")
        with self._lock:
            self._seen += [form.get(name, "") for name in _SECRET_FIELDS]
            if grant == AUTHORIZATION_CODE:
                return self._code(form)
            if grant == REFRESH_TOKEN:
                return self._rotate(form)
            return None, self._exchange(form)

    def federate(self, oidc_token: str, client_id: str | None = None) -> None:
        """Accept ``oidc_token`` in a token exchange (with ``client_id`` when one is required)."""
        with self._lock:
            self._subjects[oidc_token] = client_id

    def revoke(self) -> int:
        """Revoke every refresh token issued so far; return how many there were."""
        with self._lock:
            count = len(self._refresh)
            self._refresh.clear()
            return count

    def _code(self, form: Mapping[str, str]) -> tuple[str | None, Refused | None]:
        code = self._codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if (
            code is None
            or code.client_id != form.get("client_id")
            or code.redirect_uri != form.get("redirect_uri")
            or not hmac.compare_digest(challenge.decode().rstrip("="), code.challenge)
        ):
            return None, _invalid_grant("Authorization code or PKCE verifier is invalid.")
        return self._new_refresh(code.client_id), None

    def _rotate(self, form: Mapping[str, str]) -> tuple[str | None, Refused | None]:
        client_id = self._refresh.pop(form.get("refresh_token", ""), None)
        if client_id is None or client_id != form.get("client_id"):
            return None, _invalid_grant("Refresh token is invalid")
        return self._new_refresh(client_id), None

    def _exchange(self, form: Mapping[str, str]) -> Refused | None:
        if form.get("grant_type") != TOKEN_EXCHANGE:
            return Refused(
                400, "unsupported_grant_type", f"grant_type {form.get('grant_type')!r} is unknown"
            )
        subject = form.get("subject_token", "")
        if subject not in self._subjects:
            return _invalid_grant("The subject token is not accepted by any federation policy.")
        wanted = self._subjects[subject]
        if wanted is not None and wanted != form.get("client_id"):
            return _invalid_grant("The federation policy of this service principal refused it.")
        return None

    def _new_refresh(self, client_id: str) -> str:
        token = "doau-fake-" + secrets.token_urlsafe(24)
        self._refresh[token] = client_id
        self._seen.append(token)
        return token


def _invalid_grant(description: str) -> Refused:
    return Refused(400, "invalid_grant", description)


def authorize_reply(grants: UserGrants, query_text: str) -> Reply:
    """``GET /oidc/v1/authorize``: a 302 to the redirect with a code, or a JSON refusal."""
    query = {key: values[0] for key, values in parse_qs(query_text).items()}
    location, refused = grants.authorize(query)
    if refused is not None or location is None:
        why = refused or Refused(400, "invalid_request", "refused")
        return Reply(why.status, dumps({"error": why.error, "error_description": why.description}))
    return Reply(302, b"", content_type="text/plain", headers=(("location", location),))


def github_reply(github: FakeGitHubActions, req: Incoming) -> Reply:
    """GitHub's ID-token answer ``{"value": ...}``, or 401 for a wrong request token."""
    query = {key: values[0] for key, values in parse_qs(req.query).items()}
    token = github.answer(req.headers.get("authorization"), query.get("audience"))
    if token is None:
        return Reply(401, dumps({"message": "Bad credentials"}))
    return Reply(200, dumps({"value": token}))
