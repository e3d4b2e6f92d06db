"""The brickgate commands, run in-process through the real Typer app against a FakeWorkspace."""

from __future__ import annotations

import json
import os
from pathlib import Path

from brickgate import __version__
from brickgate.testing import FakeWorkspace
from tests.cli.conftest import LOOPBACK, Cli, last_body, unavailable_keyring_store

TRUST = ("--trust-host", LOOPBACK)
CHAT_MODEL = "databricks-meta-llama-3-3-70b-instruct"
REASONING_MODEL = "databricks-gpt-oss-120b"


def credentials_file(home: Path) -> Path:
    return Path(os.environ["BRICKGATE_CONFIG_DIR"]) / "credentials.json"


def test_version_prints_the_package_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"brickgate {__version__}"


def test_login_with_host_and_token_on_stdin_saves_to_the_keyring(
    cli: Cli, workspace: FakeWorkspace, clean_environment: Path
) -> None:
    result = cli("login", "--host", workspace.url, *TRUST, input=workspace.token + "\n")
    assert result.exit_code == 0, result.output
    assert "keyring" in result.stdout
    assert "Verified" in result.stderr
    assert [r.path for r in workspace.requests] == ["/api/2.0/serving-endpoints"]
    stored = json.loads(cli.keyring.get_password("brickgate", "DEFAULT") or "{}")
    assert stored["host"] == workspace.url
    assert not credentials_file(clean_environment).exists()


def test_a_saved_login_is_used_by_later_commands(cli: Cli, workspace: FakeWorkspace) -> None:
    login = f"{workspace.url}::{workspace.token}\n"
    assert cli("login", "--profile", "dev", *TRUST, input=login).exit_code == 0
    result = cli("--trust-host", LOOPBACK, "--profile", "dev", "endpoints", "--json")
    assert result.exit_code == 0, result.output
    names = {endpoint["name"] for endpoint in json.loads(result.stdout)}
    assert CHAT_MODEL in names


def test_login_refused_by_the_workspace_saves_nothing(cli: Cli, workspace: FakeWorkspace) -> None:
    result = cli("login", "--host", workspace.url, *TRUST, input="dapi" + "0" * 32 + "\n")
    assert result.exit_code == 3
    assert cli.keyring.usernames("brickgate") == []


def test_login_no_verify_makes_no_request(cli: Cli, workspace: FakeWorkspace) -> None:
    result = cli("login", "--no-verify", *TRUST, input=f"{workspace.url}::{workspace.token}")
    assert result.exit_code == 0, result.output
    assert workspace.requests == []
    assert cli.keyring.usernames("brickgate") != []


def test_login_falls_back_to_the_file_when_the_keyring_is_unavailable(
    cli: Cli, workspace: FakeWorkspace, clean_environment: Path
) -> None:
    broken = unavailable_keyring_store()
    login = f"{workspace.url}::{workspace.token}"
    result = cli("login", *TRUST, input=login, keyring_store=broken)
    assert result.exit_code == 0, result.output
    assert "keyring cannot be used" in result.stderr
    path = credentials_file(clean_environment)
    assert str(path) in result.stdout
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["profiles"]["DEFAULT"]["host"] == workspace.url


def test_login_store_keyring_explicit_is_an_error_without_a_keyring(
    cli: Cli, workspace: FakeWorkspace, clean_environment: Path
) -> None:
    broken = unavailable_keyring_store()
    login = f"{workspace.url}::{workspace.token}"
    result = cli("login", "--store", "keyring", *TRUST, input=login, keyring_store=broken)
    assert result.exit_code == 2
    assert "keyring" in result.stderr
    assert not credentials_file(clean_environment).exists()


def test_login_store_file(cli: Cli, workspace: FakeWorkspace, clean_environment: Path) -> None:
    login = f"{workspace.url}::{workspace.token}"
    result = cli("login", "--store", "file", "--no-verify", *TRUST, input=login)
    assert result.exit_code == 0
    assert credentials_file(clean_environment).exists()
    assert cli.keyring.usernames("brickgate") == []


def test_login_service_principal_with_secret_on_stdin(cli: Cli, workspace: FakeWorkspace) -> None:
    result = cli(
        "login",
        "--host",
        workspace.url,
        "--client-id",
        workspace.client_id,
        *TRUST,
        input=workspace.client_secret,
    )
    assert result.exit_code == 0, result.output
    assert any(r.path.endswith("/oidc/v1/token") for r in workspace.requests)
    stored = cli.keyring.get_password("brickgate", "DEFAULT") or ""
    assert workspace.client_id in stored


def test_login_rejects_a_foreign_host_without_sending_anything(cli: Cli) -> None:
    result = cli("login", "--no-verify", input="evil.example.com::dapi" + "1" * 32)
    assert result.exit_code == 2
    assert "evil.example.com" not in result.stdout
    assert cli.keyring.usernames("brickgate") == []


def test_logout_removes_the_profile_and_says_where(cli: Cli, workspace: FakeWorkspace) -> None:
    cli("login", "--no-verify", "--profile", "p1", *TRUST, input=f"{workspace.url}::x1")
    first = cli("logout", "--profile", "p1")
    assert first.exit_code == 0
    assert "Removed profile 'p1'" in first.stdout
    assert "keyring" in first.stdout
    assert cli.keyring.get_password("brickgate", "p1") is None
    second = cli("logout", "--profile", "p1")
    assert "nothing removed" in second.stdout


