"""The CLI with token-source logins: a databricks-cli profile, browser login, auth status/token."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from brickgate.testing import FakeBrowser, FakeCli, FakeWorkspace
from tests.cli.conftest import LOOPBACK, Cli

TRUST = {"BRICKGATE_TRUSTED_HOSTS": LOOPBACK, "BRICKGATE_MAX_RETRIES": "0"}


@pytest.fixture
def cli_env(workspace: FakeWorkspace, tmp_path: Path) -> dict[str, str]:
    """A ~/.databrickscfg profile ``work`` (``auth_type = databricks-cli``), the CLI on PATH."""
    tool = FakeCli(tmp_path / "bin", workspace)
    config = Path(os.environ["HOME"]) / ".databrickscfg"
    config.write_text(f"[work]\nhost = {workspace.url}\nauth_type = databricks-cli\n")
    return {**TRUST, "PATH": str(tool.path.parent)}


@pytest.mark.parametrize(
    "command",
    [
        ["models"],
        ["endpoints"],
        ["chat", "-m", "databricks-meta-llama-3-3-70b-instruct", "hi"],
        ["embed", "-m", "databricks-gte-large-en", "hi"],
        ["auth", "status"],
        ["auth", "token"],
    ],
)
def test_every_command_works_with_a_databricks_cli_profile(
    cli: Cli, cli_env: dict[str, str], command: list[str]
) -> None:
    result = cli("--profile", "work", *command, env=cli_env)
    assert result.exit_code == 0, result.output


def test_auth_status_shows_type_lifetime_and_source(cli: Cli, cli_env: dict[str, str]) -> None:
    result = cli("auth", "status", "--profile", "work", env=cli_env)
    assert result.exit_code == 0, result.output
    assert "Auth type: databricks-cli" in result.stdout
    assert "Token: from databricks-cli (profile work), expires in 59 min" in result.stdout
    assert "Source: databrickscfg" in result.stdout
    data = json.loads(cli("auth", "status", "--profile", "work", "--json", env=cli_env).stdout)
    assert (data["auth_type"], data["source"]) == ("databricks-cli", "databrickscfg")
    assert data["token_source"] == "databricks-cli (profile work)"
    assert 3500 < data["expires_in_seconds"] <= 3600
    assert [entry["outcome"] for entry in data["trace"]].count("used") == 1


def test_auth_token_prints_only_a_token_the_workspace_accepts(
    cli: Cli, cli_env: dict[str, str], workspace: FakeWorkspace
) -> None:
    result = cli("auth", "token", "--profile", "work", env=cli_env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert workspace.accepts(lines[0])


def test_auth_token_for_a_pat_prints_the_pat(
    cli: Cli, ws_env: dict[str, str], workspace: FakeWorkspace
) -> None:
    result = cli("auth", "token", env=ws_env)
    assert result.stdout == workspace.token + "\n"


def test_browser_login_then_every_command_and_a_dead_login(
    cli: Cli, workspace: FakeWorkspace, follow: FakeBrowser
) -> None:
    login = cli(
        "login",
        "--browser",
        "--host",
        workspace.url,
        "--profile",
        "me",
        env=TRUST,
        browser_opener=follow,
    )
    follow.join()
    assert login.exit_code == 0, login.output
    assert "saved profile 'me'" in login.stdout
    assert follow.urls[0].startswith(workspace.url + "/oidc/v1/authorize?")
    stored = json.loads(cli.keyring.get_password("brickgate", "me") or "{}")
    assert stored["auth_type"] == "external-browser"
    status = cli("auth", "status", "--profile", "me", env=TRUST)
    assert status.exit_code == 0, status.output
    assert "Auth type: external-browser" in status.stdout
    assert "Token: from external-browser (profile me), expires in" in status.stdout
    assert stored["refresh_token"] not in status.output
    token = cli("auth", "token", "--profile", "me", env=TRUST)
    assert workspace.accepts(token.stdout.strip())
    workspace.revoke_refresh_tokens()
    dead = cli("--profile", "me", "models", env=TRUST)
    assert dead.exit_code == 3
    assert "brickgate login --browser --profile me" in dead.stderr


@pytest.fixture
def follow() -> FakeBrowser:
    return FakeBrowser()
