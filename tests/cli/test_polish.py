"""Small things a newcomer notices: help texts, flags, option order, completion, embed indexes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from brickgate.cli import app
from brickgate.cli.options import hoist_global_options
from brickgate.testing import FakeWorkspace
from tests.cli.conftest import LOOPBACK, Cli


def every_command() -> Iterator[tuple[str, Any]]:
    group = typer.main.get_command(app)

    def walk(prefix: str, command: Any) -> Iterator[tuple[str, Any]]:
        yield prefix, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(f"{prefix} {name}".strip(), sub)

    yield from walk("", group)


def test_every_option_and_argument_has_help() -> None:
    missing = [
        f"{name or 'brickgate'} {param.name}"
        for name, command in every_command()
        for param in command.params
        if not getattr(param, "help", None) and param.name not in ("help",)
    ]
    assert missing == []


@pytest.mark.parametrize("command", ["", "chat", "batch", "auth status", "login", "models"])
def test_flags_are_shown_as_flags_not_as_bool_values(cli: Cli, command: str) -> None:
    result = cli(*command.split(), "--help")
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout
    assert "--help" in result.stdout


_MARKUP = re.compile(r"\[/?(bold|dim|italic|red|green|yellow|blue|cyan|magenta|b|i|u)\]")


@pytest.mark.parametrize("name", [name for name, _ in every_command()])
def test_help_is_plain_text_without_markup(cli: Cli, name: str) -> None:
    result = cli(*name.split(), "--help")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: {' '.join(['brickgate', *name.split()])} ")
    assert not _MARKUP.search(result.stdout)
    assert not any(char in result.stdout for char in "╭│╰─")


_TYPE_METAVAR = re.compile(r"^\s+-.*<[a-z][^>]*>", re.MULTILINE)


@pytest.mark.parametrize("name", [name for name, _ in every_command()])
def test_option_values_are_named_for_what_they_are(cli: Cli, name: str) -> None:
    result = cli(*name.split(), "--help")
    assert _TYPE_METAVAR.findall(result.stdout) == []
    assert "``" not in result.stdout


def test_values_read_as_words_in_help(cli: Cli) -> None:
    chat = cli("chat", "--help").stdout
    assert "-m, --model MODEL" in chat and "--tag KEY=VALUE" in chat
    assert "--protocol auto|chat|responses|messages" in chat
    assert "Usage: brickgate chat [OPTIONS] [PROMPT]" in chat
    assert "-p, --profile NAME" in cli("--help").stdout


def test_every_command_renders_help_in_plain_mode() -> None:
    assert [name for name, command in every_command() if command.rich_markup_mode] == []


def test_the_command_list_shows_each_first_sentence_whole(cli: Cli) -> None:
    listing = "".join(cli("--help").stdout.split())
    group: Any = typer.main.get_command(app)
    for name, command in group.commands.items():
        sentence = "".join(command.get_short_help_str(limit=1000).split())
        assert sentence.endswith(".")
        assert name + sentence in listing


def test_without_arguments_help_goes_to_stdout_and_exits_2(cli: Cli) -> None:
    result = cli()
    assert result.exit_code == 2
    assert result.stdout == cli("--help").stdout
    assert cli("auth").stdout == cli("auth", "--help").stdout


def test_the_batch_concurrency_default_is_the_librarys() -> None:
    from brickgate.cli import batch
    from brickgate.services.batch_items import DEFAULT_CONCURRENCY

    assert batch.DEFAULT_CONCURRENCY == DEFAULT_CONCURRENCY


def test_chat_help_explains_max_tokens_and_temperature(cli: Cli) -> None:
    result = cli("chat", "--help")
    assert "Longest answer" in result.stdout
    assert "Sampling temperature" in result.stdout


def test_global_options_are_accepted_after_the_command(cli: Cli, workspace: FakeWorkspace) -> None:
    login = f"{workspace.url}::{workspace.token}"
    saved = cli("login", "--no-verify", "--profile", "dev", "--trust-host", LOOPBACK, input=login)
    assert saved.exit_code == 0, saved.output
    result = cli("endpoints", "--json", "--profile", "dev", "--trust-host", LOOPBACK, "--debug")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)
    assert "DEBUG" in result.stderr


def test_hoisting_moves_only_global_options_and_stops_at_a_double_dash() -> None:
    commands = {"chat", "auth"}
    assert hoist_global_options(["chat", "-m", "x", "-p", "dev", "hi"], commands) == [
        "-p",
        "dev",
        "chat",
        "-m",
        "x",
        "hi",
    ]
    assert hoist_global_options(["--debug", "auth", "status", "--profile=a"], commands) == [
        "--debug",
        "--profile=a",
        "auth",
        "status",
    ]
    assert hoist_global_options(["chat", "-m", "x", "--", "--debug"], commands) == [
        "chat",
        "-m",
        "x",
        "--",
        "--debug",
    ]


def test_shell_completion_is_offered(cli: Cli) -> None:
    result = cli("--help")
    assert "--install-completion" in result.stdout
    script = cli("--show-completion", "bash", env={"SHELL": "/bin/bash"})
    assert script.exit_code == 0, script.output
    assert "_BRICKGATE_COMPLETE" in script.stdout


def test_embed_keeps_input_line_numbers_when_blank_lines_are_left_out(
    cli: Cli, ws_env: dict[str, str]
) -> None:
    result = cli("embed", "-m", "databricks-gte-large-en", input="a\n\nb\n", env=ws_env)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["index"], row["input"]) for row in rows] == [(0, "a"), (2, "b")]
    assert "left out 1 blank input lines" in result.stderr


def test_models_table_names_capabilities_as_the_json_does(cli: Cli, ws_env: dict[str, str]) -> None:
    table = cli("models", env=ws_env).stdout
    entries = json.loads(cli("models", "--json", env=ws_env).stdout)
    assert any("structured_output" in entry["capabilities"] for entry in entries)
    assert "structured_output" in table
    assert " json" not in table


def test_help_lists_every_exit_code(cli: Cli) -> None:
    text = " ".join(cli("--help").stdout.split())
    for code in ("0 ok", "1 incomplete", "2 usage", "3 authentication", "4 not found", "5 rate"):
        assert code in text
    assert "130 interrupted" in text


def test_the_readme_lists_every_exit_code_the_cli_uses() -> None:
    from pathlib import Path

    from brickgate.cli import batch, errors

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    codes = {value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    codes |= {batch.EXIT_INCOMPLETE, 0}
    for code in sorted(codes):
        assert f"\n| {code} | " in readme, code


def test_tox_writes_no_venv_redirect_file_into_the_clone() -> None:
    import configparser
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    tox = configparser.ConfigParser()
    tox.read(root / "tox.ini")
    assert tox.getboolean("tox", "venv_redirect") is False
    assert ".venv" in (root / ".gitignore").read_text().splitlines()
