"""The loopback redirect server of a browser login: 127.0.0.1 only, one answer with our state."""

from __future__ import annotations

import http.server
import socketserver
import time
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from brickgate.domain.credentials import Secret
from brickgate.domain.errors import (
    AuthenticationError,
    CredentialSourceError,
    InvalidCredentialError,
)
from brickgate.domain.tool_tokens import scrubbed

SOURCE = "external-browser"
DEFAULT_PORTS = range(8020, 8041)
_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>brickgate login</title></head>"
    "<body style='font-family:sans-serif'><h1>{title}</h1><p>{text}</p></body></html>"
)

__all__ = ["DEFAULT_PORTS", "LoopbackRedirect"]


class _Server(socketserver.TCPServer):
    allow_reuse_address = False
    expected_state = ""
    outcome: Secret | Exception | None = None

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore a broken or silent connection (no traceback on stderr); keep waiting."""


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    timeout = 10

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        state, code, error = (query.get(key, [""])[0] for key in ("state", "code", "error"))
        if not state:
            self._answer(404, "Nothing here", "This address only receives a login redirect.")
            return
        if state != self.server.expected_state:
            self.server.outcome = CredentialSourceError(
                SOURCE,
                "the login redirect carried a different state than the one brickgate sent, so "
                "it was refused and nothing was stored; run the browser login again",
            )
            self._answer(400, "Login refused", "The state did not match; nothing was stored.")
            return
        if error or not code:
            reason = scrubbed(query.get("error_description", [error or "no code"])[0])
            self.server.outcome = AuthenticationError(
                f"the workspace refused the browser login: {reason}", status=401
            )
            self._answer(400, "Login refused", "The workspace refused the login.")
            return
        try:
            self.server.outcome = Secret(code, what="authorization code")
        except InvalidCredentialError as invalid:
            self.server.outcome = CredentialSourceError(SOURCE, str(invalid))
        self._answer(200, "Logged in", "brickgate is logged in. You can close this tab.")

    def _answer(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=title, text=text).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing: the request line carries the authorization code."""


class LoopbackRedirect:
    """Listens on 127.0.0.1 at the first free port of ``ports`` (0: any) for the login redirect.

    ``redirect_uri`` is ``http://localhost:<port>``. ``wait(timeout)`` serves requests until
    one carries a ``state``: with ours and a ``code`` it returns the code (a ``Secret``); with
    another state it raises ``CredentialSourceError`` (refused, nothing stored); with an
    ``error`` it raises ``AuthenticationError``. Other requests get a 404. After ``timeout``
    seconds it raises ``CredentialSourceError``. Binding fails with ``CredentialSourceError``
    when no port is free. ``close()`` stops listening (idempotent).
    """

    def __init__(self, state: str, ports: Iterable[int] = DEFAULT_PORTS) -> None:
        tried: list[int] = []
        for port in ports:
            try:
                server = _Server(("127.0.0.1", port), _Handler)
            except OSError:
                tried.append(port)
                continue
            break
        else:
            shown = f"{tried[0]}-{tried[-1]}" if tried else "none given"
            raise CredentialSourceError(
                SOURCE,
                f"no free local port for the login redirect (tried {shown}); "
                "close what uses them and run the login again",
            )
        server.expected_state = state
        self._server = server
        self.port: int = server.server_address[1]
        self.redirect_uri = f"http://localhost:{self.port}"

    def wait(self, timeout: float) -> Secret:
        """The authorization code from the redirect (see the class docstring)."""
        deadline = time.monotonic() + timeout
        server = self._server
        try:
            while server.outcome is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CredentialSourceError(
                        SOURCE,
                        f"no login redirect arrived within {timeout:g} s; nothing was stored. "
                        "Run the browser login again and approve it in the browser",
                    )
                server.timeout = remaining
                server.handle_request()
        finally:
            self.close()
        outcome = server.outcome
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def close(self) -> None:
        """Stop listening."""
        self._server.server_close()
