"""Errors on the command line: one line with a hint, an exit code per class, no secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from brickgate.testing import FakeWorkspace, Fault
from tests.cli.conftest import LOOPBACK, Cli

CHAT_MODEL = "databricks-meta-llama-3-3-70b-instruct"


class InterruptedTransport:
    """A workspace transport whose calls are interrupted as if the user pressed Ctrl-C."""

    def send(self, call: Any) -> Any:
        raise KeyboardInterrupt

    def close(self) -> None:
        pass


def assert_one_line_without_traceback(stderr: str) -> None:
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr


def test_no_credentials_is_one_line_with_places_and_login_hint(cli: Cli) -> None:
    result = cli("models")
    assert result.exit_code == 2
    assert_one_line_without_traceback(result.stderr)
    assert "no Databricks credentials found" in result.stderr
    assert "DATABRICKS_HOST" in result.stderr
    assert "credentials.json" in result.stderr
    assert "run `brickgate login`" in result.stderr
    assert result.stdout == ""


def test_unknown_profile_hint_names_the_profile(cli: Cli) -> None:
    result = cli("--profile", "prod", "endpoints")
    assert result.exit_code == 2
    assert_one_line_without_traceback(result.stderr)
    assert "brickgate login --profile prod" in result.stderr


def test_unusable_profile_names_the_file_the_section_and_the_reason(
    cli: Cli, clean_environment: Path
) -> None:
    config = clean_environment / ".databrickscfg"
    config.write_text("[prod]\nhost = dbc-1234.cloud.databricks.com\n", encoding="utf-8")
    result = cli("--profile", "prod", "endpoints")
    assert result.exit_code == 2
    assert_one_line_without_traceback(result.stderr)
    assert f"profile 'prod' in {config} cannot be used" in result.stderr
    assert "databricks-cli" in result.stderr
    assert "no profile named" not in result.stderr


@pytest.mark.parametrize(
    ("status", "code", "expected_exit"),
    [
        (401, "UNAUTHENTICATED", 3),
        (403, "PERMISSION_DENIED", 3),
        (404, "RESOURCE_DOES_NOT_EXIST", 4),
        (429, "REQUEST_LIMIT_EXCEEDED", 5),
        (500, "INTERNAL_ERROR", 5),
    ],
)
def test_exit_code_follows_the_error_class(
    cli: Cli,
    workspace: FakeWorkspace,
    ws_env: dict[str, str],
    status: int,
    code: str,
    expected_exit: int,
) -> None:
    workspace.fail(
        Fault(status=status, body={"error_code": code, "message": "scripted"}), times=None
    )
    result = cli("chat", "-m", CHAT_MODEL, "Hi", env=ws_env)
    assert result.exit_code == expected_exit
    assert_one_line_without_traceback(result.stderr)
    assert "hint:" in result.stderr


def test_unknown_endpoint_is_not_found(cli: Cli, ws_env: dict[str, str]) -> None:
    result = cli("chat", "-m", "no-such-endpoint", "Hi", env=ws_env)
    assert result.exit_code == 4
    assert "brickgate endpoints" in result.stderr


def test_rate_limit_hint_says_when_to_retry(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    workspace.fail(Fault(status=429, retry_after="7"), times=None)
    result = cli("endpoints", env=ws_env)
    assert result.exit_code == 5
    assert "try again in 7 s" in result.stderr


def test_connection_refused_is_a_remote_error(cli: Cli) -> None:
    with FakeWorkspace() as gone:
        url, token = gone.url, gone.token
    env = {"DATABRICKS_HOST": url, "DATABRICKS_TOKEN": token, "BRICKGATE_MAX_RETRIES": "0"}
    result = cli("--trust-host", LOOPBACK, "endpoints", env=env)
    assert result.exit_code == 5
    assert_one_line_without_traceback(result.stderr)


def test_invalid_settings_are_a_configuration_error(cli: Cli, ws_env: dict[str, str]) -> None:
    result = cli("endpoints", env={**ws_env, "BRICKGATE_MAX_RETRIES": "many"})
    assert result.exit_code == 2
    assert "BRICKGATE_MAX_RETRIES" in result.stderr


def test_ctrl_c_exits_130_with_one_line(cli: Cli, ws_env: dict[str, str]) -> None:
    result = cli("endpoints", env=ws_env, given_transport=InterruptedTransport())
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted"


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli("chat").exit_code == 2
    assert cli("login", "--store", "vault", input="x").exit_code == 2


def test_debug_shows_the_traceback_and_keeps_the_exit_code(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    workspace.fail(Fault(status=401), times=None)
    result = cli("--debug", "endpoints", env=ws_env)
    assert result.exit_code == 3
    assert "Traceback" in result.stderr
    assert "AuthenticationError" in result.stderr
    assert workspace.token not in result.output


def test_no_secret_in_any_command_output(cli: Cli, workspace: FakeWorkspace) -> None:
    env = {
        "DATABRICKS_HOST": workspace.url,
        "DATABRICKS_TOKEN": workspace.token,
        "BRICKGATE_TRUSTED_HOSTS": LOOPBACK,
    }
    secrets = (workspace.token, workspace.client_secret)
    pat_login = f"{workspace.url}::{workspace.token}"
    runs = [
        cli("--debug", "login", "--profile", "pat", input=pat_login, env=env),
        cli(
            "--debug",
            "login",
            "--profile",
            "sp",
            "--host",
            workspace.url,
            "--client-id",
            workspace.client_id,
            input=workspace.client_secret,
            env=env,
        ),
        cli("--debug", "auth", "status", env=env),
        cli("--debug", "--profile", "sp", "auth", "status", env=env),
        cli("--debug", "--profile", "sp", "models", env=env),
        cli("--debug", "endpoints", "--json", env=env),
        cli("--debug", "chat", "-m", CHAT_MODEL, "--json", "Hi", env=env),
        cli("--debug", "embed", "-m", "databricks-gte-large-en", "Hi", env=env),
        cli("--debug", "login", "--host", workspace.url, input="dapi" + "e" * 32, env=env),
        cli("--debug", "logout", "--profile", "pat", env=env),
    ]
    assert [run.exit_code for run in runs] == [0, 0, 0, 0, 0, 0, 0, 0, 3, 0]
    assert any("DEBUG" in run.stderr for run in runs)
    for run in runs:
        for secret in (*secrets, "dapi" + "e" * 32):
            assert secret not in run.output
