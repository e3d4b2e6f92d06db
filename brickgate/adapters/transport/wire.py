"""What both HTTP drivers share: timeouts, client construction and error translation."""

from __future__ import annotations

import base64
import os
import ssl
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import certifi

from brickgate._version import __version__
from brickgate.adapters.transport import log_scrub
from brickgate.adapters.transport.backends import HttpBackend, backend_of, is_timeout, load_backend
from brickgate.adapters.transport.deadline import install_deadlines
from brickgate.domain.calls import BasicAuth, WireAuth
from brickgate.domain.errors import (
    ConfigurationError,
    ConnectError,
    RemoteError,
    ResponseTooLargeError,
    StreamError,
    TimeoutError,
    TransportError,
)

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"brickgate/{__version__}"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Default timeouts in seconds: ``connect``, ``read`` (a whole reply: connect, headers and
    the whole body, one deadline) and ``stream_idle`` (the longest wait for a stream's headers,
    then for each next data event; comments and keep-alives do not count)."""

    connect: float = 10.0
    read: float = 300.0
    stream_idle: float = 60.0

    def for_call(self, timeout: float | None, *, stream: bool) -> dict[str, float]:
        """The httpx timeout extension for one call; ``timeout`` overrides the default."""
        wait = timeout
        if wait is None:
            wait = self.stream_idle if stream else self.read
        return {"connect": min(self.connect, wait), "read": wait, "write": wait, "pool": wait}


DEFAULT_TIMEOUTS = Timeouts()

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits on what a server sends: ``body`` (bytes of a whole reply, counted after
    decompression), ``event`` (bytes of one streamed event, comments included) and
    ``compression_ratio`` (decoded bytes per received byte past the first MiB)."""

    body: int = 64 * MiB
    event: int = 16 * MiB
    compression_ratio: float = 200.0

    def body_too_large(self, what: str) -> ResponseTooLargeError:
        """The error for a reply to ``what`` larger than ``body``."""
        return ResponseTooLargeError(
            f"the answer to {what} is larger than the {_size(self.body)} limit; raise "
            "BRICKGATE_MAX_RESPONSE_BYTES if such replies are expected",
            limit=self.body,
            setting="BRICKGATE_MAX_RESPONSE_BYTES",
        )

    def event_too_large(self) -> ResponseTooLargeError:
        """The error for a streamed event larger than ``event``."""
        return ResponseTooLargeError(
            f"a streamed event is larger than the {_size(self.event)} limit (or the server "
            "sent that much without a data event); raise BRICKGATE_MAX_EVENT_BYTES if such "
            "events are expected",
            limit=self.event,
            setting="BRICKGATE_MAX_EVENT_BYTES",
        )

    def bomb(self, what: str) -> ResponseTooLargeError:
        """The error for a compressed reply to ``what`` expanding past ``compression_ratio``."""
        return ResponseTooLargeError(
            f"the compressed answer to {what} expands more than {self.compression_ratio:g} "
            "times (a compression bomb?); raise BRICKGATE_MAX_COMPRESSION_RATIO if such "
            "replies are expected",
            limit=self.compression_ratio,
            setting="BRICKGATE_MAX_COMPRESSION_RATIO",
        )


DEFAULT_LIMITS = Limits()


def _size(count: int) -> str:
    return f"{count / MiB:g} MiB" if count >= MiB else f"{count} bytes"


def translated_error(exc: Exception, what: str) -> RemoteError:
    """The brickgate error for an HTTP library exception raised while ``what`` was sent.

    The message names the exception but keeps nothing of the request (no headers): raise it
    ``from None`` so the original, which holds the request, is not reachable.
    """
    name = type(exc).__name__
    if is_timeout(exc):
        return TimeoutError(
            f"{what} timed out ({name}); the workspace may be busy: retry, or raise the timeout"
        )
    backend = backend_of(exc)
    if isinstance(exc, backend.stream_error):
        return StreamError(f"{what} failed: {name}: {exc}")
    if isinstance(exc, backend.module.ConnectError):
        return ConnectError(
            f"{what} failed: could not connect ({name}: {exc}); check the host and the network"
        )
    return TransportError(f"{what} failed: {name}: {exc}")


def translated_stream_error(exc: Exception) -> RemoteError:
    """The brickgate error for an HTTP library exception raised while reading a stream's body."""
    if is_timeout(exc):
        return TimeoutError(
            "the stream went idle: no data arrived within the read timeout; retry, or raise the "
            "timeout"
        )
    return StreamError(
        f"the stream broke before [DONE] ({type(exc).__name__}: {exc}); retry the request"
    )


