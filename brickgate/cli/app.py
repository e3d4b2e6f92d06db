"""The ``brickgate`` command: global options, error handling and the command table.

Help is plain text (click's formatter, not rich) and the command modules import their work
only when a command runs, so ``brickgate --help`` loads typer and little else.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from brickgate._version import __version__
from brickgate.cli.batch import register as register_batch
from brickgate.cli.chat import chat, embed
from brickgate.cli.demo import demo
from brickgate.cli.listing import endpoints, models
from brickgate.cli.login import auth_app, login, logout
from brickgate.cli.options import FlagHelpCommand, FlagHelpGroup, hoist_global_options
from brickgate.cli.serve import register as register_serve
from brickgate.cli.signals import sigterm_as_interrupt
from brickgate.cli.state import CliState
from brickgate.cli.usage import usage


class ErrorReportingGroup(FlagHelpGroup):
    """Turns brickgate errors and Ctrl-C into one line on stderr and the class's exit code.

    After a credential failure every credential source is listed with what it said. With
    ``--debug`` the full traceback is printed first. Never prints a secret: messages of
    brickgate errors carry none, and other exceptions show only their type without ``--debug``.
    Global options are accepted after the command too (``brickgate models --profile prod``).
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args, self.commands))

    def invoke(self, ctx: Any) -> Any:
        try:
            with sigterm_as_interrupt():
                return super().invoke(ctx)
        except (KeyboardInterrupt, EOFError) as error:
            self._report(ctx, error)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as error:
            if _is_click_exception(error):
                raise
            self._report(ctx, error)

    @staticmethod
    def _report(ctx: Any, error: BaseException) -> None:
        import traceback

        from brickgate.cli.errors import exit_code, is_credential_failure, one_line
        from brickgate.cli.login import print_credential_report

        state = ctx.obj if isinstance(ctx.obj, CliState) else CliState()
        if isinstance(error, EOFError):
            error = KeyboardInterrupt()
        if state.debug:
            traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
        sys.stdout.flush()
        command = ctx.invoked_subcommand
        sys.stderr.write(one_line(error, profile=state.profile, command=command) + "\n")
        if is_credential_failure(error) and command not in ("auth", "login", "logout"):
            print_credential_report(state, state.err)
        raise typer.Exit(exit_code(error)) from None


def _is_click_exception(error: Exception) -> bool:
    return any(cls.__name__ in ("ClickException", "Abort", "Exit") for cls in type(error).__mro__)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"brickgate {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=ErrorReportingGroup,
    help="Talk to LLMs served by Databricks. Start with `brickgate demo`.",
    epilog=(
        "Global options may also come after the command. Exit codes: 0 ok; 1 incomplete (batch "
        "items failed); 2 usage or configuration; 3 authentication or permission; 4 not found; "
        "5 rate limit or other remote error; 130 interrupted (Ctrl-C or SIGTERM)."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def global_options(
    ctx: typer.Context,
    profile: Annotated[
        str | None, typer.Option("--profile", "-p", help="Credential profile to use.")
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Workspace host the credentials must be for.")
    ] = None,
    trust_host: Annotated[
        list[str] | None,
        typer.Option(
            "--trust-host",
            help="Admit this non-Databricks host, e.g. a local server (repeatable; or set "
            "BRICKGATE_TRUSTED_HOSTS).",
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Full tracebacks and DEBUG logs (secrets masked).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Talk to LLMs served by Databricks. Start with `brickgate demo`.

    Global options may come before or after the command. Exit codes: 0 ok, 1 incomplete
    (batch items failed), 2 usage or configuration, 3 authentication or permission, 4 not
    found, 5 rate limit or other remote error, 130 interrupted (Ctrl-C or SIGTERM).
    """
    overrides = ctx.obj if isinstance(ctx.obj, dict) else {}
    ctx.obj = CliState(
        profile=profile,
        host=host,
        debug=debug,
        trusted_hosts=tuple(trust_host or ()),
        overrides=overrides,
    )
    if debug:
        from brickgate.cli.debug import enable_debug_logging

        ctx.call_on_close(enable_debug_logging())


for command in (login, logout, models, endpoints, chat, embed, demo):
    app.command(cls=FlagHelpCommand)(command)
app.add_typer(auth_app, name="auth", cls=FlagHelpGroup)
register_batch(app)
register_serve(app)
app.command(cls=FlagHelpCommand)(usage)


def main() -> None:
    """Run the ``brickgate`` command (the console-script entry point)."""
    app(prog_name="brickgate")
