"""Every token source through a real Client against FakeWorkspace, sync and async."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from dependency_injector import providers

from brickgate.adapters.clock import SystemClock
from brickgate.adapters.credentials.browser_logins import StoredBrowserLogins
from brickgate.adapters.tokens import browser_login
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.domain.credentials import TokenSourceCredential
from brickgate.domain.errors import AuthenticationError, NoCredentialsError, UnusableProfileError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing import FakeBrowser, FakeCli, FakeWorkspace

from .conftest import LOOPBACK, Rerouted, Setup


def cli_profile(setup: Setup, workspace: FakeWorkspace, name: str = "cli") -> None:
    setup.databrickscfg(f"[{name}]\nhost = {workspace.url}\nauth_type = databricks-cli\n")


def test_a_databricks_cli_profile_works_with_client_profile(
    setup: Setup, workspace: FakeWorkspace, tmp_path: Path
) -> None:
    tool = FakeCli(tmp_path / "bin", workspace)
    setup.environ["PATH"] = str(tool.path.parent)
    cli_profile(setup, workspace)
    with setup.client(profile="cli") as client:
        assert len(client.endpoints()) > 0
        access = client.access_token()
        assert client.endpoints()
    assert (access.auth_type, access.source) == ("databricks-cli", "databricks-cli (profile cli)")
    assert access.expires_at is not None
    assert tool.token_calls() == [["auth", "token", "--profile", "cli"]]
    credential = client.resolution.credential
    assert isinstance(credential, TokenSourceCredential)
    used = [entry for entry in client.resolution.trace if entry.outcome == "used"]
    assert used[0].source == "databrickscfg"
    assert "databricks-cli" in used[0].reason


async def test_a_databricks_cli_profile_works_with_async_client_profile(
    setup: Setup, workspace: FakeWorkspace, tmp_path: Path
) -> None:
    tool = FakeCli(tmp_path / "bin", workspace)
    setup.environ["PATH"] = str(tool.path.parent)
    cli_profile(setup, workspace)
    async with setup.async_client(profile="cli") as client:
        counts = await asyncio.gather(*(client.endpoints() for _ in range(5)))
        access = await client.access_token()
    assert all(counts)
    assert access.source == "databricks-cli (profile cli)"
    assert len(tool.token_calls()) == 1


def test_databricks_auth_type_from_the_environment_with_databricks_cli_path(
    setup: Setup, workspace: FakeWorkspace, tmp_path: Path
) -> None:
    tool = FakeCli(tmp_path / "elsewhere", workspace)
    setup.environ.update(
        DATABRICKS_HOST=workspace.url,
        DATABRICKS_AUTH_TYPE="databricks-cli",
        DATABRICKS_CLI_PATH=str(tool.path),
    )
    with setup.client() as client:
        assert client.endpoints()
        assert client.access_token().source == f"databricks-cli (host {workspace.url})"
    assert tool.token_calls() == [["auth", "token", "--host", workspace.url]]


def test_an_explicit_auth_type_argument(
    setup: Setup, workspace: FakeWorkspace, tmp_path: Path
) -> None:
    tool = FakeCli(tmp_path / "bin", workspace)
    setup.environ["PATH"] = str(tool.path.parent)
    with setup.client(host=workspace.url, auth_type="databricks-cli") as client:
        assert client.endpoints()
    assert client.resolution.source == "arguments"


def test_without_the_databricks_cli_the_profile_is_skipped_with_the_reason(
    setup: Setup, workspace: FakeWorkspace
) -> None:
    cli_profile(setup, workspace)
    setup.environ.update(DATABRICKS_HOST=workspace.url, DATABRICKS_TOKEN=workspace.token)
    with setup.client() as client:
        assert client.endpoints()
    skipped = client.resolution.trace[-1]
    assert (skipped.source, skipped.outcome) == ("databrickscfg", "skipped")
    with pytest.raises(UnusableProfileError, match="DATABRICKS_CLI_PATH"):
        setup.client(profile="cli")


def test_a_failing_databricks_cli_says_what_to_run(
    setup: Setup, workspace: FakeWorkspace, tmp_path: Path
) -> None:
    tool = FakeCli(tmp_path / "bin", workspace)
    tool.fail(f"Error: cache: databricks OAuth is not configured for this host: {workspace.url}\n")
    setup.environ["PATH"] = str(tool.path.parent)
    cli_profile(setup, workspace)
    with setup.client(profile="cli") as client, pytest.raises(Exception) as caught:
        client.endpoints()
    assert "databricks auth login" in str(caught.value)


@pytest.mark.parametrize("variable", ["DATABRICKS_OIDC_TOKEN", "MY_TOKEN"])
def test_env_oidc(setup: Setup, workspace: FakeWorkspace, variable: str) -> None:
    oidc = "eyJhbGciOiJSUzI1NiJ9.workload-token-0123456789"
    workspace.federate(oidc, client_id="sp-app")
    setup.environ.update(
        DATABRICKS_HOST=workspace.url,
        DATABRICKS_AUTH_TYPE="env-oidc",
        DATABRICKS_CLIENT_ID="sp-app",
        **{variable: oidc},
    )
    if variable != "DATABRICKS_OIDC_TOKEN":
        setup.environ["DATABRICKS_OIDC_TOKEN_ENV"] = variable
    with setup.client() as client:
        assert client.endpoints()
        assert client.access_token().source.startswith("env-oidc")
    form = next(r.form for r in workspace.requests if r.path == "/oidc/v1/token")
    assert form is not None and form["subject_token"] == "****"
    assert oidc not in repr(workspace.requests)


async def test_file_oidc_async(setup: Setup, workspace: FakeWorkspace, tmp_path: Path) -> None:
    oidc = "eyJhbGciOiJSUzI1NiJ9.file-token-0123456789"
    workspace.federate(oidc)
    token_file = tmp_path / "oidc-token"
    token_file.write_text(oidc + "\n")
    setup.databrickscfg(
        f"[wl]\nhost = {workspace.url}\nauth_type = file-oidc\noidc_token_filepath = {token_file}\n"
    )
    async with setup.async_client(profile="wl") as client:
        assert await client.endpoints()
        assert (await client.access_token()).source.startswith("file-oidc")


def test_github_oidc(setup: Setup, workspace: FakeWorkspace) -> None:
    setup.environ.update(
        DATABRICKS_HOST=workspace.url,
        DATABRICKS_AUTH_TYPE="github-oidc",
        DATABRICKS_CLIENT_ID="sp-ci",
        **workspace.github_actions_environ(client_id="sp-ci"),
    )
    with setup.client() as client:
        assert client.endpoints()
    assert workspace.github.audiences == [f"{workspace.url}/oidc/v1/token"]


def test_azure_cli_for_an_azure_host(
    setup: Setup, workspace: FakeWorkspace, tmp_path: Path
) -> None:
    tool = FakeCli(tmp_path / "bin", workspace, kind="az")
    setup.environ["PATH"] = str(tool.path.parent)
    host = "adb-1234567890123456.7.azuredatabricks.net"
    http = providers.Factory(httpx.Client, transport=Rerouted(workspace))
    with setup.client(host=host, auth_type="azure-cli", http_client=http) as client:
        assert client.endpoints()
        access = client.access_token()
    assert access.source == "azure-cli"
    call = tool.token_calls()[0]
    assert call[:4] == ["account", "get-access-token", "--resource", call[3]]


def test_azure_cli_is_skipped_for_other_hosts(setup: Setup, workspace: FakeWorkspace) -> None:
    setup.environ.update(DATABRICKS_HOST=workspace.url, DATABRICKS_AUTH_TYPE="azure-cli")
    with pytest.raises(NoCredentialsError) as caught:
        setup.container().credential_chain().resolve(exhaustive=True)
    assert "environment: unavailable: DATABRICKS_AUTH_TYPE is 'azure-cli'" in str(caught.value)
    assert "is not an Azure Databricks workspace" in str(caught.value)


def log_in(setup: Setup, workspace: FakeWorkspace, follow: FakeBrowser, profile: str) -> None:
    host = WorkspaceHost.parse(workspace.url, trusted_hosts=[LOOPBACK])
    stores = [setup.keyring_store()]
    with httpx.Client() as http:
        browser_login(
            host,
            transport=HttpTransport(http, host, SystemClock()),
            clock=SystemClock(),
            store=StoredBrowserLogins(stores, host, "databricks-cli"),
            profile=profile,
            browser=follow,
            announce=lambda _: None,
        )
    follow.join()


def test_a_browser_login_is_used_by_client_profile_and_refreshed(
    setup: Setup, workspace: FakeWorkspace, follow: FakeBrowser
) -> None:
    log_in(setup, workspace, follow, "me")
    assert workspace.authorizations == 1
    assert "brickgate" in follow.pages[0].lower()
    with setup.client(profile="me") as client:
        assert client.endpoints()
        access = client.access_token()
    assert access.auth_type == "external-browser"
    assert access.source == "external-browser (profile me)"
    workspace.expire_tokens()
    with setup.client(profile="me") as again:
        assert again.endpoints()


async def test_a_dead_browser_login_says_how_to_log_in_again(
    setup: Setup, workspace: FakeWorkspace, follow: FakeBrowser
) -> None:
    log_in(setup, workspace, follow, "me")
    workspace.revoke_refresh_tokens()
    async with setup.async_client(profile="me") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.endpoints()
    assert "brickgate login --browser --profile me" in str(caught.value)
