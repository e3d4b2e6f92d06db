"""OAuth token calls at the workspace token endpoint: client credentials (M2M) and the answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from brickgate.domain.calls import FORM_TYPE, Answer, BasicAuth, Call, WireRequest
from brickgate.domain.calls.answers import api_error
from brickgate.domain.credentials import OAuthClientCredentials, Secret
from brickgate.domain.errors import ApiError, AuthenticationError, InvalidCredentialError

TOKEN_PATH = ("oidc", "v1", "token")
DEFAULT_LIFETIME = 3600.0
TOKEN_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An access token, its lifetime in seconds from issue, and the refresh token if one came."""

    token: Secret
    expires_in: float
    refresh_token: Secret | None = None


def client_credentials_call(credentials: OAuthClientCredentials) -> Call[IssuedToken]:
    """``POST /oidc/v1/token`` with ``grant_type=client_credentials`` and HTTP Basic client auth.

    Its answer raises ``AuthenticationError`` with the server's reason when the endpoint refuses
    the client (the mapped 429/5xx error when it is busy), and when it answers without a token.
    """
    form = urlencode({"grant_type": "client_credentials", "scope": credentials.scopes})
    who = f"client id {credentials.client_id!r} at {credentials.host.url}"

    def refusal(answer: Answer) -> ApiError:
        mapped = api_error(answer)
        if answer.status >= 500 or answer.status == 429:
            return mapped
        return AuthenticationError(
            f"the OAuth token endpoint refused the client credentials of {who}: "
            f"{mapped.message}. Check the client id and secret (and that the service principal "
            "has access to this workspace)",
            status=answer.status,
            error_code=mapped.error_code,
            request_id=mapped.request_id,
        )

    return Call(
        "the OAuth token request",
        WireRequest(
            "POST",
            TOKEN_PATH,
            form.encode(),
            FORM_TYPE,
            timeout=TOKEN_TIMEOUT,
            auth=BasicAuth(credentials.client_id, credentials.client_secret),
        ),
        issued_token,
        refusal,
        max_retries=0,
        operation="oauth-token",
    )


def issued_token(answer: Answer) -> IssuedToken:
    """The token in an OAuth token endpoint's 2xx answer.

    Raises ``AuthenticationError`` when there is no usable ``access_token``.
    """
    data = _json_object(answer.body)
    raw = data.get("access_token") if data else None
    if not isinstance(raw, str) or not raw:
        raise AuthenticationError(
            "the OAuth token endpoint answered without an access_token; check that the host "
            "is the workspace the service principal belongs to",
            status=answer.status,
        )
    try:
        token = Secret(raw, what="OAuth access token")
    except InvalidCredentialError as exc:
        raise AuthenticationError(str(exc), status=answer.status) from None
    lifetime = data.get("expires_in") if data else None
    if isinstance(lifetime, str) and lifetime.isdigit():
        lifetime = int(lifetime)
    seconds = float(lifetime) if isinstance(lifetime, (int, float)) else DEFAULT_LIFETIME
    refresh = data.get("refresh_token") if data else None
    try:
        kept = (
            Secret(refresh, what="refresh token") if isinstance(refresh, str) and refresh else None
        )
    except InvalidCredentialError:
        kept = None
    return IssuedToken(token, max(seconds, 0.0), kept)


def _json_object(body: bytes) -> dict[str, object] | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
