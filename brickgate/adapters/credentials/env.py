"""Credentials from DATABRICKS_* environment variables, as the Databricks SDK reads them."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from brickgate.domain.credentials import (
    Credential,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
    shown_auth_type,
)
from brickgate.domain.errors import (
    AmbiguousCredentialsError,
    CredentialSourceError,
    InvalidCredentialError,
    InvalidHostError,
    SourceUnavailableError,
)
from brickgate.domain.hosts import WorkspaceHost

HOST = "DATABRICKS_HOST"
TOKEN = "DATABRICKS_TOKEN"  # noqa: S105 (a variable name)
CLIENT_ID = "DATABRICKS_CLIENT_ID"
CLIENT_SECRET = "DATABRICKS_CLIENT_SECRET"  # noqa: S105 (a variable name)
AUTH_TYPE = "DATABRICKS_AUTH_TYPE"
VARIABLES = (HOST, TOKEN, CLIENT_ID, CLIENT_SECRET, AUTH_TYPE)
SUPPORTED_AUTH_TYPES = ("pat", "oauth-m2m")
_CREDENTIAL_VARIABLES = (HOST, TOKEN, CLIENT_ID, CLIENT_SECRET)


class EnvironmentSource:
    """``DATABRICKS_HOST`` with ``DATABRICKS_TOKEN``, or with ``DATABRICKS_CLIENT_ID`` and
    ``DATABRICKS_CLIENT_SECRET``; ``DATABRICKS_AUTH_TYPE`` (``pat`` or ``oauth-m2m``) picks one
    when both are set.

    The environment holds a single identity, so ``resolve`` ignores ``profile``. ``environ``
    defaults to ``os.environ``, read at each call. Empty variables count as unset, and values
    are trimmed of surrounding whitespace.
    """

    name = "environment"

    def __init__(
        self, environ: Mapping[str, str] | None = None, *, trusted_hosts: Sequence[str] = ()
    ) -> None:
        self._environ = environ
        self._trusted_hosts = tuple(trusted_hosts)

    def __repr__(self) -> str:
        return f"EnvironmentSource(seen={self._seen()!r})"

    def describe(self) -> str:
        """The variables this source reads, and which of them are set (names only)."""
        seen = self._seen()
        found = f"set: {', '.join(seen)}" if seen else "none set"
        return f"environment variables {', '.join(VARIABLES)} ({found})"

    def resolve(self, profile: str | None = None) -> Credential | None:
        """Return the credential the variables describe, ``None`` when none is set.

        Raises ``CredentialSourceError`` naming the missing variable(s) when they are half set,
        ``AmbiguousCredentialsError`` when a token and client credentials are both set with no
        ``DATABRICKS_AUTH_TYPE``, ``SourceUnavailableError`` when ``DATABRICKS_AUTH_TYPE`` names
        a method brickgate does not support, and ``CredentialSourceError`` for an unusable host,
        token or client id. Values never appear in a message.
        """
        values = self._values()
        if not any(name in values for name in _CREDENTIAL_VARIABLES):
            return None
        auth_type = self._auth_type(values)
        host = self._host(values)
        if auth_type == "pat":
            return self._personal_access_token(host, values)
        return self._client_credentials(host, values)

    def _values(self) -> dict[str, str]:
        environ = os.environ if self._environ is None else self._environ
        values = {}
        for name in VARIABLES:
            value = environ.get(name, "").strip()
            if value:
                values[name] = value
        return values

    def _seen(self) -> list[str]:
        return list(self._values())

    def _auth_type(self, values: Mapping[str, str]) -> str:
        pinned = values.get(AUTH_TYPE)
        if pinned is not None:
            if pinned.lower() not in SUPPORTED_AUTH_TYPES:
                shown = shown_auth_type(pinned)
                raise SourceUnavailableError(
                    self.name,
                    f"{AUTH_TYPE} is {shown}, which brickgate does not support yet "
                    f"(supported: {', '.join(SUPPORTED_AUTH_TYPES)}); set it to one of those "
                    "or unset it",
                )
            return pinned.lower()
        has_token = TOKEN in values
        has_client = CLIENT_ID in values or CLIENT_SECRET in values
        if has_token and has_client:
            raise AmbiguousCredentialsError(
                f"{self.name}: both {TOKEN} and {CLIENT_ID}/{CLIENT_SECRET} are set; set "
                f"{AUTH_TYPE}=pat or {AUTH_TYPE}=oauth-m2m to choose, or unset one of them"
            )
        if has_client:
            return "oauth-m2m"
        if not has_token:
            raise CredentialSourceError(
                self.name,
                f"{HOST} is set but no credential is: set {TOKEN}, or {CLIENT_ID} and "
                f"{CLIENT_SECRET}",
            )
        return "pat"

    def _host(self, values: Mapping[str, str]) -> WorkspaceHost:
        text = values.get(HOST)
        if text is None:
            present = [name for name in (TOKEN, CLIENT_ID, CLIENT_SECRET) if name in values]
            raise CredentialSourceError(
                self.name,
                f"{' and '.join(present)} {'is' if len(present) == 1 else 'are'} set but "
                f"{HOST} is not; set it to your workspace host (e.g. "
                "adb-1234567890123456.7.azuredatabricks.net)",
            )
        try:
            return WorkspaceHost.parse(text, trusted_hosts=self._trusted_hosts)
        except InvalidHostError as error:
            raise CredentialSourceError(self.name, f"{HOST} is not usable: {error}") from None

    def _personal_access_token(
        self, host: WorkspaceHost, values: Mapping[str, str]
    ) -> PersonalAccessToken:
        self._require(values, TOKEN)
        try:
            return PersonalAccessToken(host=host, token=Secret(values[TOKEN]))
        except InvalidCredentialError as error:
            raise CredentialSourceError(self.name, f"{TOKEN} is not usable: {error}") from None

    def _client_credentials(
        self, host: WorkspaceHost, values: Mapping[str, str]
    ) -> OAuthClientCredentials:
        self._require(values, CLIENT_ID, CLIENT_SECRET)
        try:
            secret = Secret(values[CLIENT_SECRET], what="client secret")
            return OAuthClientCredentials(
                host=host, client_id=values[CLIENT_ID], client_secret=secret
            )
        except InvalidCredentialError as error:
            raise CredentialSourceError(
                self.name, f"{CLIENT_ID}/{CLIENT_SECRET} are not usable: {error}"
            ) from None

    def _require(self, values: Mapping[str, str], *names: str) -> None:
        missing = [name for name in names if name not in values]
        if missing:
            pinned = f" ({AUTH_TYPE} is {values[AUTH_TYPE]!r})" if AUTH_TYPE in values else ""
            raise CredentialSourceError(
                self.name,
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set"
                f"{pinned}; set {'it' if len(missing) == 1 else 'them'}",
            )
