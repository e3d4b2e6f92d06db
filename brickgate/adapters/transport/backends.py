"""The HTTP client libraries the transports run on: httpx, or its fork httpx2 when installed."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Literal, cast

from brickgate.domain.errors import ConfigurationError

if TYPE_CHECKING:
    import httpx

BackendName = Literal["httpx", "httpx2"]
AUTO = "auto"
"""The default choice: httpx2 for asyncio clients when it is installed, httpx otherwise."""


@dataclass(frozen=True, slots=True)
class HttpBackend:
    """One httpx-compatible library: the classes the transports build and the errors they catch.

    httpx2 has httpx's API with classes of its own; its classes are typed here as their httpx
    twins, which describe them exactly.
    """

    name: BackendName
    module: ModuleType
    request: type[httpx.Request]
    url: type[httpx.URL]
    headers: type[httpx.Headers]
    auth: type[httpx.Auth]
    client: type[httpx.Client]
    async_client: type[httpx.AsyncClient]
    timeout: type[httpx.Timeout]
    limits: type[httpx.Limits]
    errors: tuple[type[Exception], ...]
    """Everything a request can raise that brickgate translates (see ``http_core``)."""
    stream_read_errors: tuple[type[Exception], ...]
    """What reading a streamed body can raise."""
    timeout_error: type[Exception]
    stream_error: type[Exception]
    """Misuse of a response's body (read twice, closed): not an ``HTTPError``."""


@lru_cache(maxsize=4)
def _backend_from(name: BackendName, module: ModuleType) -> HttpBackend:
    return HttpBackend(
        name=name,
        module=module,
        request=cast("type[httpx.Request]", module.Request),
        url=cast("type[httpx.URL]", module.URL),
        headers=cast("type[httpx.Headers]", module.Headers),
        auth=cast("type[httpx.Auth]", module.Auth),
        client=cast("type[httpx.Client]", module.Client),
        async_client=cast("type[httpx.AsyncClient]", module.AsyncClient),
        timeout=cast("type[httpx.Timeout]", module.Timeout),
        limits=cast("type[httpx.Limits]", module.Limits),
        errors=(module.HTTPError, module.InvalidURL, module.StreamError),
        stream_read_errors=(module.HTTPError, module.StreamError),
        timeout_error=module.TimeoutException,
        stream_error=module.StreamError,
    )


def httpx_backend() -> HttpBackend:
    """The httpx backend (the default), importing httpx on first use."""
    return _backend_from("httpx", importlib.import_module("httpx"))


def load_backend(name: str, *, asynchronous: bool = False) -> HttpBackend:
    """The backend called ``name`` (``"auto"``, ``"httpx"`` or ``"httpx2"``), importing httpx2
    on first use.

    ``"auto"`` gives httpx2 to an ``asynchronous`` client when httpx2 is installed (its pool
    keeps its cost per request flat with many requests in flight, where httpx 0.28's grows
    with the number of connections), and httpx otherwise. Raises ``ConfigurationError`` for
    an unknown name, or for ``httpx2`` when it is not installed (with the command that
    installs it).
    """
    if name == "httpx":
        return httpx_backend()
    if name == "httpx2":
        return _httpx2()
    if name == AUTO:
        return _installed_httpx2() if asynchronous else httpx_backend()
    raise ConfigurationError(
        f"unknown HTTP backend {name!r}; use 'auto', 'httpx' or 'httpx2' (BRICKGATE_HTTP_BACKEND)"
    )


def _installed_httpx2() -> HttpBackend:
    try:
        return _httpx2()
    except ConfigurationError:
        return httpx_backend()


def _httpx2() -> HttpBackend:
    try:
        module = importlib.import_module("httpx2")
    except ImportError as exc:
        raise ConfigurationError(
            "the httpx2 HTTP backend was chosen (BRICKGATE_HTTP_BACKEND=httpx2) but the httpx2 "
            "package is not installed; run: pip install 'brickgate[httpx2]', or unset "
            "BRICKGATE_HTTP_BACKEND to use httpx"
        ) from exc
    return _backend_from("httpx2", module)


def backend_of(thing: object) -> HttpBackend:
    """The backend whose library made ``thing`` (a client, request, response or exception).

    Anything that is not an httpx2 object (a test double included) gets httpx.
    """
    httpx2 = _loaded("httpx2")
    if httpx2 is not None:
        for cls in type(thing).__mro__:
            if cls.__module__.partition(".")[0] == "httpx2":
                return httpx2
    return httpx_backend()


def request_errors() -> tuple[type[Exception], ...]:
    """The exceptions of every loaded backend that a request can raise and brickgate translates."""
    return tuple(error for backend in _loaded_backends() for error in backend.errors)


def stream_read_errors() -> tuple[type[Exception], ...]:
    """The exceptions of every loaded backend that reading a streamed body can raise."""
    return tuple(error for backend in _loaded_backends() for error in backend.stream_read_errors)


def _loaded_backends() -> tuple[HttpBackend, ...]:
    """The backends whose library something has imported already (never imports one)."""
    return tuple(b for b in (_loaded("httpx"), _loaded("httpx2")) if b is not None)


def _loaded(name: BackendName) -> HttpBackend | None:
    module = sys.modules.get(name)
    return None if module is None else _backend_from(name, module)


def is_timeout(exc: BaseException) -> bool:
    """True when ``exc`` is a timeout of the backend that raised it."""
    return isinstance(exc, backend_of(exc).timeout_error)
