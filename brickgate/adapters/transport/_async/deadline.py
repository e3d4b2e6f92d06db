"""An httpcore network backend whose every connect, read and write obeys the call's deadline."""

from __future__ import annotations

from typing import Any

from brickgate.adapters.transport.deadline import capped, core_module


class AsyncDeadlineStream:
    """A network stream whose reads and writes wait at most until the deadline."""

    __slots__ = ("_inner", "_module")

    def __init__(self, inner: Any, module: Any) -> None:
        self._inner = inner
        self._module = module

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """At most ``max_bytes``; the httpcore ``ReadTimeout`` once the deadline passed."""
        data: bytes = await self._inner.read(
            max_bytes, capped(timeout, self._module, "ReadTimeout")
        )
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send ``buffer``; the httpcore ``WriteTimeout`` once the deadline passed."""
        await self._inner.write(buffer, capped(timeout, self._module, "WriteTimeout"))

    async def aclose(self) -> None:
        """Close the connection."""
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> AsyncDeadlineStream:
        """The TLS stream over this one, under the same deadline."""
        stream = await self._inner.start_tls(
            ssl_context, server_hostname, capped(timeout, self._module, "ConnectTimeout")
        )
        return AsyncDeadlineStream(stream, self._module)

    def get_extra_info(self, info: str) -> Any:
        """What the wrapped stream says about ``info``."""
        return self._inner.get_extra_info(info)


class AsyncDeadlineBackend:
    """Wraps an httpcore network backend; its streams obey the deadline (see ``deadline``)."""

    __slots__ = ("_inner", "_module")

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._module = core_module(inner)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> AsyncDeadlineStream:
        """A TCP connection opened within the deadline."""
        stream = await self._inner.connect_tcp(
            host,
            port,
            timeout=capped(timeout, self._module, "ConnectTimeout"),
            local_address=local_address,
            socket_options=socket_options,
        )
        return AsyncDeadlineStream(stream, self._module)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> AsyncDeadlineStream:
        """A Unix socket connection opened within the deadline."""
        stream = await self._inner.connect_unix_socket(
            path,
            timeout=capped(timeout, self._module, "ConnectTimeout"),
            socket_options=socket_options,
        )
        return AsyncDeadlineStream(stream, self._module)

    async def sleep(self, seconds: float) -> None:
        """Sleep as the wrapped backend does."""
        await self._inner.sleep(seconds)
