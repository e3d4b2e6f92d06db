"""OAuth grants for user and workload logins: authorization code, refresh token, token exchange."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from brickgate.domain.calls import FORM_TYPE, Answer, Call, WireRequest
from brickgate.domain.calls.answers import api_error
from brickgate.domain.calls.oauth import TOKEN_PATH, TOKEN_TIMEOUT, IssuedToken, issued_token
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import ApiError, AuthenticationError
from brickgate.domain.hosts import WorkspaceHost

__all__ = [
    "JWT_TOKEN_TYPE",
    "TOKEN_EXCHANGE_GRANT",
    "authorization_code_call",
    "refresh_token_call",
    "token_exchange_call",
]

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt"  # noqa: S105


def authorization_code_call(
    host: WorkspaceHost, *, client_id: str, code: Secret, verifier: Secret, redirect_uri: str
) -> Call[IssuedToken]:
    """``grant_type=authorization_code`` with the PKCE verifier (client id in the form, no secret).

    A refusal raises ``AuthenticationError`` saying to run the browser login again.
    """
    form = {
        "grant_type": "authorization_code",
        "code": code.get_secret_value(),
        "code_verifier": verifier.get_secret_value(),
        "redirect_uri": redirect_uri,
        "client_id": client_id,
    }
    advice = "Run the browser login again: brickgate login --browser"
    return _grant("the OAuth authorization-code exchange", form, f"{host.url}", advice)


def refresh_token_call(
    host: WorkspaceHost, *, client_id: str, refresh_token: Secret, login_command: str
) -> Call[IssuedToken]:
    """``grant_type=refresh_token``; a dead refresh token (``invalid_grant``) raises an
    ``AuthenticationError`` saying to run ``login_command``."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token.get_secret_value(),
        "client_id": client_id,
    }
    advice = f"The login has expired or was revoked; log in again: {login_command}"
    return _grant("the OAuth refresh-token request", form, host.url, advice)


def token_exchange_call(
    host: WorkspaceHost,
    *,
    subject_token: Secret,
    client_id: str | None = None,
    scopes: str = "all-apis",
    source: str = "the OIDC token",
) -> Call[IssuedToken]:
    """RFC 8693 token exchange of a workload's OIDC token (``client_id`` for a service-principal
    federation policy; omitted for an account-wide policy).

    A refusal raises ``AuthenticationError`` naming ``source`` and what to check.
    """
    form = {
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": subject_token.get_secret_value(),
        "subject_token_type": JWT_TOKEN_TYPE,
        "scope": scopes,
    }
    if client_id:
        form["client_id"] = client_id
    who = f" for client id {client_id!r}" if client_id else ""
    advice = (
        f"Check that a federation policy{who} accepts {source} (issuer, subject and audience) "
        "and that the token has not expired"
    )
    return _grant("the OAuth token exchange", form, host.url, advice)


def _grant(name: str, form: dict[str, str], where: str, advice: str) -> Call[IssuedToken]:
    return Call(
        name,
        WireRequest("POST", TOKEN_PATH, urlencode(form).encode(), FORM_TYPE, timeout=TOKEN_TIMEOUT),
        issued_token,
        _refusal(name, where, advice),
        max_retries=0,
    )


def _refusal(name: str, where: str, advice: str) -> Callable[[Answer], ApiError]:
    def refusal(answer: Answer) -> ApiError:
        mapped = api_error(answer)
        if answer.status >= 500 or answer.status == 429:
            return mapped
        return AuthenticationError(
            f"{where} refused {name}: {mapped.message}. {advice}",
            status=answer.status,
            error_code=mapped.error_code,
            request_id=mapped.request_id,
        )

    return refusal
