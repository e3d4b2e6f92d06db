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


def test_no_credentials_is_one_line_and_hint_then_every_source(cli: Cli) -> None:
    result = cli("models")
    assert result.exit_code == 2
    first, *table = result.stderr.splitlines()
    assert first.startswith("error: no Databricks credentials found")
    assert "run `brickgate login`" in first
    assert "Traceback" not in result.stderr
    listed = "\n".join(table)
    for source in ("environment", "keyring", "file", "databrickscfg"):
        assert source in listed
    assert "DATABRICKS_HOST" in listed
    assert "brickgate credentials file" in listed
    assert result.stdout == ""


def test_unknown_profile_hint_names_the_profile(cli: Cli) -> None:
    result = cli("--profile", "prod", "endpoints")
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert "brickgate login --profile prod" in first
    assert "no profile 'prod' here" in result.stderr


def test_unusable_profile_names_the_file_the_section_and_the_reason(
    cli: Cli, clean_environment: Path
) -> None:
    config = clean_environment / ".databrickscfg"
    config.write_text("[prod]\nhost = dbc-1234.cloud.databricks.com\n", encoding="utf-8")
    result = cli("--profile", "prod", "endpoints")
    assert result.exit_code == 2
    first, *table = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert f"profile 'prod' in {config} cannot be used" in first
    assert "unusable" in "\n".join(table)
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


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (403, "PERMISSION_DENIED", "Invalid access token.", "log in again"),
        (401, "UNAUTHENTICATED", "Token is expired.", "log in again"),
        (403, "PERMISSION_DENIED", "User does not have permission to query", "CAN QUERY"),
        (400, "INVALID_PARAMETER_VALUE", "temperature must be <= 2", "temperature must be <= 2"),
    ],
)
def test_hint_is_chosen_by_error_code_and_message(
    cli: Cli,
    workspace: FakeWorkspace,
    ws_env: dict[str, str],
    status: int,
    code: str,
    message: str,
    expected: str,
) -> None:
    workspace.fail(Fault(status=status, body={"error_code": code, "message": message}), times=None)
    result = cli("chat", "-m", CHAT_MODEL, "Hi", env=ws_env)
    assert_one_line_without_traceback(result.stderr)
    hint = result.stderr.split("hint:", 1)[1]
    assert expected in result.stderr
    assert "Databricks support" not in result.stderr
    if expected != "CAN QUERY":
        assert "CAN QUERY" not in hint


def test_a_bad_request_hint_says_what_to_fix_not_to_wait(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    body = {"error_code": "BAD_REQUEST", "message": "max_tokens is too large"}
    workspace.fail(Fault(status=400, body=body), times=None)
    result = cli("chat", "-m", CHAT_MODEL, "Hi", env=ws_env)
    assert "max_tokens is too large" in result.stderr
    assert "try again later" not in result.stderr
    assert "fix the model name, messages or parameters" in result.stderr


def test_unreachable_workspace_hint_names_host_network_and_no_verify_for_login(cli: Cli) -> None:
    with FakeWorkspace() as gone:
        url, token = gone.url, gone.token
    env = {"BRICKGATE_MAX_RETRIES": "0"}
    result = cli("--trust-host", LOOPBACK, "login", input=f"{url}::{token}", env=env)
    assert result.exit_code == 5
    assert "check the host and your network" in result.stderr
    assert "--no-verify" in result.stderr
    env = {"DATABRICKS_HOST": url, "DATABRICKS_TOKEN": token, "BRICKGATE_MAX_RETRIES": "0"}
    other = cli("--trust-host", LOOPBACK, "endpoints", env=env)
    assert "check the host and your network" in other.stderr
    assert "--no-verify" not in other.stderr


def test_a_bad_model_name_in_a_sql_batch_is_explained_without_http_words(cli: Cli) -> None:
    result = cli(
        "batch", "--engine", "sql", "--warehouse", "w1", "--table", "c.s.t", "--column", "p",
        "--into", "c.s.out", "-m", " bad model ", "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "HTTP 400" not in result.stderr
    assert "nothing was sent" in result.stderr
