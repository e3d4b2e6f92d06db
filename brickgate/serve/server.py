"""Running the gateway: bind checks, uvicorn on a socket, clean stops, and ``run -- COMMAND``."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import signal
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import uvicorn

from brickgate.domain.errors import ConfigurationError

__all__ = [
    "LOOPBACK",
    "GatewayServer",
    "allowed_hosts",
    "bind_socket",
    "check_bind",
    "client_env",
    "is_loopback",
    "print_env_lines",
    "run_command",
]

LOOPBACK = "127.0.0.1"
TOOLS = ("claude", "codex", "opencode", "aider")
DEFAULT_CHAT_MODEL = "databricks-claude-sonnet-4-5"
DEFAULT_FAST_MODEL = "databricks-claude-haiku-4-5"
DEFAULT_CODEX_MODEL = "databricks-gpt-5-1-codex-max"
_FORWARDED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, *, allow_remote: bool, key_given: bool) -> None:
    """Refuse (``ConfigurationError``) a non-loopback ``host`` without ``--allow-remote`` or
    without a key given explicitly (``--key-env``): a remote gateway spends your Databricks
    credentials for whoever can reach it."""
    if is_loopback(host):
        return
    if not allow_remote:
        raise ConfigurationError(
            f"--bind {host} is reachable from other machines; the gateway binds {LOOPBACK} "
            "unless you add --allow-remote (and a key with --key-env)"
        )
    if not key_given:
        raise ConfigurationError(
            f"--bind {host} with --allow-remote needs a key given with --key-env NAME; the "
            "gateway refuses to serve other machines without one"
        )


def allowed_hosts(host: str, port: int, extra: Sequence[str] = ()) -> frozenset[str]:
    """The ``Host`` header values the gateway accepts: the bound address (and ``localhost``
    names on loopback), with and without the port, plus ``extra`` names."""
    names = {host.lower()}
    if is_loopback(host):
        names |= {"localhost", LOOPBACK, "[::1]"}
    names |= {name.lower() for name in extra}
    return frozenset(n for name in names for n in (name, f"{name}:{port}"))


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port=0``: a free one); ``ConfigurationError``
    when the address cannot be bound.

    It is made with ``IPPROTO_TCP`` so that asyncio sets ``TCP_NODELAY`` on every accepted
    connection (without it a reply written in two parts waits ~40 ms for a delayed ACK).
    """
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        raise ConfigurationError(
            f"cannot listen on {host}:{port} ({error.strerror or error}); choose another --port"
        ) from None
    sock.setblocking(False)
    return sock


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the runner decides what a signal means."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class GatewayServer:
    """uvicorn serving ``app`` on ``sock``; ``stop()`` lets in-flight requests finish (up to
    ``grace`` seconds, then they are cancelled, closing their upstream streams)."""

    def __init__(self, app: Any, sock: socket.socket, *, grace: float = 10.0) -> None:
        self.sock = sock
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
            date_header=False,
            timeout_graceful_shutdown=round(grace),
            limit_concurrency=4096,
        )
        self._server = _QuietServer(config)

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` of the socket."""
        host, port = self.sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def started(self) -> bool:
        """True once the server accepts connections."""
        return bool(self._server.started)

    async def serve(self) -> None:
        """Serve until ``stop()``."""
        await self._server.serve(sockets=[self.sock])

    def stop(self, *, force: bool = False) -> None:
        """Ask the server to stop (gracefully, or at once with ``force``)."""
        self._server.should_exit = True
        if force:
            self._server.force_exit = True


def install_stop_signals(server: GatewayServer) -> Callable[[], None]:
    """SIGINT/SIGTERM stop ``server`` (a second one forces it); returns the undo."""
    loop = asyncio.get_running_loop()
    names = ("SIGINT", "SIGTERM")

    def stop() -> None:
        server.stop(force=server._server.should_exit)

    installed = []
    for name in names:
        number = getattr(signal, name, None)
        if number is None:
            continue
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, stop)
            installed.append(number)

    def undo() -> None:
        for number in installed:
            loop.remove_signal_handler(number)

    return undo


def client_env(url: str, key: str, *, model: str | None = None) -> dict[str, str]:
    """The variables that point the openai and anthropic SDKs and common agents at ``url``."""
    chat_model = model or DEFAULT_CHAT_MODEL
    return {
        "OPENAI_BASE_URL": f"{url}/v1",
        "OPENAI_API_BASE": f"{url}/v1",
        "OPENAI_API_KEY": key,
        "ANTHROPIC_BASE_URL": url,
        "ANTHROPIC_AUTH_TOKEN": key,
        "ANTHROPIC_MODEL": chat_model,
        "ANTHROPIC_DEFAULT_SONNET_MODEL": chat_model,
        "ANTHROPIC_DEFAULT_OPUS_MODEL": chat_model,
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": DEFAULT_FAST_MODEL,
        "ANTHROPIC_SMALL_FAST_MODEL": DEFAULT_FAST_MODEL,
        "BRICKGATE_GATEWAY_URL": url,
    }


def print_env_lines(tool: str, url: str, key: str, *, model: str | None = None) -> list[str]:
    """Shell lines to paste to point ``tool`` (claude, codex, opencode, aider) at ``url``.

    Raises ``ConfigurationError`` for another tool.
    """
    if tool == "claude":
        env = client_env(url, key, model=model)
        names = (
            "ANTHROPIC_BASE_URL",
            "ANTHROPIC_AUTH_TOKEN",
            "ANTHROPIC_MODEL",
            "ANTHROPIC_DEFAULT_SONNET_MODEL",
            "ANTHROPIC_DEFAULT_OPUS_MODEL",
            "ANTHROPIC_DEFAULT_HAIKU_MODEL",
            "ANTHROPIC_SMALL_FAST_MODEL",
        )
        return [f"export {name}={env[name]}" for name in names]
    chosen = model or (DEFAULT_CODEX_MODEL if tool == "codex" else DEFAULT_CHAT_MODEL)
    if tool == "codex":
        return [
            f"export OPENAI_BASE_URL={url}/v1",
            f"export OPENAI_API_KEY={key}",
            f"# then: codex -m {chosen}",
        ]
    if tool == "opencode":
        return [
            f"export OPENAI_BASE_URL={url}/v1",
            f"export OPENAI_API_KEY={key}",
            f"# then: opencode --model openai/{chosen}",
        ]
    if tool == "aider":
        return [
            f"export OPENAI_API_BASE={url}/v1",
            f"export OPENAI_API_KEY={key}",
            f"export AIDER_MODEL=openai/{chosen}",
        ]
    raise ConfigurationError(f"--print-env {tool!r}: choose one of {', '.join(TOOLS)}")


async def run_command(server: GatewayServer, argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Serve while ``argv`` runs with ``env`` added; signals go to the command; its exit status
    is returned (128 + N when a signal ended it). The server then stops."""
    serving = asyncio.ensure_future(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
            raise ConfigurationError("the gateway stopped before it started")
        await asyncio.sleep(0.01)
    try:
        child = await asyncio.create_subprocess_exec(*argv, env={**os.environ, **env})
    except OSError as error:
        server.stop(force=True)
        await serving
        raise ConfigurationError(f"cannot run {argv[0]!r}: {error.strerror or error}") from None
    loop = asyncio.get_running_loop()
    installed = []
    for name in _FORWARDED_SIGNALS:
        number = getattr(signal, name, None)
        if number is None:
            continue
        with contextlib.suppress(NotImplementedError, RuntimeError, ProcessLookupError):
            loop.add_signal_handler(number, child.send_signal, number)
            installed.append(number)
    try:
        status = await child.wait()
    finally:
        for number in installed:
            loop.remove_signal_handler(number)
        server.stop()
        await serving
    return 128 - status if status < 0 else status
