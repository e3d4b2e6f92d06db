"""The Databricks CLI and Azure CLI sources against fake executables (real subprocesses)."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from brickgate.adapters.tokens import (
    AsyncAzureCliSource,
    AsyncDatabricksCliSource,
    AzureCliSource,
    DatabricksCliSource,
)
from brickgate.domain.errors import (
    AuthenticationError,
    CredentialSourceError,
    SourceUnavailableError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.testing import FakeCli, FakeClock, FakeWorkspace

HOST = WorkspaceHost.parse("adb-1.2.azuredatabricks.net")
AWS = WorkspaceHost.parse("dbc-1.cloud.databricks.com")
HOUR = 3600.0
AZ_APP = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"
NEPAL = "NPT-5:45"  # a POSIX TZ: the fake tools print their local times at UTC+05:45
SLACK = 60.0  # the fake tools time their tokens by the real clock, read a moment later


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock starting now: FakeCli prints expiry times computed from the real clock."""
    return FakeClock(start=time.time())


@pytest.fixture
def cli(tmp_path: Path, workspace: FakeWorkspace) -> FakeCli:
    return FakeCli(tmp_path / "bin", workspace)


def env(tool: FakeCli, **extra: str) -> dict[str, str]:
    """The tool's environment, in a time zone far from UTC (offsets must be parsed)."""
    return tool.environ(TZ=NEPAL, **extra)


def test_runs_auth_token_with_the_profile_and_parses_the_expiry(
    cli: FakeCli, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=env(cli), profile="prod")
    assert workspace.accepts(source.token().get_secret_value())
    assert cli.calls == [["auth", "token", "--profile", "prod"]]
    assert source.expires_at == pytest.approx(clock.time() + HOUR, abs=SLACK)
    assert source.describe() == "databricks-cli (profile prod)"


def test_without_a_profile_the_cli_is_asked_by_host(cli: FakeCli, clock: FakeClock) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=env(cli))
    source.token()
    assert cli.calls == [["auth", "token", "--host", HOST.url]]


def test_databricks_cli_path_is_honoured(
    cli: FakeCli, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    environ = env(cli, DATABRICKS_CLI_PATH=str(cli.path))
    environ["PATH"] = "/nonexistent"
    source = DatabricksCliSource(HOST, clock=clock, environ=environ, profile="p")
    assert workspace.accepts(source.token().get_secret_value())


def test_a_missing_cli_is_a_skipped_source(tmp_path: Path, clock: FakeClock) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ={"PATH": str(tmp_path)})
    with pytest.raises(SourceUnavailableError) as caught:
        source.token()
    assert "skipped: databricks CLI not found" in str(caught.value)
    configured = DatabricksCliSource(
        HOST, clock=clock, environ={"DATABRICKS_CLI_PATH": str(tmp_path / "nope")}
    )
    with pytest.raises(SourceUnavailableError, match="databricks CLI not found"):
        configured.token()


def test_the_cli_is_run_again_ahead_of_expiry(
    cli: FakeCli, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=env(cli), profile="p")
    first = source.token()
    clock.advance(HOUR - 400)
    assert source.token() == first
    workspace.token_lifetime = 2 * HOUR
    clock.advance(200)
    second = source.token()
    assert second != first and workspace.accepts(second.get_secret_value())
    assert len(cli.calls) == 2


def test_invalidate_forces_one_refresh_and_probes_the_version_once(
    cli: FakeCli, clock: FakeClock
) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=env(cli), profile="p")
    for _ in range(2):
        source.invalidate(source.token())
    source.token()
    assert cli.calls == [
        ["auth", "token", "--profile", "p"],
        ["version", "--output", "json"],
        ["auth", "token", "--profile", "p", "--force-refresh"],
        ["auth", "token", "--profile", "p", "--force-refresh"],
    ]


