"""Errors as the command line shows them: one line with the cause and a hint, an exit code."""

from __future__ import annotations

from brickgate.domain.errors import (
    ApiError,
    AuthenticationError,
    BrickgateError,
    ConfigurationError,
    NoCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RemoteError,
    StreamError,
    TimeoutError,
    TransportError,
    UnknownProfileError,
)
from brickgate.domain.redaction import looks_like_secret, redact, shown_name

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_REMOTE = 5
EXIT_INTERRUPTED = 130


def exit_code(error: BaseException) -> int:
    """The exit code for ``error``: 2 configuration, 3 auth, 4 not found, 5 remote, 130 Ctrl-C."""
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, ConfigurationError):
        return EXIT_USAGE
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return EXIT_AUTH
    if isinstance(error, NotFoundError):
        return EXIT_NOT_FOUND
    if isinstance(error, RemoteError):
        return EXIT_REMOTE
    return EXIT_FAILURE


def one_line(error: BaseException, *, profile: str | None = None) -> str:
    """``error: <cause>; hint: <what to do>`` on a single line, with no secret in it.

    The line goes through ``brickgate.domain.redaction.redact`` (registered secrets and
    secret-shaped strings), and a profile name that looks like a token is not shown.
    """
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    if not isinstance(error, BrickgateError):
        return (
            f"error: unexpected {type(error).__name__}; "
            "hint: rerun with --debug for the traceback and report it"
        )
    cause = _cause(error)
    hint = _hint(error, profile)
    return redact(f"error: {cause}; hint: {hint}" if hint else f"error: {cause}")


def _cause(error: BrickgateError) -> str:
    if isinstance(error, NoCredentialsError):
        shown = [place for place in error.places if not place.startswith("arguments:")]
        places = "; ".join(shown) if shown else "every credential source"
        return f"no Databricks credentials found (looked at: {places})"
    if isinstance(error, UnknownProfileError):
        known = f" (known profiles: {', '.join(error.known)})" if error.known else ""
        return f"no profile named {shown_name(error.profile)} in any credential store{known}"
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " ".join(lines) if lines else type(error).__name__


def _login_line(profile: str | None) -> str:
    suffix = f" --profile {profile}" if profile and not looks_like_secret(profile) else ""
    return f"brickgate login{suffix}"


def _hint(error: BrickgateError, profile: str | None) -> str:
    if isinstance(error, NoCredentialsError):
        return (
            f"run `{_login_line(profile)}`, or set DATABRICKS_HOST and DATABRICKS_TOKEN; "
            "`brickgate auth status` shows every source"
        )
    if isinstance(error, UnknownProfileError):
        return f"create it with `{_login_line(error.profile)}`"
    if isinstance(error, ConfigurationError):
        return ""
    if isinstance(error, AuthenticationError):
        return (
            "the workspace refused the credentials; create a new token and run "
            f"`{_login_line(profile)}`"
        )
    if isinstance(error, PermissionDeniedError):
        return "ask a workspace admin for CAN QUERY permission on the endpoint"
    if isinstance(error, NotFoundError):
        return "check the name with `brickgate endpoints` or `brickgate models`"
    if isinstance(error, RateLimitError):
        wait = f" in {error.retry_after:g} s" if error.retry_after is not None else " later"
        return f"too many requests; try again{wait}"
    if isinstance(error, StreamError):
        return "the reply was cut off; try again (--debug shows details)"
    if isinstance(error, TimeoutError):
        return "the workspace did not answer in time; try again or raise BRICKGATE_TIMEOUT"
    if isinstance(error, TransportError):
        return "check the host and your network connection (--debug shows details)"
    if isinstance(error, ApiError):
        return "try again later; quote the request id to Databricks support if it persists"
    return ""
