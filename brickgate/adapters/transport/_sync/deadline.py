# Generated from adapters/transport/_async/deadline.py by tools/unasync.py: do not edit.
"""An httpcore network backend whose every connect, read and write obeys the call's deadline."""

from __future__ import annotations

from typing import Any

from brickgate.adapters.transport.deadline import capped, core_module


class DeadlineStream:
    """A network stream whose reads and writes wait at most until the deadline."""

    __slots__ = ("_inner", "_module")

    def __init__(self, inner: Any, module: Any) -> None:
        self._inner = inner
        self._module = module

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """At most ``max_bytes``; the httpcore ``ReadTimeout`` once the deadline passed."""
        data: bytes = self._inner.read(
            max_bytes, capped(timeout, self._module, "ReadTimeout")
        )
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send ``buffer``; the httpcore ``WriteTimeout`` once the deadline passed."""
        self._inner.write(buffer, capped(timeout, self._module, "WriteTimeout"))

    def close(self) -> None:
        """Close the connection."""
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> DeadlineStream:
        """The TLS stream over this one, under the same deadline."""
        stream = self._inner.start_tls(
            ssl_context, server_hostname, capped(timeout, self._module, "ConnectTimeout")
        )
        return DeadlineStream(stream, self._module)

    def get_extra_info(self, info: str) -> Any:
        """What the wrapped stream says about ``info``."""
        return self._inner.get_extra_info(info)


class DeadlineBackend:
    """Wraps an httpcore network backend; its streams obey the deadline (see ``deadline``)."""

    __slots__ = ("_inner", "_module")

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._module = core_module(inner)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> DeadlineStream:
        """A TCP connection opened within the deadline."""
        stream = self._inner.connect_tcp(
            host,
            port,
            timeout=capped(timeout, self._module, "ConnectTimeout"),
            local_address=local_address,
            socket_options=socket_options,
        )
        return DeadlineStream(stream, self._module)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> DeadlineStream:
        """A Unix socket connection opened within the deadline."""
        stream = self._inner.connect_unix_socket(
            path,
            timeout=capped(timeout, self._module, "ConnectTimeout"),
            socket_options=socket_options,
        )
        return DeadlineStream(stream, self._module)

    def sleep(self, seconds: float) -> None:
        """Sleep as the wrapped backend does."""
        self._inner.sleep(seconds)
