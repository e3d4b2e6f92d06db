"""The factory: one table from auth type to token source, sync and async."""

from __future__ import annotations

import pytest

from brickgate.adapters.tokens import (
    SUPPORTED_AUTH_TYPES,
    AsyncClientCredentialsSource,
    AsyncStaticTokenSource,
    AzureCliSource,
    BrowserSource,
    ClientCredentialsSource,
    DatabricksCliSource,
    MemoryRefreshTokenStore,
    OidcSource,
    StaticTokenSource,
    async_token_source_for,
    token_source_for,
)
from brickgate.adapters.transport._async.http import AsyncHttpTransport
from brickgate.domain.credentials import Secret
from brickgate.domain.errors import CredentialSourceError, SourceUnavailableError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing import FakeClock, FakeTransport, FakeWorkspace

AZURE = WorkspaceHost.parse("adb-1.2.azuredatabricks.net")
AWS = WorkspaceHost.parse("dbc-1.cloud.databricks.com")
PAT = "dapi0123456789abcdef0123456789ab"


def make(auth_type: str, host: WorkspaceHost = AZURE, **fields: object) -> object:
    return token_source_for(
        auth_type,
        host=host,
        transport=FakeTransport(),
        clock=FakeClock(),
        environ={},
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("auth_type", "fields", "kind", "described"),
    [
        ("pat", {"token": Secret(PAT)}, StaticTokenSource, "pat"),
        (
            "oauth-m2m",
            {"client_id": "sp", "client_secret": Secret("dose-x")},
            ClientCredentialsSource,
            "oauth-m2m (client id sp)",
        ),
        (
            "databricks-cli",
            {"profile": "prod"},
            DatabricksCliSource,
            "databricks-cli (profile prod)",
        ),
        (
            "external-browser",
            {"refresh_store": MemoryRefreshTokenStore(), "profile": "dev"},
            BrowserSource,
            "external-browser (profile dev)",
        ),
        ("env-oidc", {}, OidcSource, "env-oidc"),
        ("file-oidc", {"client_id": "sp"}, OidcSource, "file-oidc (client id sp)"),
        ("github-oidc", {}, OidcSource, "github-oidc"),
        ("azure-cli", {"azure_tenant_id": "t"}, AzureCliSource, "azure-cli (tenant t)"),
    ],
)
def test_each_auth_type_gets_its_source(
    auth_type: str, fields: dict[str, object], kind: type, described: str
) -> None:
    source = make(auth_type, AZURE, **fields)
    assert isinstance(source, kind)
    assert source.describe() == described  # type: ignore[attr-defined]
    assert source.refreshable == (auth_type != "pat")  # type: ignore[attr-defined]
    assert PAT not in repr(source)


def test_every_supported_type_is_in_the_table() -> None:
    assert set(SUPPORTED_AUTH_TYPES) == {
        "pat",
        "oauth-m2m",
        "databricks-cli",
        "external-browser",
        "env-oidc",
        "file-oidc",
        "github-oidc",
        "azure-cli",
    }


@pytest.mark.parametrize(
    ("auth_type", "missing"),
    [("pat", "token"), ("oauth-m2m", "client id"), ("external-browser", "refresh-token store")],
)
def test_missing_fields_are_named(auth_type: str, missing: str) -> None:
    with pytest.raises(CredentialSourceError, match=missing):
        make(auth_type)


def test_an_unsupported_type_is_not_echoed() -> None:
    with pytest.raises(CredentialSourceError) as caught:
        make(PAT)
    assert PAT not in str(caught.value)
    assert "databricks-cli" in str(caught.value)
    with pytest.raises(CredentialSourceError, match="'azure-msi' is not supported"):
        make("azure-msi")


def test_azure_cli_on_a_non_azure_host_is_skipped() -> None:
    with pytest.raises(SourceUnavailableError):
        make("azure-cli", host=AWS)


async def test_async_factory(
    workspace: FakeWorkspace,
    host: WorkspaceHost,
    async_transport: AsyncHttpTransport,
    clock: FakeClock,
) -> None:
    m2m = async_token_source_for(
        "OAuth-M2M ",
        host=host,
        transport=async_transport,
        clock=clock,
        client_id=workspace.client_id,
        client_secret=Secret(workspace.client_secret),
    )
    assert isinstance(m2m, AsyncClientCredentialsSource)
    assert workspace.accepts((await m2m.token()).get_secret_value())
    assert workspace.tokens_issued == 1
    pat = async_token_source_for(
        "pat", host=AWS, transport=async_transport, clock=clock, token=Secret(PAT)
    )
    assert isinstance(pat, AsyncStaticTokenSource)
    assert await pat.token() == Secret(PAT)
