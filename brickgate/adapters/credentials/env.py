"""Credentials from DATABRICKS_* environment variables, as the Databricks SDK reads them."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from brickgate.domain.credential_fields import FieldWording, credential_from_fields
from brickgate.domain.credentials import Credential
from brickgate.domain.errors import SourceUnavailableError
from brickgate.ports.credentials import AMBIENT, SourceRole

HOST = "DATABRICKS_HOST"
TOKEN = "DATABRICKS_TOKEN"  # noqa: S105 (a variable name)
CLIENT_ID = "DATABRICKS_CLIENT_ID"
CLIENT_SECRET = "DATABRICKS_CLIENT_SECRET"  # noqa: S105 (a variable name)
AUTH_TYPE = "DATABRICKS_AUTH_TYPE"
_SETTING_VARIABLES = (
    ("account_id", "DATABRICKS_ACCOUNT_ID"),
    ("azure_tenant_id", "DATABRICKS_AZURE_TENANT_ID"),
    ("databricks_cli_path", "DATABRICKS_CLI_PATH"),
    ("oidc_token_filepath", "DATABRICKS_OIDC_TOKEN_FILEPATH"),
)
VARIABLES = (HOST, TOKEN, CLIENT_ID, CLIENT_SECRET, AUTH_TYPE)
_CREDENTIAL_VARIABLES = (HOST, TOKEN, CLIENT_ID, CLIENT_SECRET)
WORDING = FieldWording(
    source="environment",
    host=HOST,
    token=TOKEN,
    client_id=CLIENT_ID,
    client_secret=CLIENT_SECRET,
    auth_type=AUTH_TYPE,
)


class EnvironmentSource:
    """``DATABRICKS_HOST`` with ``DATABRICKS_TOKEN``, or with ``DATABRICKS_CLIENT_ID`` and
    ``DATABRICKS_CLIENT_SECRET``; ``DATABRICKS_AUTH_TYPE`` (``pat`` or ``oauth-m2m``) picks one
    when both are set, and ``DATABRICKS_AUTH_TYPE`` names a token source (``databricks-cli``,
    ``external-browser``, ``azure-cli``, ``env-oidc``, ``file-oidc``, ``github-oidc``) with
    ``DATABRICKS_HOST`` (and ``DATABRICKS_CLIENT_ID`` for a federation policy). A missing
    ``databricks`` or ``az`` makes the source unavailable (skipped with the reason).

    The environment holds a single identity, so ``resolve`` ignores ``profile``. ``environ``
    defaults to ``os.environ``, read at each call. Empty variables count as unset, and values
    are trimmed of surrounding whitespace. Its role is ambient: a profile named explicitly
    shadows it.
    """

    name = "environment"
    role: SourceRole = AMBIENT

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
        a method brickgate does not support or whose tool is missing here, and
        ``CredentialSourceError`` for an unusable host, token or client id. Values never appear
        in a message.
        """
        values = self._values()
        if not any(name in values for name in _CREDENTIAL_VARIABLES):
            return None
        credential = credential_from_fields(
            wording=WORDING,
            settings={key: values.get(name) for key, name in _SETTING_VARIABLES},
            host=values.get(HOST),
            token=values.get(TOKEN),
            client_id=values.get(CLIENT_ID),
            client_secret=values.get(CLIENT_SECRET),
            auth_type=values.get(AUTH_TYPE),
            trusted_hosts=self._trusted_hosts,
        )
        environ = os.environ if self._environ is None else self._environ
        from brickgate.adapters.credentials.token_tools import missing_tool

        missing = missing_tool(credential, environ)
        if missing is not None:
            raise SourceUnavailableError(
                self.name, f"{AUTH_TYPE} is {credential.auth_type!r}, but {missing}"
            )
        return credential

    def _values(self) -> dict[str, str]:
        environ = os.environ if self._environ is None else self._environ
        values = {}
        for name in (*VARIABLES, *(variable for _, variable in _SETTING_VARIABLES)):
            value = environ.get(name, "").strip()
            if value:
                values[name] = value
        return values

    def _seen(self) -> list[str]:
        return list(self._values())
