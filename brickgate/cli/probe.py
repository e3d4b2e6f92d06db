"""A local server written without ``http://`` is reached over https; say so before waiting."""

from __future__ import annotations

import socket

from brickgate.domain.errors import InvalidHostError
from brickgate.domain.hosts import WorkspaceHost

PROBE_TIMEOUT = 2.0
_READ_LIMIT = 1024
_REQUEST = b"HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n"


def speaks_plain_http(name: str, port: int, *, timeout: float = PROBE_TIMEOUT) -> bool:
    """True when the server at ``name:port`` answers a plain-text HTTP request in plain text.

    Sends no credential. Reads at most 1 KiB within ``timeout`` seconds; any failure to
    connect or read counts as "no" (the real request will report it). An https server that
    answers plain text with "sent to HTTPS port" (nginx does) counts as "no" too.
    """
    try:
        with socket.create_connection((name, port), timeout=timeout) as connection:
            connection.settimeout(timeout)
            connection.sendall(_REQUEST)
            answer = connection.recv(_READ_LIMIT)
    except OSError:
        return False
    return answer.startswith(b"HTTP/") and b"https" not in answer.lower()


def refuse_plain_http(host: WorkspaceHost) -> None:
    """Raise ``InvalidHostError`` at once when a trusted loopback https host speaks plain http.

    Only a trusted loopback host with its own port is probed (a local server whose host was
    written without a scheme); any other host returns without any network use.
    """
    if host.scheme != "https" or host.port is None or not host.is_loopback:
        return
    name = host.name
    if speaks_plain_http(name, host.port):
        plain = f"http://{_bracketed(name)}:{host.port}"
        raise InvalidHostError(
            f"the server at {host.url} speaks plain http, not https; write the host as {plain} "
            "(plain http is allowed for a trusted loopback address)",
        )


def _bracketed(name: str) -> str:
    return f"[{name}]" if ":" in name else name
