"""``brickgate chat`` over every protocol: codex streams over Responses, --protocol, --tag."""

from __future__ import annotations

import json

from brickgate.testing import FakeWorkspace
from tests.cli.conftest import Cli, last_body

CODEX = "databricks-gpt-5-1-codex-max"
CLAUDE = "databricks-claude-sonnet-4-5"
TAGS_HEADER = "databricks-ai-gateway-request-tags"


def test_chat_with_a_codex_model_streams_over_responses(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    result = cli("chat", "-m", CODEX, "Hello codex", env=ws_env)

    assert result.exit_code == 0, result.output
    assert f"FakeWorkspace {CODEX} says: you said Hello codex" in result.stdout
    assert "tokens" in result.stderr
    assert [r.path for r in workspace.requests] == ["/serving-endpoints/responses"]
    assert last_body(workspace)["stream"] is True


def test_protocol_option_picks_the_wire_protocol(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    result = cli("chat", "-m", CLAUDE, "--protocol", "messages", "Hi Claude", env=ws_env)

    assert result.exit_code == 0, result.output
    assert "you said Hi Claude" in result.stdout
    assert workspace.requests[-1].path == "/serving-endpoints/anthropic/v1/messages"
    assert last_body(workspace)["max_tokens"] > 0


def test_protocol_option_refuses_an_unknown_protocol(cli: Cli, ws_env: dict[str, str]) -> None:
    result = cli("chat", "-m", CLAUDE, "--protocol", "grpc", "Hi", env=ws_env)

    assert result.exit_code == 2
    assert "auto, chat, responses, messages" in result.output


def test_json_reply_from_a_codex_model_comes_over_responses(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    result = cli("chat", "-m", CODEX, "--json", "Hi", env=ws_env)

    assert result.exit_code == 0, result.output
    assert "you said Hi" in json.loads(result.stdout)["text"]
    assert workspace.requests[-1].path == "/serving-endpoints/responses"


def test_tags_are_sent_as_the_request_tags_header(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    args = ("--tag", "team=search", "--tag", "project=brickgate")
    result = cli("chat", "-m", CODEX, *args, "Hi", env=ws_env)

    assert result.exit_code == 0, result.output
    sent = json.loads(workspace.requests[-1].headers[TAGS_HEADER])
    assert sent == {"team": "search", "project": "brickgate"}


def test_a_tag_without_a_value_separator_is_a_usage_error(
    cli: Cli, workspace: FakeWorkspace, ws_env: dict[str, str]
) -> None:
    result = cli("chat", "-m", CODEX, "--tag", "team", "Hi", env=ws_env)

    assert result.exit_code == 2
    assert "KEY=VALUE" in result.output
    assert workspace.requests == []


def test_models_lists_the_protocols_of_each_model(cli: Cli, ws_env: dict[str, str]) -> None:
    entries = json.loads(cli("models", "--json", env=ws_env).stdout)
    by_name = {entry["name"]: entry for entry in entries}

    assert by_name[CODEX]["protocols"] == ["responses"]
    assert by_name[CLAUDE]["protocols"] == ["chat", "responses", "messages"]
    table = cli("models", env=ws_env)
    assert "Protocols" in table.stdout