def test_auth_status_shows_source_trace_and_workspace_check(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    cli("login", "--no-verify", *TRUST, input=f"{workspace.url}::{workspace.token}")
    result = cli("auth", "status", env=ws_env)
    assert result.exit_code == 0, result.output
    assert "Source: environment" in result.stdout
    assert "shadowed" in result.stdout
    assert workspace.token[:4] + "…" + workspace.token[-4:] in result.stdout
    assert workspace.token not in result.output
    assert "accepts these credentials" in result.stdout
    assert "Cloud:  custom" in result.stdout


def test_auth_status_offline_makes_no_request(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    result = cli("auth", "status", "--offline", env=ws_env)
    assert result.exit_code == 0
    assert workspace.requests == []
    assert "accepts" not in result.stdout


def test_models_table_and_json(cli: Cli, ws_env: dict[str, str]) -> None:
    table = cli("models", env=ws_env)
    assert table.exit_code == 0, table.output
    assert "served" in table.stdout
    assert "not-ready" in table.stdout
    entries = json.loads(cli("models", "--json", env=ws_env).stdout)
    by_name = {entry["name"]: entry for entry in entries}
    assert by_name[CHAT_MODEL]["availability"] == "served"
    assert by_name[CHAT_MODEL]["context_window"] == 128_000
    assert by_name["databricks-meta-llama-3-1-405b-instruct"]["availability"] == "not-ready"
    assert "tools" in by_name["databricks-claude-sonnet-4-5"]["capabilities"]


def test_models_all_includes_retired_models(cli: Cli, ws_env: dict[str, str]) -> None:
    default = {e["name"] for e in json.loads(cli("models", "--json", env=ws_env).stdout)}
    everything = json.loads(cli("models", "--all", "--json", env=ws_env).stdout)
    retired = {e["name"] for e in everything if e["status"] == "retired"}
    assert "databricks-dbrx-instruct" in retired
    assert "databricks-dbrx-instruct" not in default
    assert default < {e["name"] for e in everything}


def test_endpoints_table(cli: Cli, ws_env: dict[str, str]) -> None:
    result = cli("endpoints", env=ws_env)
    assert result.exit_code == 0
    assert CHAT_MODEL in result.stdout
    assert "llm/v1/embeddings" in result.stdout


def test_chat_streams_the_answer_and_prints_usage_on_stderr(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    result = cli("chat", "-m", CHAT_MODEL, "Hello there", env=ws_env)
    assert result.exit_code == 0, result.output
    assert "you said Hello there" in result.stdout
    assert "tokens" in result.stderr
    assert "tokens" not in result.stdout
    assert last_body(workspace)["stream"] is True


def test_chat_reads_a_piped_prompt(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    result = cli("chat", "-m", CHAT_MODEL, input="from a pipe\n", env=ws_env)
    assert result.exit_code == 0, result.output
    assert "from a pipe" in result.stdout


def test_chat_joins_argument_and_piped_input(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    result = cli("chat", "-m", CHAT_MODEL, "Summarise:", input="the document", env=ws_env)
    assert result.exit_code == 0
    sent = last_body(workspace)["messages"][-1]["content"]
    assert sent == "Summarise:\n\nthe document"


def test_chat_options_reach_the_request(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    args = ("--system", "Be brief.", "--max-tokens", "42", "--temperature", "0.5")
    result = cli("chat", "-m", CHAT_MODEL, *args, "Hi", env=ws_env)
    assert result.exit_code == 0, result.output
    body = last_body(workspace)
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["max_tokens"] == 42
    assert body["temperature"] == 0.5


def test_chat_json_parses_back(cli: Cli, ws_env: dict[str, str]) -> None:
    result = cli("chat", "-m", REASONING_MODEL, "--json", "Hi", env=ws_env)
    assert result.exit_code == 0, result.output
    reply = json.loads(result.stdout)
    assert set(reply) == {
        "text",
        "reasoning",
        "tool_calls",
        "usage",
        "model",
        "finish_reason",
        "adjustments",
    }
    assert "you said Hi" in reply["text"]
    assert reply["reasoning"]
    assert reply["model"] == "gpt-oss-120b-080525"
    assert reply["usage"]["total_tokens"] > 0


def test_chat_shows_reasoning_apart_and_hides_it_on_request(
    cli: Cli, ws_env: dict[str, str]
) -> None:
    shown = cli("chat", "-m", REASONING_MODEL, "Hi", env=ws_env)
    hidden = cli("chat", "-m", REASONING_MODEL, "--no-reasoning", "Hi", env=ws_env)
    assert "The user wrote" in shown.stderr
    assert "The user wrote" not in shown.stdout
    assert "The user wrote" not in hidden.output
    assert shown.stdout == hidden.stdout


def test_chat_json_without_prompt_is_a_usage_error(cli: Cli, ws_env: dict[str, str]) -> None:
    result = cli("chat", "-m", CHAT_MODEL, "--json", input="", env=ws_env)
    assert result.exit_code == 2
    assert "prompt is empty" in result.stderr


def test_embed_prints_json_lines(cli: Cli, ws_env: dict[str, str]) -> None:
    result = cli("embed", "-m", "databricks-gte-large-en", "first", "second", env=ws_env)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["input"] for line in lines] == ["first", "second"]
    assert [line["index"] for line in lines] == [0, 1]
    assert all(len(line["embedding"]) == 1024 for line in lines)


def test_embed_reads_lines_from_stdin(cli: Cli, ws_env: dict[str, str]) -> None:
    result = cli("embed", "-m", "databricks-gte-large-en", input="a\n\nb\n", env=ws_env)
    assert [json.loads(line)["input"] for line in result.stdout.splitlines()] == ["a", "b"]


def test_host_option_refuses_credentials_for_another_host(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    result = cli("--host", "adb-1.2.azuredatabricks.net", "endpoints", env=ws_env)
    assert result.exit_code == 2
    assert "are for" in result.stderr
    assert workspace.requests == []
