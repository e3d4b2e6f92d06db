"""The credential chain: ask each source in order, keep a trace, explain failures safely."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from brickgate.domain.auth_types import KNOWN_AUTH_TYPES
from brickgate.domain.credential_fields import FieldWording, credential_from_fields
from brickgate.domain.credentials import (
    Credential,
    OAuthClientCredentials,
    Secret,
    TokenSourceCredential,
)
from brickgate.domain.errors import (
    ConfigurationError,
    CredentialSourceError,
    NoCredentialsError,
    SourceUnavailableError,
    UnknownProfileError,
    UnusableProfileError,
)
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.redaction import looks_like_secret, shown_name
from brickgate.domain.resolution import Resolution, TraceEntry
from brickgate.ports.credentials import AMBIENT, EXPLICIT, CredentialSource

logger = logging.getLogger(__name__)

EXPLICIT_SOURCE = "arguments"
LOGIN_HINT = (
    "To fix this, run `brickgate login` (or `brickgate login --profile NAME`), set "
    "DATABRICKS_HOST and DATABRICKS_TOKEN, or pass host= and token= explicitly."
)
_SHOWN_VARIABLES = frozenset(
    {
        "DATABRICKS_HOST",
        "DATABRICKS_CLIENT_ID",
        "DATABRICKS_AUTH_TYPE",
        "DATABRICKS_CONFIG_FILE",
        "DATABRICKS_CONFIG_PROFILE",
        "BRICKGATE_PROFILE",
        "BRICKGATE_CONFIG_DIR",
        "BRICKGATE_STORE",
        "BRICKGATE_USE_KEYRING",
        "BRICKGATE_TRUSTED_HOSTS",
    }
)
_SEEN_PREFIXES = ("DATABRICKS_", "BRICKGATE_")
_SECRET_LOOKING = re.compile(r"(?i)dapi|dose|[0-9a-f]{24,}|[A-Za-z0-9+_-]{32,}")
_MAX_SHOWN = 80


class _Hit(NamedTuple):
    source: str
    credential: Credential


class CredentialChain:
    """Asks credential sources in order and records what each one did.

    The usual order is explicit arguments, environment, OS keyring, brickgate's file,
    ``~/.databrickscfg``. How a source is asked depends on its declared ``role``, never on its
    name: an explicit source is asked with no profile and wins; an ambient source is asked
    with no profile and, when a profile is named, is shadowed by it; stored sources are asked
    for the profile. ``environ`` is only read to list the ``DATABRICKS_*``/``BRICKGATE_*``
    variables seen (values masked) in "no credentials" errors. ``default_profile`` is used
    when ``resolve`` is given none.
    """

    def __init__(
        self,
        sources: Iterable[CredentialSource],
        *,
        environ: Mapping[str, str] | None = None,
        default_profile: str | None = None,
    ) -> None:
        self._sources = tuple(sources)
        self._environ: Mapping[str, str] = environ if environ is not None else {}
        self._default_profile = default_profile

    @property
    def sources(self) -> tuple[CredentialSource, ...]:
        """The sources, in the order they are asked."""
        return self._sources

    def __repr__(self) -> str:
        names = ", ".join(source.name for source in self._sources)
        return f"CredentialChain([{names}])"

    def resolve(self, profile: str | None = None, *, exhaustive: bool = True) -> Resolution:
        """Return the first credential found, with a trace of every source.

        With ``exhaustive`` every source is asked, so later sources that also have credentials
        are marked ``"shadowed"``; otherwise the chain stops at the first hit and marks the rest
        ``"skipped"``. A profile that exists but cannot be used is ``"skipped"`` with the reason
        when no profile was named. Raises ``UnusableProfileError`` when the profile named
        exists but cannot be used and no other store has it, ``UnknownProfileError`` when it
        is in no store, ``NoCredentialsError`` (listing every place looked at) when nothing
        matched, and lets through the ``ConfigurationError`` of a source that is configured
        but broken (except a source after the one used, in exhaustive mode, which is only
        recorded).
        """
        profile = profile if profile is not None else self._default_profile
        trace: list[TraceEntry] = []
        hit: _Hit | None = None
        unusable: UnusableProfileError | None = None
        for source in self._sources:
            if hit is not None and not exhaustive:
                reason = f"not checked: {hit.source} already supplied credentials"
                trace.append(TraceEntry(source.name, "skipped", reason, _where(source)))
                continue
            try:
                entry, credential = self._ask(source, profile, hit)
            except UnusableProfileError as error:
                unusable = unusable or error
                entry = TraceEntry(source.name, "skipped", f"unusable: {error}", _where(source))
                credential = None
            trace.append(entry)
            if credential is not None and hit is None:
                hit = _Hit(source.name, credential)
        if hit is None:
            if profile is not None and unusable is not None:
                raise unusable
            if profile is not None:
                raise UnknownProfileError(profile, self._known_profiles())
            raise NoCredentialsError(
                self._no_credentials_message(trace),
                places=[f"{entry.source}: {entry.where}" for entry in trace],
            )
        logger.debug("credentials from %s (%s)", hit.source, hit.credential.auth_type)
        return Resolution(credential=hit.credential, trace=tuple(trace), profile=profile)

    def _ask(
        self, source: CredentialSource, profile: str | None, hit: _Hit | None
    ) -> tuple[TraceEntry, Credential | None]:
        name, where, role = source.name, _where(source), source.role
        named = profile if role == AMBIENT else None
        asked = None if role in (EXPLICIT, AMBIENT) else profile
        try:
            credential = source.resolve(asked)
        except SourceUnavailableError as error:
            return TraceEntry(name, "skipped", f"unavailable: {error.reason}", where), None
        except ConfigurationError as error:
            if named is not None:
                problem = _error_reason(error)
                reason = f"ignored, profile {shown_name(named)} was named explicitly; {problem}"
                return TraceEntry(name, "skipped", reason, where), None
            if hit is None:
                raise
            reason = f"ignored, {hit.source} already supplied credentials; {_error_reason(error)}"
            return TraceEntry(name, "skipped", reason, where), None
        if credential is None:
            return TraceEntry(name, "skipped", _not_configured(role, asked), where), None
        if hit is not None:
            return TraceEntry(name, "shadowed", f"shadowed by {hit.source}", where), credential
        if named is not None:
            reason = f"shadowed by profile {shown_name(named)}, named explicitly"
            return TraceEntry(name, "shadowed", reason, where), None
        return TraceEntry(name, "used", _used_reason(credential), where), credential

    def _known_profiles(self) -> list[str]:
        known: set[str] = set()
        for source in self._sources:
            if source.role in (EXPLICIT, AMBIENT):
                continue
            lister = getattr(source, "profiles", None)
            if not callable(lister):
                continue
            try:
                known.update(str(name) for name in lister())
            except ConfigurationError:
                continue
        return sorted(known)

    def _no_credentials_message(self, trace: Sequence[TraceEntry]) -> str:
        lines = ["No Databricks credentials found. Places looked at, in order:"]
        for entry in trace:
            lines.append(f"  - {entry.source}: {entry.reason}")
            if entry.where:
                lines.append(f"      looked at {entry.where}")
        seen = masked_variables(self._environ)
        if seen:
            lines.append("Environment variables seen: " + ", ".join(seen) + ".")
        else:
            lines.append("No DATABRICKS_* or BRICKGATE_* environment variables are set.")
        lines.append(LOGIN_HINT)
        return "\n".join(lines)


def masked_variables(environ: Mapping[str, str]) -> list[str]:
    """``NAME=value`` for each ``DATABRICKS_*``/``BRICKGATE_*`` variable, secrets as ``***``.

    Only known non-secret variables show their value, and not even those when the value looks
    like a token (someone pasted a token into ``DATABRICKS_HOST``).
    """
    shown = []
    for name in sorted(environ):
        if not name.startswith(_SEEN_PREFIXES):
            continue
        shown.append(f"{name}={_masked_value(name, environ[name])}")
    return shown


def _masked_value(name: str, value: str) -> str:
    if name not in _SHOWN_VARIABLES or _SECRET_LOOKING.search(value) or looks_like_secret(value):
        return "***"
    if name == "DATABRICKS_AUTH_TYPE" and value.strip().lower() not in KNOWN_AUTH_TYPES:
        return "***"
    if len(value) > _MAX_SHOWN:
        return repr(value[:_MAX_SHOWN] + "…")
    return repr(value)


def _where(source: CredentialSource) -> str:
    try:
        return source.describe()
    except ConfigurationError as error:
        return f"(cannot describe: {_error_reason(error)})"


def _error_reason(error: ConfigurationError) -> str:
    if isinstance(error, CredentialSourceError):
        return error.reason
    return str(error)


def _not_configured(role: str, profile: str | None) -> str:
    if role == EXPLICIT:
        return "not configured: no host=/token= or client credentials were passed"
    wanted = f"profile {shown_name(profile)}" if profile is not None else "credentials"
    return f"not configured: no {wanted} here"


def _used_reason(credential: Credential) -> str:
    if isinstance(credential, OAuthClientCredentials):
        return f"OAuth client credentials for {credential.host.url}"
    if isinstance(credential, TokenSourceCredential):
        return f"token source {credential.describe()}"
    return f"personal access token for {credential.host.url}"


ARGUMENTS_WORDING = FieldWording(
    EXPLICIT_SOURCE,
    host="host=",
    token="token=",  # noqa: S106 (an argument name)
    client_id="client_id=",
    client_secret="client_secret=",  # noqa: S106 (an argument name)
    scopes="scopes=",
    auth_type="auth_type=",
    given="given",
    verb="pass",
)


def credential_from_arguments(
    *,
    host: str | WorkspaceHost | None = None,
    token: str | Secret | None = None,
    client_id: str | None = None,
    client_secret: str | Secret | None = None,
    scopes: str | None = None,
    auth_type: str | None = None,
    trusted_hosts: Iterable[str] = (),
) -> Credential | None:
    """Build the credential passed as explicit arguments, or ``None`` when none were passed.

    The arguments go through ``credential_from_fields``, as every source's fields do. Returns
    a ``PersonalAccessToken`` (``host`` + ``token``) or ``OAuthClientCredentials`` (``host`` +
    ``client_id`` + ``client_secret``, ``scopes`` default ``all-apis``) or, with ``auth_type``
    naming a token source, a ``TokenSourceCredential`` (``client_id`` kept for it). Raises
    ``InvalidHostError``/``InvalidCredentialError`` for a bad host or secret (checked first),
    ``AmbiguousCredentialsError`` when both methods are given, and ``CredentialSourceError``
    when one is incomplete.
    """
    if all(value is None for value in (host, token, client_id, client_secret, auth_type)):
        return None
    if isinstance(host, str):
        host = WorkspaceHost.parse(host, trusted_hosts=trusted_hosts)
    if isinstance(token, str):
        token = Secret(token)
    if isinstance(client_secret, str):
        client_secret = Secret(client_secret, what="client secret")
    return credential_from_fields(
        wording=ARGUMENTS_WORDING,
        host=host,
        token=token,
        client_id=client_id,
        client_secret=client_secret,
        scopes=scopes,
        auth_type=auth_type,
    )
