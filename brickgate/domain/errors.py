"""The one brickgate error tree.

    BrickgateError
    ├── ConfigurationError            a mistake to fix locally; nothing was sent
    │   ├── InvalidHostError          a host that is not a Databricks workspace, or unsafe
    │   ├── InvalidLoginError         a "host::token" login that cannot be used
    │   ├── InvalidCredentialError    a token/secret that is malformed (e.g. contains whitespace)
    │   ├── CredentialSourceError     a credential source that is configured but broken
    │   │   ├── SourceUnavailableError the source cannot work on this machine (no keyring backend)
    │   │   ├── CredentialStoreError  a store that cannot save or delete (unwritable file...)
    │   │   └── UnsafeFileError       a credentials file or folder refused before it was read
    │   ├── AmbiguousCredentialsError two auth methods configured and no auth type pinned
    │   ├── NoCredentialsError        no source had credentials (lists every place looked at)
    │   ├── UnknownProfileError       a named profile that no store has
    │   └── UnusableProfileError      a profile that exists but cannot be used (and why)
    └── RemoteError                   something went wrong talking to the workspace
        ├── TransportError            no usable HTTP response (connect, TLS, reset)
        │   ├── ConnectError          the connection could not be opened: nothing was sent
        │   ├── ClientClosedError     the client (or transport) was closed: nothing was sent
        │   └── TimeoutError          connect, read, stream-idle or total budget ran out
        ├── StreamError               a stream ended early or was malformed (.partial)
        ├── ResponseTooLargeError     a body, an event or its decompression passed a size limit
        └── ApiError                  the workspace answered with an error
            ├── BadRequestError       400 / INVALID_PARAMETER_VALUE, BAD_REQUEST ...
            │   ├── InvalidRequestError   caught locally, never sent (also a ConfigurationError)
            │   └── ResponsesOnlyError    the model only supports the Responses API
            ├── AuthenticationError   401 / UNAUTHENTICATED, token endpoint errors
            ├── PermissionDeniedError 403 / PERMISSION_DENIED
            ├── NotFoundError         404 / RESOURCE_DOES_NOT_EXIST, ENDPOINT_NOT_FOUND
            ├── ConflictError         409 / ALREADY_EXISTS, RESOURCE_CONFLICT
            ├── RateLimitError        429 / REQUEST_LIMIT_EXCEEDED, RESOURCE_EXHAUSTED
            └── ServerError           5xx / INTERNAL_ERROR, TEMPORARILY_UNAVAILABLE ...

Messages are written for a person: what went wrong and what to do. No error ever carries a
secret in its message or its attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from brickgate.domain.redaction import looks_like_secret, shown_name

if TYPE_CHECKING:
    from brickgate.domain.calls import Answer
    from brickgate.domain.chat import ChatResponse


class BrickgateError(Exception):
    """Base class of every error brickgate raises."""


class ConfigurationError(BrickgateError):
    """A local mistake (bad host, bad login, no credentials, unknown profile); nothing was sent."""


class InvalidHostError(ConfigurationError, ValueError):
    """A host that is unsafe or outside the Databricks workspace domains."""

    def __init__(self, reason: str, *, text: str | None = None) -> None:
        self.reason = reason
        self.text = text
        shown = f" {text!r}" if text is not None else ""
        super().__init__(f"invalid workspace host{shown}: {reason}")


class InvalidLoginError(ConfigurationError, ValueError):
    """A "host::token" login string that cannot be used (the token is never echoed)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invalid login (expected 'HOST::TOKEN'): {reason}")


class InvalidCredentialError(ConfigurationError, ValueError):
    """A token or secret that is malformed, e.g. empty or containing whitespace."""