def test_an_old_cli_gets_no_force_refresh(
    tmp_path: Path, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    old = FakeCli(tmp_path / "old", workspace, version="0.250.0")
    source = DatabricksCliSource(HOST, clock=clock, environ=env(old), profile="p")
    source.invalidate(source.token())
    source.token()
    assert old.calls[-2:] == [["version", "--output", "json"], ["auth", "token", "--profile", "p"]]


def test_not_configured_says_to_log_in(cli: FakeCli, clock: FakeClock) -> None:
    cli.fail("Error: cache: databricks OAuth is not configured for this host\n")
    source = DatabricksCliSource(HOST, clock=clock, environ=env(cli))
    with pytest.raises(CredentialSourceError, match=f"databricks auth login --host {HOST.url}"):
        source.token()


def test_dead_refresh_token_is_an_authentication_error(cli: FakeCli, clock: FakeClock) -> None:
    cli.fail(
        "Error: refresh token is invalid. To reauthenticate, run "
        "`databricks auth login --profile prod`\n",
    )
    source = DatabricksCliSource(HOST, clock=clock, environ=env(cli), profile="prod")
    with pytest.raises(AuthenticationError, match="databricks auth login --profile prod"):
        source.token()


def test_a_hanging_cli_is_stopped(cli: FakeCli, clock: FakeClock) -> None:
    cli.misbehave("hang")
    source = DatabricksCliSource(HOST, clock=clock, environ=env(cli), timeout=0.5)
    with pytest.raises(CredentialSourceError, match=r"did not finish within 0\.5 s"):
        source.token()


def test_a_flooding_cli_is_refused(cli: FakeCli, clock: FakeClock) -> None:
    cli.misbehave("flood")
    source = DatabricksCliSource(HOST, clock=clock, environ=env(cli))
    with pytest.raises(CredentialSourceError, match="wrote more than"):
        source.token()


async def test_async_cli_source(cli: FakeCli, workspace: FakeWorkspace, clock: FakeClock) -> None:
    source = AsyncDatabricksCliSource(HOST, clock=clock, environ=env(cli), profile="p")
    first = await source.token()
    assert workspace.accepts(first.get_secret_value())
    assert await source.token() == first
    source.invalidate(first)
    fresh = await source.token()
    assert fresh != first and workspace.accepts(fresh.get_secret_value())
    assert cli.calls == [
        ["auth", "token", "--profile", "p"],
        ["version", "--output", "json"],
        ["auth", "token", "--profile", "p", "--force-refresh"],
    ]


@pytest.fixture
def az(tmp_path: Path, workspace: FakeWorkspace) -> FakeCli:
    return FakeCli(tmp_path / "azbin", workspace, kind="az")


def test_azure_cli_asks_for_the_databricks_resource(
    az: FakeCli, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    source = AzureCliSource(HOST, clock=clock, environ=env(az), tenant="t1")
    first = source.token()
    assert workspace.accepts(first.get_secret_value())
    assert az.calls == [
        ["account", "get-access-token", "--resource", AZ_APP, "--output", "json", "--tenant", "t1"]
    ]
    assert source.expires_at == pytest.approx(clock.time() + HOUR, abs=SLACK)
    workspace.token_lifetime = 2 * HOUR
    clock.advance(HOUR - 299)
    second = source.token()
    assert second != first and workspace.accepts(second.get_secret_value())
    assert len(az.calls) == 2


async def test_async_azure_cli_not_logged_in(az: FakeCli, clock: FakeClock) -> None:
    az.fail("ERROR: Please run 'az login' to setup account.\n")
    source = AsyncAzureCliSource(HOST, clock=clock, environ=env(az))
    with pytest.raises(CredentialSourceError, match="run: az login"):
        await source.token()


def test_azure_cli_only_for_azure_hosts_and_when_installed(
    tmp_path: Path, clock: FakeClock
) -> None:
    with pytest.raises(SourceUnavailableError, match="not an Azure Databricks workspace"):
        AzureCliSource(AWS, clock=clock, environ={})
    source = AzureCliSource(HOST, clock=clock, environ={"PATH": str(tmp_path)})
    with pytest.raises(SourceUnavailableError, match=r"skipped: Azure CLI \(az\) not found"):
        source.token()


def test_sixteen_threads_run_the_cli_once(
    cli: FakeCli, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=env(cli), profile="p")
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(source.token().get_secret_value()))
        for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 16 and len(set(results)) == 1
    assert workspace.accepts(results[0])
    assert len(cli.calls) == 1


def test_cli_tokens_never_reach_logs_errors_or_reprs(
    cli: FakeCli, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=env(cli), profile="p")
    with caplog.at_level(logging.DEBUG):
        token = source.token().get_secret_value()
        cli.fail(f"Error: unexpected answer {token}\n")
        source.invalidate(source.token())
        with pytest.raises(CredentialSourceError) as caught:
            source.token()
    assert token not in caplog.text + repr(source) + str(caught.value)


def test_a_profile_cli_path_beats_the_variable(
    cli: FakeCli, workspace: FakeWorkspace, clock: FakeClock
) -> None:
    environ = env(cli, DATABRICKS_CLI_PATH="/nonexistent/databricks", PATH="/nonexistent")
    source = DatabricksCliSource(HOST, clock=clock, environ=environ, cli_path=str(cli.path))
    assert workspace.accepts(source.token().get_secret_value())
