"""Errors as the command line shows them: one line with the cause and a hint, an exit code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from brickgate.domain.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    BrickgateError,
    ConfigurationError,
    CredentialSourceError,
    InvalidHostError,
    InvalidRequestError,
    NoCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RemoteError,
    StreamError,
    TimeoutError,
    TransportError,
    UnknownProfileError,
    UnusableProfileError,
)
from brickgate.domain.redaction import looks_like_secret, redact, shown_name

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_REMOTE = 5
EXIT_INTERRUPTED = 130

_BAD_TOKEN = re.compile(
    r"(?i)invalid (access )?token|token (is |has )?(expired|invalid|revoked)|"
    r"expired token|token.{0,40}expir"
)
_LIBRARY_TRUST = re.compile(r"pass trusted_hosts=\[\.\.\.\]( or set BRICKGATE_TRUSTED_HOSTS)?")
_CLI_TRUST = "pass --trust-host HOST (or set BRICKGATE_TRUSTED_HOSTS=HOST)"
_UNTRUSTED_HOST = re.compile(r"(?i)http://|not a Databricks workspace domain|trusted_hosts|port")


@dataclass(frozen=True)
class Context:
    """What the hint may depend on: the ``--profile`` given and the command that ran."""

    profile: str | None = None
    command: str | None = None


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


def is_credential_failure(error: BaseException) -> bool:
    """True for the errors after which the CLI lists every credential source and why."""
    return isinstance(
        error,
        NoCredentialsError | UnknownProfileError | UnusableProfileError | CredentialSourceError,
    )


def one_line(
    error: BaseException, *, profile: str | None = None, command: str | None = None
) -> str:
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
    cause = cli_words(_cause(error))
    hint = _hint(error, Context(profile=profile, command=command))
    return redact(f"error: {cause}; hint: {hint}" if hint else f"error: {cause}")


def cli_words(text: str) -> str:
    """``text`` with library advice (``trusted_hosts=[...]``) put in the CLI's words."""
    return _LIBRARY_TRUST.sub(_CLI_TRUST, text)


def _cause(error: BrickgateError) -> str:
    if isinstance(error, NoCredentialsError):
        return "no Databricks credentials found in any source"
    if isinstance(error, UnknownProfileError):
        known = f" (known profiles: {', '.join(error.known)})" if error.known else ""
        return f"no profile named {shown_name(error.profile)} in any credential store{known}"
    if isinstance(error, UnusableProfileError):
        return f"profile {shown_name(error.section)} in {error.path} cannot be used: {error.reason}"
    if isinstance(error, InvalidRequestError):
        return f"{error.message} (nothing was sent)"
    if isinstance(error, ApiError):
        code = f" {error.error_code}" if error.error_code else ""
        rid = f" (request id {error.request_id})" if error.request_id else ""
        return f"the workspace answered HTTP {error.status}{code}: {error.message}{rid}"
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " ".join(lines) if lines else type(error).__name__


def _login_line(profile: str | None) -> str:
    suffix = f" --profile {profile}" if profile and not looks_like_secret(profile) else ""
    return f"brickgate login{suffix}"


def _hint(error: BrickgateError, context: Context) -> str:
    if isinstance(error, ConfigurationError):
        return _configuration_hint(error, context)
    if isinstance(error, RemoteError):
        return _remote_hint(error, context)
    return ""


def _configuration_hint(error: ConfigurationError, context: Context) -> str:
    if isinstance(error, NoCredentialsError):
        return (
            f"run `{_login_line(context.profile)}`, or set DATABRICKS_HOST and "
            "DATABRICKS_TOKEN; `brickgate auth status` shows every source"
        )
    if isinstance(error, UnknownProfileError):
        return f"create it with `{_login_line(error.profile)}`"
    if isinstance(error, UnusableProfileError):
        return (
            f"log in to that profile with `{_login_line(error.section)}`, or fix it in "
            f"{error.path}; `brickgate auth status` shows every source"
        )
    if isinstance(error, InvalidRequestError):
        return "fix the argument named above and run the command again"
    text = str(error)
    if isinstance(error, InvalidHostError | CredentialSourceError) and _UNTRUSTED_HOST.search(text):
        return (
            "for a local server or proxy you trust, add --trust-host HOST (or set "
            "BRICKGATE_TRUSTED_HOSTS=HOST); `brickgate login --trust-host HOST` saves the trust "
            "with the profile"
        )
    return ""


def _remote_hint(error: RemoteError, context: Context) -> str:
    if isinstance(error, AuthenticationError) or (
        isinstance(error, PermissionDeniedError) and _BAD_TOKEN.search(error.message)
    ):
        return (
            "the token is invalid or expired; create a new one and log in again with "
            f"`{_login_line(context.profile)}`"
        )
    if isinstance(error, PermissionDeniedError):
        return "ask a workspace admin for CAN QUERY permission on the endpoint"
    if isinstance(error, NotFoundError):
        return "check the name with `brickgate endpoints` or `brickgate models`"
    if isinstance(error, BadRequestError):
        return (
            "the workspace refused the request as invalid (the reason is above): fix the "
            "model name, messages or parameters; `brickgate models` lists what each model takes"
        )
    if isinstance(error, RateLimitError):
        wait = f" in {error.retry_after:g} s" if error.retry_after is not None else " later"
        return f"too many requests; try again{wait}"
    if isinstance(error, StreamError):
        return "the reply was cut off; try again (--debug shows details)"
    if isinstance(error, TimeoutError):
        return "the workspace did not answer in time; try again or raise BRICKGATE_TIMEOUT"
    if isinstance(error, TransportError):
        no_verify = (
            "; `brickgate login --no-verify` saves without checking"
            if context.command == "login"
            else ""
        )
        return (
            "the workspace could not be reached: check the host and your network connection "
            f"(--debug shows details){no_verify}"
        )
    if isinstance(error, ApiError):
        return "try again later; quote the request id to Databricks support if it persists"
    return ""
