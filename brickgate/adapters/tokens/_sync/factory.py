# Generated from adapters/tokens/_async/factory.py by tools/unasync.py: do not edit.
"""Choosing a token source by auth type: the one table the credential chain wires."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from brickgate.adapters.tokens._sync.static import StaticTokenSource
from brickgate.domain.auth_types import shown_auth_type
from brickgate.domain.credentials import (
    Credential,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
    TokenSourceCredential,
)
from brickgate.domain.errors import CredentialSourceError
from brickgate.domain.hosts import WorkspaceHost

if TYPE_CHECKING:
    from brickgate.domain.tokens import RefreshPolicy
    from brickgate.ports._sync.tokens import TokenSource
    from brickgate.ports._sync.workspace import WorkspaceTransport
    from brickgate.ports.clock import Clock
    from brickgate.ports.refresh_tokens import RefreshTokenStore

AUDIENCE_VARIABLE = "DATABRICKS_TOKEN_AUDIENCE"
SUPPORTED_AUTH_TYPES = (
    "azure-cli",
    "databricks-cli",
    "env-oidc",
    "external-browser",
    "file-oidc",
    "github-oidc",
    "oauth-m2m",
    "pat",
)

__all__ = ["SUPPORTED_AUTH_TYPES", "token_source_for", "token_source_of"]


def token_source_for(
    auth_type: str,
    *,
    host: WorkspaceHost,
    transport: WorkspaceTransport,
    clock: Clock,
    environ: Mapping[str, str] | None = None,
    token: Secret | None = None,
    client_id: str | None = None,
    client_secret: Secret | None = None,
    scopes: str | None = None,
    profile: str | None = None,
    databricks_cli_path: str | None = None,
    azure_tenant_id: str | None = None,
    azure_subscription_id: str | None = None,
    audience: str | None = None,
    account_id: str | None = None,
    oidc_token_filepath: str | None = None,
    refresh_store: RefreshTokenStore | None = None,
    policy: RefreshPolicy | None = None,
) -> TokenSource:
    """The token source for ``auth_type`` (one of ``SUPPORTED_AUTH_TYPES``) at ``host``.

    ``transport`` is an *unauthenticated* transport to ``host`` (token requests carry their
    own credentials); ``environ`` defaults to ``os.environ`` (variables of the OIDC sources,
    ``DATABRICKS_CLI_PATH``, ``PATH``). What each type needs:

    - ``pat``: ``token``. ``oauth-m2m``: ``client_id``, ``client_secret`` (``scopes``).
    - ``databricks-cli``: ``profile`` (else the CLI is asked by ``--host``),
      ``databricks_cli_path`` (else ``$DATABRICKS_CLI_PATH``, else ``databricks`` on ``PATH``).
    - ``external-browser``: ``refresh_store`` (where ``brickgate login --browser`` keeps the
      refresh token), ``profile``, ``client_id`` (default ``databricks-cli``).
    - ``env-oidc`` / ``file-oidc`` (``oidc_token_filepath`` or the variables) / ``github-oidc``
      (``audience``, else ``$DATABRICKS_TOKEN_AUDIENCE``, else ``account_id``, else the token
      endpoint URL): ``client_id`` for a service-principal federation policy.
    - ``azure-cli``: an Azure Databricks host; ``azure_tenant_id``, ``azure_subscription_id``.

    Raises ``CredentialSourceError`` (source = the auth type, never a secret in its reason)
    for an unsupported type or a missing field, ``SourceUnavailableError`` for ``azure-cli``
    on a non-Azure host. Sources themselves report a missing tool or token on first use.
    """
    kind = auth_type.strip().lower()
    env = os.environ if environ is None else environ

    def need(value: object, field: str) -> None:
        if not value:
            raise CredentialSourceError(kind, f"the {field} is missing; it is required for {kind}")

    if kind == "pat":
        need(token, "token")
        assert token is not None
        return StaticTokenSource(token)
    if kind == "oauth-m2m":
        need(client_id, "client id")
        need(client_secret, "client secret")
        assert client_id is not None and client_secret is not None
        credentials = OAuthClientCredentials(host, client_id, client_secret, scopes or "all-apis")
        from brickgate.adapters.tokens._sync.m2m import ClientCredentialsSource

        return ClientCredentialsSource(credentials, transport, clock, policy)
    if kind == "databricks-cli":
        from brickgate.adapters.tokens._sync.cli import DatabricksCliSource

        return DatabricksCliSource(
            host,
            clock=clock,
            environ=env,
            profile=profile,
            cli_path=databricks_cli_path,
            policy=policy,
        )
    if kind == "external-browser":
        need(refresh_store, "refresh-token store")
        assert refresh_store is not None
        from brickgate.adapters.tokens._sync.browser import BrowserSource
        from brickgate.domain.tokens import BROWSER_CLIENT_ID

        return BrowserSource(
            host,
            transport=transport,
            clock=clock,
            store=refresh_store,
            profile=profile,
            client_id=client_id or BROWSER_CLIENT_ID,
            policy=policy,
        )
    if kind in ("env-oidc", "file-oidc", "github-oidc"):
        from brickgate.adapters.tokens._sync.oidc import OidcSource
        from brickgate.adapters.tokens.id_tokens import env_id_token, file_id_token, github_id_token
        from brickgate.domain.calls.oauth import TOKEN_PATH

        if kind == "env-oidc":
            supplier = env_id_token(env)
        elif kind == "file-oidc":
            supplier = file_id_token(env, oidc_token_filepath)
        else:
            wanted = (
                audience
                or env.get(AUDIENCE_VARIABLE, "").strip()
                or account_id
                or host.url + "/" + "/".join(TOKEN_PATH)
            )
            supplier = github_id_token(env, wanted)
        return OidcSource(
            host,
            supplier,
            transport,
            clock,
            name=kind,
            client_id=client_id,
            scopes=scopes or "all-apis",
            policy=policy,
        )
    if kind == "azure-cli":
        from brickgate.adapters.tokens._sync.azure import AzureCliSource

        return AzureCliSource(
            host,
            clock=clock,
            environ=env,
            tenant=azure_tenant_id,
            subscription=azure_subscription_id,
            policy=policy,
        )
    raise CredentialSourceError(
        "token sources",
        f"the auth type {shown_auth_type(auth_type)} is not supported; brickgate supports "
        + ", ".join(SUPPORTED_AUTH_TYPES),
    )


def token_source_of(
    credential: Credential,
    *,
    transport: WorkspaceTransport,
    clock: Clock,
    environ: Mapping[str, str] | None = None,
    refresh_store: RefreshTokenStore | None = None,
    policy: RefreshPolicy | None = None,
) -> TokenSource:
    """The token source for a resolved ``credential``: every auth type through one factory.

    A ``PersonalAccessToken`` gives the ``pat`` source, ``OAuthClientCredentials`` the
    ``oauth-m2m`` one, a ``TokenSourceCredential`` the source of its auth type with its
    settings as arguments (``refresh_store`` for ``external-browser``). Raises as
    ``token_source_for`` does.
    """
    host = credential.host
    if isinstance(credential, PersonalAccessToken):
        return token_source_for(
            "pat", host=host, transport=transport, clock=clock, token=credential.token
        )
    if isinstance(credential, OAuthClientCredentials):
        return token_source_for(
            "oauth-m2m",
            host=host,
            transport=transport,
            clock=clock,
            client_id=credential.client_id,
            client_secret=credential.client_secret,
            scopes=credential.scopes,
            policy=policy,
        )
    return _from_settings(credential, transport, clock, environ, refresh_store, policy)


def _from_settings(
    credential: TokenSourceCredential,
    transport: WorkspaceTransport,
    clock: Clock,
    environ: Mapping[str, str] | None,
    refresh_store: RefreshTokenStore | None,
    policy: RefreshPolicy | None,
) -> TokenSource:
    setting = credential.setting
    return token_source_for(
        credential.auth_type,
        host=credential.host,
        transport=transport,
        clock=clock,
        environ=environ,
        client_id=setting("client_id"),
        scopes=setting("scopes"),
        profile=setting("profile"),
        databricks_cli_path=setting("databricks_cli_path"),
        azure_tenant_id=setting("azure_tenant_id"),
        azure_subscription_id=setting("azure_subscription_id"),
        audience=setting("audience"),
        account_id=setting("account_id"),
        oidc_token_filepath=setting("oidc_token_filepath"),
        refresh_store=refresh_store,
        policy=policy,
    )