class CredentialSourceError(ConfigurationError):
    """A credential source is configured but cannot be read (corrupt file, bad profile...)."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class SourceUnavailableError(CredentialSourceError):
    """A credential source cannot work on this machine (no keyring backend...).

    The credential chain records such a source as skipped with the reason; only an explicit use
    of it (``brickgate login --store keyring``) turns this into an error for the user.
    """


class CredentialStoreError(CredentialSourceError):
    """A credential store cannot save or delete (no keyring backend, unwritable file...)."""


class UnsafeFileError(CredentialSourceError):
    """A credentials file or its folder was refused before being read, and left as it was.

    ``path`` is the file or folder, ``problem`` what is wrong with it (a link, a FIFO, another
    owner, loose permissions, too large) and ``fix`` the command or step that makes it usable.
    """

    def __init__(self, source: str, *, path: str, problem: str, fix: str) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(source, f"{path} {problem}; brickgate will not use it. {fix}")


class AmbiguousCredentialsError(ConfigurationError):
    """More than one auth method is configured in one place and no auth type pins one."""


class NoCredentialsError(ConfigurationError):
    """No credential source had credentials; the message lists every place looked at."""

    def __init__(self, message: str, *, places: Sequence[str] = ()) -> None:
        self.places = tuple(places)
        super().__init__(message)


class UnknownProfileError(ConfigurationError):
    """A profile was named explicitly but no credential store has it.

    The message shows the name unless it looks like a token (``profile="dapi..."``).
    """

    def __init__(self, profile: str, known: Sequence[str] = ()) -> None:
        self.profile = profile
        self.known = tuple(known)
        hint = f" Known profiles: {', '.join(self.known)}." if self.known else ""
        fix = (
            "The name looks like a token, so it is not shown: pass a token as the token, "
            "not as the profile"
            if looks_like_secret(profile)
            else f"Create it with: brickgate login --profile {profile}"
        )
        shown = shown_name(profile)
        super().__init__(f"no profile named {shown} in any credential store.{hint} {fix}")


class UnusableProfileError(ConfigurationError):
    """A profile exists but cannot be used: host-only, or an auth type not supported yet.

    ``path`` is the file (or store) that holds it, ``section`` the profile's name and
    ``reason`` why it cannot be used; the message names all three and what to do.
    """

    def __init__(self, *, path: str, section: str, reason: str, fix: str = "") -> None:
        self.path = path
        self.section = section
        self.reason = reason
        advice = f" {fix}" if fix else ""
        super().__init__(f"profile {section!r} in {path} cannot be used: {reason}.{advice}")


class RemoteError(BrickgateError):
    """Something went wrong while talking to the workspace."""


class TransportError(RemoteError):
    """No usable HTTP response: the connection failed, was reset, or TLS failed."""


class ConnectError(TransportError):
    """The connection could not be opened (refused, DNS, TLS handshake): nothing was sent."""


class ClientClosedError(TransportError):
    """The client or transport was closed before this call: nothing was sent, and a retry
    cannot help (make a new client)."""


class TimeoutError(TransportError):
    """A connect, read, stream-idle or total-time budget ran out."""


class StreamError(RemoteError):
    """A streamed response ended early or was malformed.

    ``partial`` is the ``ChatResponse`` assembled from what arrived before the failure.
    """

    def __init__(self, message: str, *, partial: ChatResponse | None = None) -> None:
        self.partial = partial
        super().__init__(message)


class ResponseTooLargeError(RemoteError):
    """A response body, one streamed event, or a compressed body's expansion passed its limit.

    ``limit`` is the limit in bytes (or the ratio) and ``setting`` the ``BRICKGATE_*`` variable
    that changes it; the message names both.
    """

    def __init__(self, message: str, *, limit: float, setting: str) -> None:
        self.limit = limit
        self.setting = setting
        super().__init__(message)


class ApiError(RemoteError):
    """The workspace answered with an error status.

    ``status`` is the HTTP status, ``error_code`` the Databricks code (``RESOURCE_DOES_NOT_EXIST``)
    when the body had one, ``message`` the readable text, ``request_id`` the id to quote to support,
    ``retry_after`` the seconds the server asked to wait (``Retry-After``), when it said.
    ``native_answer`` is set only by raw pass-through calls: the refusal as received (status,
    headers without cookies, body), for a gateway to relay unchanged.
    """

    native_answer: Answer | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error_code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after
        super().__init__(self._render())

    def _render(self) -> str:
        code = f" {self.error_code}" if self.error_code else ""
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"HTTP {self.status}{code}: {self.message}{rid}"


class BadRequestError(ApiError):
    """The workspace rejected the request as invalid (400)."""


class InvalidRequestError(BadRequestError, ConfigurationError):
    """A request that cannot be made valid for the model, caught before anything was sent.

    It is a ``BadRequestError`` (status 400, error code ``BRICKGATE_INVALID_REQUEST``) so code that
    handles the server's 400s handles it too, and a ``ConfigurationError`` since nothing was sent.
    """

    def __init__(self, message: str) -> None:
        super().__init__(
            f"{message} (not sent)", status=400, error_code="BRICKGATE_INVALID_REQUEST"
        )
        self.message = message


class ResponsesOnlyError(BadRequestError):
    """The model refused Chat Completions: it only supports the Responses API (400).

    Send the request with ``protocol="responses"`` (``"auto"`` switches and remembers).
    """


class AuthenticationError(ApiError):
    """The token was missing, invalid or expired (401), or the OAuth token endpoint refused."""


class PermissionDeniedError(ApiError):
    """The identity may not use this endpoint (403)."""


class NotFoundError(ApiError):
    """No such endpoint, model or path (404 / RESOURCE_DOES_NOT_EXIST)."""


class ConflictError(ApiError):
    """The resource already exists or is in a conflicting state (409)."""


class RateLimitError(ApiError):
    """Too many requests (429 / REQUEST_LIMIT_EXCEEDED); ``retry_after`` in seconds when known."""


class ServerError(ApiError):
    """The workspace or the model behind it failed (5xx)."""
