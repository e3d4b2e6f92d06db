"""Credentials (``Secret`` lives in ``brickgate.domain.secret``) and ``host::token`` logins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from brickgate.domain.errors import InvalidCredentialError, InvalidHostError, InvalidLoginError
from brickgate.domain.hosts import WorkspaceHost, strip_pasted
from brickgate.domain.secret import MASK as MASK
from brickgate.domain.secret import Secret as Secret

LOGIN_SEPARATOR = "::"
DEFAULT_PROFILE = "DEFAULT"
_TOKEN_PREFIXES = ("dapi", "dose")


@dataclass(frozen=True, slots=True)
class PersonalAccessToken:
    """A workspace host and a personal access token (``dapi...``)."""

    host: WorkspaceHost
    token: Secret
    auth_type: Literal["pat"] = "pat"


@dataclass(frozen=True, slots=True)
class OAuthClientCredentials:
    """A service principal's OAuth client id and secret for machine-to-machine auth."""

    host: WorkspaceHost
    client_id: str
    client_secret: Secret
    scopes: str = "all-apis"
    auth_type: Literal["oauth-m2m"] = "oauth-m2m"

    def __post_init__(self) -> None:
        if not self.client_id or any(not ("!" <= c <= "~") for c in self.client_id):
            raise InvalidCredentialError(
                "the OAuth client id is empty or contains whitespace or control characters"
            )


Credential = PersonalAccessToken | OAuthClientCredentials


def parse_login(text: str, *, trusted_hosts: Iterable[str] = ()) -> PersonalAccessToken:
    """Parse ``"HOST::TOKEN"``: split at the first ``::``, trim both parts, validate both.

    The host part goes through ``WorkspaceHost.parse`` (so ``https://``, upper case, a trailing
    ``/`` are fine); the token must be one word of printable ASCII. A bracketed IPv6 host
    (``http://[::1]:8123::TOKEN``, trusted loopback only) is split after its ``]``.
    Returns a ``PersonalAccessToken``; raises ``InvalidLoginError`` with the reason. Neither the
    token nor the host part is ever echoed (the host part may be a token pasted first).
    """
    if not isinstance(text, str):
        raise InvalidLoginError(f"expected text, got {type(text).__name__}")
    separator = _separator_index(text)
    if separator == -1:
        raise InvalidLoginError("there is no '::' between the host and the token")
    host_text = strip_pasted(text[:separator])
    token_text = strip_pasted(text[separator + len(LOGIN_SEPARATOR) :])
    if not host_text:
        raise InvalidLoginError("the host part before '::' is empty")
    if not token_text:
        raise InvalidLoginError("the token part after '::' is empty")
    try:
        host = WorkspaceHost.parse(host_text, trusted_hosts=trusted_hosts)
    except InvalidHostError as error:
        if host_text.lower().startswith(_TOKEN_PREFIXES):
            raise InvalidLoginError(
                "the part before '::' looks like a token; write the host first: HOST::TOKEN"
            ) from None
        raise InvalidLoginError(f"the host part is not usable: {error.reason}") from None
    try:
        token = Secret(token_text)
    except InvalidCredentialError as error:
        raise InvalidLoginError(str(error)) from None
    return PersonalAccessToken(host=host, token=token)


def _separator_index(text: str) -> int:
    """Index of the ``::`` between host and token, skipping one inside ``[IPv6]`` brackets."""
    first = text.find(LOGIN_SEPARATOR)
    opening = text.find("[")
    if first == -1 or opening == -1 or opening > first:
        return first
    closing = text.find("]", opening)
    return first if closing == -1 else text.find(LOGIN_SEPARATOR, closing)


KNOWN_AUTH_TYPES = frozenset(
    {
        "pat",
        "basic",
        "oauth-m2m",
        "metadata-service",
        "env-oidc",
        "file-oidc",
        "github-oidc",
        "github-oidc-azure",
        "azure-client-secret",
        "azure-cli",
        "azure-msi",
        "azure-devops-oidc",
        "external-browser",
        "databricks-cli",
        "runtime",
        "runtime-oauth",
        "google-credentials",
        "google-id",
        "model-serving",
    }
)


def shown_auth_type(value: str) -> str:
    """An auth type as it may appear in a message: quoted when it is a known name, else hidden.

    An unknown value is never echoed: a secret pasted into the wrong field must not leak.
    """
    name = value.strip().lower()
    return repr(name) if name in KNOWN_AUTH_TYPES else "an unrecognised value"
