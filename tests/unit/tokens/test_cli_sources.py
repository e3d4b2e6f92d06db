"""The Databricks CLI and Azure CLI sources against fake executables (real subprocesses)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
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

from .fakes import FakeClock, FakeTool

HOST = WorkspaceHost.parse("adb-1.2.azuredatabricks.net")
AWS = WorkspaceHost.parse("dbc-1.cloud.databricks.com")
HOUR = 3600.0
AZ_APP = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"


def rfc3339(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, timezone(timedelta(hours=2)))
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".000000001+02:00"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_790_000_000.0)


@pytest.fixture
def cli(tmp_path: Path, clock: FakeClock) -> FakeTool:
    tool = FakeTool(tmp_path / "bin", "databricks")
    tool.set(output=cli_output(clock.time() + HOUR))
    return tool


def cli_output(expires_at: float) -> dict[str, str]:
    return {"access_token": "eyJcli-{n}", "token_type": "Bearer", "expiry": rfc3339(expires_at)}


def test_runs_auth_token_with_the_profile_and_parses_the_expiry(
    cli: FakeTool, clock: FakeClock
) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ(), profile="prod")
    assert source.token().get_secret_value() == "eyJcli-1"
    assert cli.calls == [["auth", "token", "--profile", "prod"]]
    assert source.expires_at == pytest.approx(clock.time() + HOUR)
    assert source.describe() == "databricks-cli (profile prod)"


def test_without_a_profile_the_cli_is_asked_by_host(cli: FakeTool, clock: FakeClock) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ())
    source.token()
    assert cli.calls == [["auth", "token", "--host", HOST.url]]


def test_databricks_cli_path_is_honoured(cli: FakeTool, clock: FakeClock) -> None:
    environ = cli.environ(DATABRICKS_CLI_PATH=str(cli.path))
    environ["PATH"] = "/nonexistent"
    source = DatabricksCliSource(HOST, clock=clock, environ=environ, profile="p")
    assert source.token().get_secret_value() == "eyJcli-1"


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


def test_the_cli_is_run_again_ahead_of_expiry(cli: FakeTool, clock: FakeClock) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ(), profile="p")
    source.token()
    clock.advance(HOUR - 400)
    assert source.token().get_secret_value() == "eyJcli-1"
    cli.set(output=cli_output(clock.time() + 2 * HOUR))
    clock.advance(200)
    assert source.token().get_secret_value() == "eyJcli-2"
    assert len(cli.calls) == 2


def test_invalidate_forces_one_refresh_and_probes_the_version_once(
    cli: FakeTool, clock: FakeClock
) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ(), profile="p")
    for _ in range(2):
        source.invalidate(source.token())
    source.token()
    assert cli.calls == [
        ["auth", "token", "--profile", "p"],
        ["version", "--output", "json"],
        ["auth", "token", "--profile", "p", "--force-refresh"],
        ["auth", "token", "--profile", "p", "--force-refresh"],
    ]


def test_an_old_cli_gets_no_force_refresh(cli: FakeTool, clock: FakeClock) -> None:
    cli.set(version="0.250.0")
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ(), profile="p")
    source.invalidate(source.token())
    source.token()
    assert cli.calls[-1] == ["auth", "token", "--profile", "p"]


def test_not_configured_says_to_log_in(cli: FakeTool, clock: FakeClock) -> None:
    cli.set(mode="fail", stderr="Error: cache: databricks OAuth is not configured for this host\n")
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ())
    with pytest.raises(CredentialSourceError, match=f"databricks auth login --host {HOST.url}"):
        source.token()


def test_dead_refresh_token_is_an_authentication_error(cli: FakeTool, clock: FakeClock) -> None:
    cli.set(
        mode="fail",
        stderr="Error: refresh token is invalid. To reauthenticate, run "
        "`databricks auth login --profile prod`\n",
    )
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ(), profile="prod")
    with pytest.raises(AuthenticationError, match="databricks auth login --profile prod"):
        source.token()


def test_a_hanging_cli_is_stopped(cli: FakeTool, clock: FakeClock) -> None:
    cli.set(mode="sleep")
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ(), timeout=0.5)
    with pytest.raises(CredentialSourceError, match=r"did not finish within 0\.5 s"):
        source.token()


def test_a_flooding_cli_is_refused(cli: FakeTool, clock: FakeClock) -> None:
    cli.set(mode="flood")
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ())
    with pytest.raises(CredentialSourceError, match="wrote more than"):
        source.token()


async def test_async_cli_source(cli: FakeTool, clock: FakeClock) -> None:
    source = AsyncDatabricksCliSource(HOST, clock=clock, environ=cli.environ(), profile="p")
    first = await source.token()
    assert first.get_secret_value() == "eyJcli-1"
    assert await source.token() == first
    source.invalidate(first)
    assert (await source.token()).get_secret_value() == "eyJcli-3"
    assert cli.calls[-1][-1] == "--force-refresh"


@pytest.fixture
def az(tmp_path: Path, clock: FakeClock) -> FakeTool:
    tool = FakeTool(tmp_path / "azbin", "az")
    tool.set(
        output={
            "accessToken": "eyJaz-{n}",
            "expiresOn": "2000-01-01 00:00:00.000000",
            "expires_on": int(clock.time() + HOUR),
            "tenant": "t1",
            "tokenType": "Bearer",
        }
    )
    return tool


def test_azure_cli_asks_for_the_databricks_resource(az: FakeTool, clock: FakeClock) -> None:
    source = AzureCliSource(HOST, clock=clock, environ=az.environ(), tenant="t1")
    assert source.token().get_secret_value() == "eyJaz-1"
    assert az.calls == [
        ["account", "get-access-token", "--resource", AZ_APP, "--output", "json", "--tenant", "t1"]
    ]
    assert source.expires_at == int(clock.time() + HOUR)
    clock.advance(HOUR - 299)
    assert source.token().get_secret_value() == "eyJaz-2"


async def test_async_azure_cli_not_logged_in(az: FakeTool, clock: FakeClock) -> None:
    az.set(mode="fail", stderr="ERROR: Please run 'az login' to setup account.\n")
    source = AsyncAzureCliSource(HOST, clock=clock, environ=az.environ())
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


def test_sixteen_threads_run_the_cli_once(cli: FakeTool, clock: FakeClock) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ(), profile="p")
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(source.token().get_secret_value()))
        for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == ["eyJcli-1"] * 16
    assert len(cli.calls) == 1


def test_cli_tokens_never_reach_logs_errors_or_reprs(
    cli: FakeTool, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    source = DatabricksCliSource(HOST, clock=clock, environ=cli.environ(), profile="p")
    with caplog.at_level(logging.DEBUG):
        token = source.token().get_secret_value()
        cli.set(mode="fail", stderr=f"Error: unexpected answer {token}\n")
        source.invalidate(source.token())
        with pytest.raises(CredentialSourceError) as caught:
            source.token()
    assert token not in caplog.text + repr(source) + str(caught.value)


def test_a_profile_cli_path_beats_the_variable(cli: FakeTool, clock: FakeClock) -> None:
    environ = cli.environ(DATABRICKS_CLI_PATH="/nonexistent/databricks", PATH="/nonexistent")
    source = DatabricksCliSource(HOST, clock=clock, environ=environ, cli_path=str(cli.path))
    assert source.token().get_secret_value() == "eyJcli-1"
