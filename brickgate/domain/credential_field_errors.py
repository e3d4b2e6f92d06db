"""Why a source's credential fields make no credential, said in the source's own terms."""

from __future__ import annotations

from brickgate.domain.auth_types import shown_auth_type
from brickgate.domain.credential_fields import SUPPORTED_AUTH_TYPES, FieldWording
from brickgate.domain.errors import (
    AmbiguousCredentialsError,
    ConfigurationError,
    CredentialSourceError,
    SourceUnavailableError,
    UnusableProfileError,
)

__all__ = [
    "ambiguous_error",
    "missing_fields_error",
    "missing_host_error",
    "no_credential_error",
    "unsupported_implied_error",
    "unsupported_pinned_error",
]


def missing_host_error(wording: FieldWording, given: list[str]) -> CredentialSourceError:
    """No host: the fields ``given`` (names like ``"token"``) are set without one."""
    shown = [wording.shown(name) for name in given]
    problem = f"{wording.host} is not {wording.given}"
    if shown:
        problem = f"{_listed(shown)} {_be(shown)} {wording.given} without {wording.host}"
    return wording.error(f"{problem}; {wording.verb} the workspace host as {wording.host}")


def missing_fields_error(
    wording: FieldWording, missing: list[str], given: list[str], pinned: str | None
) -> CredentialSourceError:
    """The fields ``missing`` for the auth type ``pinned``, or for what ``given`` implies."""
    absent = [wording.shown(name) for name in missing]
    it = "it" if len(absent) == 1 else "them"
    if pinned is not None:
        problem = f"{wording.shown('auth_type')} is {pinned!r} but {_listed(absent)} "
        problem += f"{_be(absent)} not {wording.given}; {wording.verb} {it}"
    else:
        shown = [wording.shown(name) for name in given]
        problem = f"{_listed(shown)} {_be(shown)} {wording.given} without "
        problem += f"{_listed(absent)}; {wording.verb} {it} too"
    return wording.error(problem)


def ambiguous_error(wording: FieldWording) -> AmbiguousCredentialsError:
    """Both a token and client credentials, and no auth type pinned to choose."""
    client = f"{wording.client_id}/{wording.client_secret}"
    choose = f"{wording.verb} only one of them"
    if wording.auth_type is not None:
        choose = (
            f"{wording.verb} {wording.auth_type} ('pat' or 'oauth-m2m') to choose, "
            "or remove one of them"
        )
    return AmbiguousCredentialsError(
        f"{wording.source}: {wording.context}both {wording.token} and {client} are "
        f"{wording.given}; {choose}"
    )


def no_credential_error(wording: FieldWording, *, host_given: bool) -> CredentialSourceError:
    """Neither a token nor client credentials (``host_given``: a host without them)."""
    if host_given:
        problem = f"{wording.host} is {wording.given} without {wording.token} (or "
        problem += f"{wording.client_id} and {wording.client_secret}); "
        return wording.error(problem + f"{wording.verb} {wording.token} too")
    return wording.error(
        f"no credential is {wording.given}: {wording.verb} {wording.host} with "
        f"{wording.token}, or with {wording.client_id} and {wording.client_secret}",
    )


def unsupported_pinned_error(wording: FieldWording, pinned: str) -> ConfigurationError:
    """The auth type ``pinned`` is not one brickgate supports."""
    what = f"{wording.shown('auth_type')} is {shown_auth_type(pinned)}"
    return _unsupported(wording, what, pinned=True)


def unsupported_implied_error(wording: FieldWording, implied: str) -> ConfigurationError:
    """The fields imply the auth type ``implied``, which brickgate does not support."""
    client = f"{wording.client_id}/{wording.client_secret}"
    what = (
        f"without {wording.token} or {client} it would sign in with auth type "
        f"{shown_auth_type(implied)}"
    )
    return _unsupported(wording, what)


def _unsupported(wording: FieldWording, what: str, *, pinned: bool = False) -> ConfigurationError:
    supported = ", ".join(SUPPORTED_AUTH_TYPES)
    reason = f"{what}, which brickgate does not support yet (supported: {supported})"
    if wording.path is not None and wording.section is not None:
        fix = wording.fix or (
            f"Run `brickgate login --profile {wording.section}` to store a token for it"
        )
        return UnusableProfileError(
            path=wording.path, section=wording.section, reason=reason, fix=fix
        )
    if pinned:
        reason += f"; change {wording.shown('auth_type')} to one of those, or remove it"
    return SourceUnavailableError(wording.source, wording.sentence(reason))


def _listed(names: list[str]) -> str:
    return " and ".join(names)


def _be(names: list[str]) -> str:
    return "is" if len(names) == 1 else "are"
