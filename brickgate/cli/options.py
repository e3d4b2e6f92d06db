"""Option handling shared by every command: flags shown as flags, global options anywhere."""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

GLOBAL_WITH_VALUE = frozenset({"--profile", "-p", "--host", "--trust-host"})
GLOBAL_FLAGS = frozenset({"--debug"})
_WHOLE_SENTENCE = 1000
NO_COMMAND_EXIT = 2
METAVARS = {
    "--allow-host": "HOST",
    "--by": "model|day|key",
    "--client-id": "ID",
    "--column": "COLUMN",
    "--concurrency": "N",
    "--bind": "ADDRESS",
    "--cors-origin": "ORIGIN",
    "--host": "HOST",
    "--into": "TABLE",
    "--key-env": "VARIABLE",
    "--max-body-mb": "MB",
    "--max-tokens": "N",
    "--model": "MODEL",
    "--output": "FILE",
    "--port": "PORT",
    "--print-env": "TOOL",
    "--profile": "NAME",
    "--protocol": "auto|chat|responses|messages",
    "--since": "AGE",
    "--store": "keyring|file",
    "--system": "TEXT",
    "--table": "TABLE",
    "--tag": "KEY=VALUE",
    "--temperature": "T",
    "--trust-host": "HOST",
    "--usage-db": "FILE",
    "--warehouse": "ID",
    "--engine": "local|sql",
    "command": "COMMAND",
    "input_path": "FILE",
    "prompt": "PROMPT",
    "texts": "TEXT",
}
"""What each option's value is called in help, in place of typer's ``<str>``/``<int range>``."""


def _prepare(params: Sequence[Any]) -> None:
    for param in params:
        if getattr(param, "is_flag", False) and getattr(param, "metavar", None) is None:
            param.metavar = ""
        elif getattr(param, "metavar", None) is None:
            names = [opt for opt in getattr(param, "opts", ()) if opt.startswith("--")]
            shown = METAVARS.get(names[0] if names else str(param.name))
            if shown is not None:
                param.metavar = shown
        if getattr(param, "_runtime_param", _NOT_TYPER) is None:
            param._runtime_param = _AbsentFirst()


_NOT_TYPER = object()


class _AbsentFirst:
    """Typer's coercion of one parameter, built only when the parameter is given a value.

    Recent typer builds a pydantic adapter for every parameter it processes, given or not, so
    ``brickgate chat --help`` would import pydantic (~50 ms) for the global options nobody
    gave. An absent value (``None``) becomes what typer makes of it (``None``, or ``()`` for a
    repeatable option); a given value goes to typer's own coercion, which then replaces this.
    """

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:
            return () if param.multiple or param.nargs == -1 else None
        param._runtime_param = None
        return param.get_runtime_param().coerce(value, param=param, ctx=ctx)


class FlagHelpCommand(TyperCommand):
    """A command whose help shows ``--json`` as a flag, not ``--json <bool>``."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        _prepare(params)
        return params


class FlagHelpGroup(TyperGroup):
    """A group whose help shows flags as flags (see ``FlagHelpCommand``).

    Its command list shows the first sentence of each command's help whole, wrapped to the
    width, where click would cut it to fit one line. Run without arguments it prints its help
    on standard output and exits 2 (no command was given).
    """

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        _prepare(params)
        return params

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            typer.echo(ctx.get_help())
            ctx.exit(NO_COMMAND_EXIT)
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=_WHOLE_SENTENCE)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def hoist_global_options(args: Sequence[str], commands: Container[str]) -> list[str]:
    """``args`` with global options given after the command moved in front of it.

    ``brickgate models --profile prod`` becomes ``brickgate --profile prod models``; every
    command reads these from the global options, so the meaning is the same. Nothing after a
    bare ``--`` is moved.
    """
    args = list(args)
    position = _command_position(args, commands)
    if position is None:
        return args
    moved: list[str] = []
    kept: list[str] = []
    rest = args[position + 1 :]
    index = 0
    while index < len(rest):
        arg = rest[index]
        if arg == "--":
            kept.extend(rest[index:])
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_FLAGS or (name in GLOBAL_WITH_VALUE and "=" in arg):
            moved.append(arg)
        elif arg in GLOBAL_WITH_VALUE and index + 1 < len(rest):
            moved.extend(rest[index : index + 2])
            index += 1
        else:
            kept.append(arg)
        index += 1
    return [*args[:position], *moved, args[position], *kept]


def _command_position(args: Sequence[str], commands: Container[str]) -> int | None:
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in commands:
            return index
        if arg in GLOBAL_WITH_VALUE:
            index += 1
        elif not arg.startswith("-"):
            return None
        index += 1
    return None