def reads_raw(response: httpx.Response) -> bool:
    """True when ``response``'s body is still unread and has no content encoding.

    Its raw bytes are then its content, and ``iter_raw`` skips httpx's decoder layers.
    """
    if response.is_stream_consumed:
        return False
    encoding = response.headers.get("content-encoding")
    return encoding is None or encoding.strip().lower() in ("", "identity")


def build_http_client(
    *,
    asynchronous: bool = False,
    verify: bool | str | ssl.SSLContext = True,
    proxy: str | None = None,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    max_connections: int = 100,
    max_keepalive_connections: int = 20,
    backend: str = "httpx",
) -> Any:
    """A new ``httpx.Client`` (``httpx.AsyncClient`` when ``asynchronous``): shared TLS context,
    no redirects, brickgate's user agent.

    ``backend="httpx2"`` makes the httpx2 class instead (same API); ``"auto"`` does so for an
    asynchronous client when httpx2 is installed (see ``backends.load_backend``). Its network
    backend is wrapped so every connect, read and write obeys the driver's per-call deadline (see
    ``deadline``), and the HTTP libraries' loggers get the filter that scrubs the call's
    secrets (``log_scrub``); clients made elsewhere keep httpx's per-read timeouts only.
    Proxy and CA settings come from the usual environment variables (``HTTPS_PROXY``,
    ``NO_PROXY``, ``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``...) unless given explicitly. Raises
    ``ConfigurationError`` when the CA bundle cannot be loaded, or for a backend that is unknown
    or not installed.
    """
    chosen = load_backend(backend, asynchronous=asynchronous)
    factory = chosen.async_client if asynchronous else chosen.client
    client = factory(
        **client_options(
            backend=chosen,
            verify=verify,
            proxy=proxy,
            timeouts=timeouts,
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
        )
    )
    log_scrub.install()
    return install_deadlines(client, asynchronous=asynchronous)


def ssl_context(verify: bool | str | ssl.SSLContext = True) -> ssl.SSLContext:
    """The TLS context for ``verify``, shared by every client that asks for the same one.

    ``True`` uses ``SSL_CERT_FILE``/``SSL_CERT_DIR`` or ``REQUESTS_CA_BUNDLE`` when set, else
    certifi's bundle; a string is a CA bundle file or directory; ``False`` turns verification off;
    an ``ssl.SSLContext`` is used as given. Loading CA certificates is the slow part of making
    an HTTP client, so each distinct context is built once per process.
    """
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        return _unverified_context()
    if isinstance(verify, str):
        return _verified_context(*_ca_location(verify))
    cafile = os.environ.get("SSL_CERT_FILE") or os.environ.get("REQUESTS_CA_BUNDLE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    return _verified_context(cafile, capath)


def _ca_location(path: str) -> tuple[str | None, str | None]:
    return (None, path) if os.path.isdir(path) else (path, None)


@lru_cache(maxsize=8)
def _verified_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    if cafile is None and capath is None:
        cafile = certifi.where()
    try:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"cannot load the CA certificates at {cafile or capath!r} ({exc}); check "
            "SSL_CERT_FILE, SSL_CERT_DIR, REQUESTS_CA_BUNDLE or the verify option"
        ) from exc


@lru_cache(maxsize=1)
def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def client_options(
    *,
    backend: HttpBackend,
    verify: bool | str | ssl.SSLContext,
    proxy: str | None,
    timeouts: Timeouts,
    max_connections: int,
    max_keepalive_connections: int,
) -> dict[str, Any]:
    """Keyword arguments for a sync or async client of ``backend`` (httpx or httpx2)."""
    return {
        "verify": ssl_context(verify),
        "proxy": proxy,
        "trust_env": True,
        "follow_redirects": False,
        "timeout": backend.timeout(timeouts.read, connect=timeouts.connect),
        "limits": backend.limits(
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
        ),
        "headers": {"user-agent": USER_AGENT},
    }


def path_segment(value: str) -> str:
    """``value`` percent-encoded as one path segment; ``.`` and ``..`` too (a URL parser would
    otherwise resolve them and change the path)."""
    if value in (".", ".."):
        return "%2E" * len(value)
    return quote(value, safe="")


def authorization_header(auth: WireAuth) -> str:
    """The ``Authorization`` header value for ``auth``."""
    if isinstance(auth, BasicAuth):
        pair = f"{auth.user}:{auth.password.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    return "Bearer " + auth.token.get_secret_value()


def secrets_on_the_wire(auth: WireAuth | None) -> tuple[str, ...]:
    """The secret values ``auth`` puts on the wire, to scrub from what a server sends back."""
    if auth is None:
        return ()
    if isinstance(auth, BasicAuth):
        header = authorization_header(auth)
        return (auth.password.get_secret_value(), header.removeprefix("Basic "))
    return (auth.token.get_secret_value(),)
