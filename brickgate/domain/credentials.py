"""Credentials, ``host::token`` logins, and the one rule set turning raw fields into one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from brickgate.domain.auth_types import shown_auth_type
from brickgate.domain.errors import (
    InvalidCredentialError,
    InvalidHostError,
    InvalidLoginError,
)
from brickgate.domain.hosts import WorkspaceHost, strip_pasted
from brickgate.domain.secret import MASK as MASK
from brickgate.domain.secret import Secret as Secret

LOGIN_SEPARATOR = "::"
DEFAULT_PROFILE = "DEFAULT"
DEFAULT_SCOPES = "all-apis"
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
    scopes: str = DEFAULT_SCOPES
    auth_type: Literal["oauth-m2m"] = "oauth-m2m"

    def __post_init__(self) -> None:
        if not self.client_id or any(not ("!" <= c <= "~") for c in self.client_id):
            raise InvalidCredentialError(
                "the OAuth client id is empty or contains whitespace or control characters"
            )


TOKEN_SOURCE_AUTH_TYPES = (
    "azure-cli",
    "databricks-cli",
    "env-oidc",
    "external-browser",
    "file-oidc",
    "github-oidc",
)
"""Auth types whose tokens come from a token source (a tool, a browser login, a workload)."""
TOKEN_SOURCE_SETTINGS = (
    "account_id",
    "audience",
    "azure_subscription_id",
    "azure_tenant_id",
    "client_id",
    "databricks_cli_path",
    "oidc_token_filepath",
    "profile",
    "scopes",
)
"""The non-secret settings a ``TokenSourceCredential`` may carry (the token factory's arguments)."""


@dataclass(frozen=True, slots=True)
class TokenSourceCredential:
    """A workspace host and an auth type whose tokens a token source obtains when needed.

    ``auth_type`` is one of ``TOKEN_SOURCE_AUTH_TYPES``; ``settings`` holds only non-secret
    fields, named as in ``TOKEN_SOURCE_SETTINGS`` (``profile`` is the Databricks CLI profile
    or the brickgate profile of a browser login). It never holds a secret.
    """

    host: WorkspaceHost
    auth_type: str
    settings: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.settings) - set(TOKEN_SOURCE_SETTINGS))
        if self.auth_type not in TOKEN_SOURCE_AUTH_TYPES or unknown:
            raise InvalidCredentialError(
                f"not a token-source credential: auth type {shown_auth_type(self.auth_type)}"
                + (f", unknown settings {', '.join(unknown)}" if unknown else "")
            )
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    def setting(self, name: str) -> str | None:
        """The setting ``name``, ``None`` when not set."""
        return self.settings.get(name)

    def describe(self) -> str:
        """``databricks-cli for https://host (profile P)``: never a secret."""
        shown = ", ".join(f"{key} {value}" for key, value in sorted(self.settings.items()))
        return f"{self.auth_type} for {self.host.url}" + (f" ({shown})" if shown else "")


Credential = PersonalAccessToken | OAuthClientCredentials | TokenSourceCredential


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
