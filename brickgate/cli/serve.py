"""``brickgate serve`` and ``brickgate run -- COMMAND``: the local gateway from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brickgate.cli.state import CliState

if TYPE_CHECKING:
    from brickgate.adapters.usage_ledger import UsageLedger

__all__ = ["register", "run", "serve"]

_UPSTREAM_CONNECTIONS = 200
_EXTRA = "the gateway needs the serve extra: pip install 'brickgate[serve]'"

PortOption = Annotated[int, typer.Option("--port", help="TCP port to listen on.")]
UsageDbOption = Annotated[
    Path | None, typer.Option("--usage-db", help="Usage ledger (SQLite) file.")
]
NoUsageOption = Annotated[bool, typer.Option("--no-usage", help="Keep no usage ledger.")]
ModelOption = Annotated[
    str | None, typer.Option("--model", help="Model named in the env lines for agents.")
]
ProfileOption = Annotated[str | None, typer.Option("--profile", "-p", help="Credential profile.")]


def _imports() -> Any:
    try:
        import brickgate.serve.server as server
    except ImportError as error:
        from brickgate.domain.errors import ConfigurationError

        raise ConfigurationError(f"{_EXTRA} ({error.name} is missing)") from None
    return server


def _run_loop(coroutine: Any) -> Any:
    """Run ``coroutine`` on uvloop when it is installed (the serve extra), else asyncio."""
    try:
        import uvloop
    except ImportError:
        import asyncio

        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def _ledger(usage_db: Path | None, no_usage: bool) -> UsageLedger | None:
    from brickgate.adapters.usage_ledger import UsageLedger, default_ledger_path

    return None if no_usage else UsageLedger(usage_db or default_ledger_path())


async def _serve(
    state: CliState,
    profile: str | None,
    server_module: Any,
    sock: Any,
    key: str,
    hosts: frozenset[str],
    ledger: UsageLedger | None,
    cors: tuple[str, ...],
    max_body: int,
    announce: Any,
    command: list[str] | None,
    model: str | None,
) -> int:
    from brickgate.serve.app import GatewayOptions, create_app
    from brickgate.services.gateway import GatewayService

    _, container = state.connect(profile=profile)
    pool: Any = container.async_http_client
    pool.add_kwargs(
        max_connections=_UPSTREAM_CONNECTIONS, max_keepalive_connections=_UPSTREAM_CONNECTIONS
    )
    session = container.async_session()
    gateway = GatewayService(session.services.chat)
    options = GatewayOptions(key, hosts, max_body=max_body, cors_origins=cors)
    app = create_app(gateway, options, ledger=ledger)
    server = server_module.GatewayServer(app, sock)
    try:
        if command:
            env = server_module.client_env(server.url, key, model=model)
            return int(await server_module.run_command(server, command, env))
        announce(server.url)
        undo = server_module.install_stop_signals(server)
        try:
            await server.serve()
        finally:
            undo()
        return 0
    finally:
        await session.aclose()
        if ledger is not None:
            ledger.close()


def serve(
    ctx: typer.Context,
    port: PortOption = 8787,
    host: Annotated[
        str, typer.Option("--bind", help="Address to bind (127.0.0.1 by default).")
    ] = "127.0.0.1",
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote", help="Allow a non-loopback --bind address (needs --key-env)."
        ),
    ] = False,
    key_env: Annotated[
        str | None, typer.Option("--key-env", help="Take the local key from this variable.")
    ] = None,
    profile: ProfileOption = None,
    usage_db: UsageDbOption = None,
    no_usage: NoUsageOption = False,
    print_env: Annotated[
        str | None,
        typer.Option("--print-env", help="Print env lines for claude|codex|opencode|aider, exit."),
    ] = None,
    model: ModelOption = None,
    cors_origin: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="Allow this browser origin (CORS).")
    ] = None,
    allow_host: Annotated[
        list[str] | None, typer.Option("--allow-host", help="Also accept this Host header name.")
    ] = None,
    max_body_mb: Annotated[
        int, typer.Option("--max-body-mb", help="Largest request body, in MiB.")
    ] = 32,
) -> None:
    """Serve an OpenAI- and Anthropic-compatible gateway to Databricks on this machine."""
    state: CliState = ctx.obj
    server_module = _imports()
    from brickgate.serve.keys import default_key_path, key_from_env, load_or_create_key

    key = key_from_env(key_env) if key_env else load_or_create_key(default_key_path())
    if print_env is not None:
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}"  # noqa: S104
        for line in server_module.print_env_lines(print_env, url, key, model=model):
            sys.stdout.write(line + "\n")
        return
    server_module.check_bind(host, allow_remote=allow_remote, key_given=key_env is not None)
    sock = server_module.bind_socket(host, port)
    hosts = server_module.allowed_hosts(host, sock.getsockname()[1], allow_host or ())
    ledger = _ledger(usage_db, no_usage)

    def announce(url: str) -> None:
        out = state.out
        out.print(f"brickgate gateway on [bold]{url}[/bold]  (Ctrl-C stops it)")
        out.print(f"  OpenAI:    OPENAI_BASE_URL={url}/v1  OPENAI_API_KEY={key}")
        out.print(f"  Anthropic: ANTHROPIC_BASE_URL={url}  ANTHROPIC_AUTH_TOKEN={key}")
        out.print("  Tools: brickgate serve --print-env claude|codex|opencode|aider")
        if ledger is not None:
            out.print(f"  Usage ledger: {ledger.path}  (brickgate usage)")
        sys.stdout.flush()

    _run_loop(
        _serve(
            state,
            profile,
            server_module,
            sock,
            key,
            hosts,
            ledger,
            tuple(cors_origin or ()),
            max_body_mb * 1024 * 1024,
            announce,
            None,
            model,
        )
    )


def run(
    ctx: typer.Context,
    command: Annotated[list[str], typer.Argument(help="The command to run, after --.")],
    profile: ProfileOption = None,
    usage_db: UsageDbOption = None,
    no_usage: NoUsageOption = False,
    model: ModelOption = None,
) -> None:
    """Run COMMAND with a private gateway and OPENAI_*/ANTHROPIC_* pointing at it."""
    state: CliState = ctx.obj
    server_module = _imports()
    from brickgate.serve.keys import new_key

    key = new_key()
    sock = server_module.bind_socket(server_module.LOOPBACK, 0)
    hosts = server_module.allowed_hosts(server_module.LOOPBACK, sock.getsockname()[1])
    ledger = _ledger(usage_db, no_usage)
    status = _run_loop(
        _serve(
            state,
            profile,
            server_module,
            sock,
            key,
            hosts,
            ledger,
            (),
            32 * 1024 * 1024,
            None,
            list(command),
            model,
        )
    )
    raise typer.Exit(status)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``run`` to ``app``."""
    from brickgate.cli.options import FlagHelpCommand

    app.command(cls=FlagHelpCommand)(serve)
    app.command(
        cls=FlagHelpCommand,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(run)
