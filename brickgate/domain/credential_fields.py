"""The one rule set from a source's raw fields to a ``Credential`` (``credential_from_fields``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple, TypeVar

from brickgate.domain.credentials import (
    DEFAULT_SCOPES,
    TOKEN_SOURCE_AUTH_TYPES,
    Credential,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
    TokenSourceCredential,
)
from brickgate.domain.errors import (
    CredentialSourceError,
    InvalidCredentialError,
    InvalidHostError,
)
from brickgate.domain.hosts import WorkspaceHost


@dataclass(frozen=True, slots=True)
class FieldWording:
    """How one credential source names its fields and words its messages.

    ``source`` is the name its errors carry. ``host`` ... ``auth_type`` are the field names the
    user knows (``DATABRICKS_TOKEN``, ``'token'``, ``token=``); ``auth_type`` is ``None`` where
    no auth type can be pinned. ``context`` starts every message (``"profile 'prod' in
    /home/me/.databrickscfg: "``), ``given`` says how a field got there (``"set"``,
    ``"given"``), ``verb`` what the user does about it (``"set"``, ``"pass"``, ``"add"``) and
    ``fix`` ends every message about a broken field. With ``path`` and ``section`` the fields
    are a profile in a file, and an auth type brickgate cannot use yet raises
    ``UnusableProfileError`` instead of ``SourceUnavailableError``.
    """

    source: str
    host: str = "host"
    token: str = "token"  # noqa: S105 (a field name)
    client_id: str = "client_id"
    client_secret: str = "client_secret"  # noqa: S105 (a field name)
    scopes: str = "scopes"
    auth_type: str | None = "auth_type"
    context: str = ""
    given: str = "set"
    verb: str = "set"
    fix: str = ""
    path: str | None = None
    section: str | None = None

    @classmethod
    def for_keys(
        cls,
        source: str,
        *,
        context: str = "",
        verb: str = "add",
        fix: str = "",
        path: str | None = None,
        section: str | None = None,
    ) -> FieldWording:
        """Wording for fields that are keys of a file or record, shown quoted (``'token'``)."""
        return cls(
            source,
            host=repr("host"),
            token=repr("token"),
            client_id=repr("client_id"),
            client_secret=repr("client_secret"),
            scopes=repr("scopes"),
            auth_type=repr("auth_type"),
            context=context,
            verb=verb,
            fix=fix,
            path=path,
            section=section,
        )

    def shown(self, field: str) -> str:
        """The source's name for ``field`` (``"host"``, ``"token"``, ``"client_id"``...)."""
        name: str | None = getattr(self, field)
        return name if name is not None else "the auth type"

    def sentence(self, problem: str) -> str:
        """``problem`` as a message of this source: after ``context``, before ``fix``."""
        fix = f". {self.fix}" if self.fix else ""
        return f"{self.context}{problem}{fix}"

    def error(self, problem: str) -> CredentialSourceError:
        """The ``CredentialSourceError`` of this source saying ``problem``."""
        return CredentialSourceError(self.source, self.sentence(problem))


class _Fields(NamedTuple):
    host: str | WorkspaceHost | None
    token: str | Secret | None
    client_id: str | None
    client_secret: str | Secret | None
    scopes: str | None
    settings: Mapping[str, str] = MappingProxyType({})

    def present(self, *names: str) -> list[str]:
        return [name for name in names if getattr(self, name) is not None]


class _AuthRule(NamedTuple):
    needs: tuple[str, ...]
    build: Callable[[WorkspaceHost, _Fields, FieldWording], Credential]


def _pat(host: WorkspaceHost, fields: _Fields, wording: FieldWording) -> Credential:
    return PersonalAccessToken(host=host, token=_secret(fields.token, "token", wording))


def _oauth_m2m(host: WorkspaceHost, fields: _Fields, wording: FieldWording) -> Credential:
    secret = _secret(fields.client_secret, "client_secret", wording)
    try:
        return OAuthClientCredentials(
            host=host,
            client_id=fields.client_id or "",
            client_secret=secret,
            scopes=_scopes(fields.scopes, wording),
        )
    except InvalidCredentialError as error:
        raise wording.error(f"{wording.client_id} is not usable: {error}") from None


def _token_source(auth_type: str) -> Callable[[WorkspaceHost, _Fields, FieldWording], Credential]:
    def build(host: WorkspaceHost, fields: _Fields, wording: FieldWording) -> Credential:
        settings = {key: value for key, value in fields.settings.items() if value}
        if fields.client_id is not None:
            settings["client_id"] = fields.client_id
        if fields.scopes is not None:
            settings["scopes"] = _scopes(fields.scopes, wording)
        if wording.section is not None and auth_type in ("databricks-cli", "external-browser"):
            settings.setdefault("profile", wording.section)
        return TokenSourceCredential(host, auth_type, settings)

    return build


AUTH_TYPES: Mapping[str, _AuthRule] = MappingProxyType(
    {
        "pat": _AuthRule(("token",), _pat),
        "oauth-m2m": _AuthRule(("client_id", "client_secret"), _oauth_m2m),
        **{name: _AuthRule((), _token_source(name)) for name in TOKEN_SOURCE_AUTH_TYPES},
    }
)
"""The one table of the auth types brickgate supports: the fields each needs, and its builder.

``pat`` and ``oauth-m2m`` build a credential holding the secret; the token-source types
(``databricks-cli``, ``external-browser``, ``azure-cli``, ``env-oidc``, ``file-oidc``,
``github-oidc``) build a ``TokenSourceCredential`` with the non-secret settings. Any other
auth type is "not supported yet": an environment naming it is skipped, a profile using it is
unusable. Supporting one is adding its row here.
"""
SUPPORTED_AUTH_TYPES: tuple[str, ...] = tuple(AUTH_TYPES)


def credential_from_fields(
    *,
    wording: FieldWording,
    host: str | WorkspaceHost | None = None,
    token: str | Secret | None = None,
    client_id: str | None = None,
    client_secret: str | Secret | None = None,
    scopes: str | None = None,
    auth_type: str | None = None,
    implied_auth_type: str | None = None,
    trusted_hosts: Iterable[str] = (),
    settings: Mapping[str, str | None] | None = None,
) -> Credential:
    """Turn one source's raw fields into a credential, by the rules every source shares.

    Text is trimmed and empty text counts as absent. The auth type is ``auth_type`` when pinned
    (any case); else ``pat`` for a token, ``oauth-m2m`` for a client id or secret, and both
    at once are ambiguous; else ``implied_auth_type`` (what the source's format implies for a
    profile without either, e.g. ``databricks-cli`` for a host-only ``~/.databrickscfg``
    profile). ``scopes`` (comma- or space-separated, default ``all-apis``) applies to OAuth.
    ``settings`` (names of ``TOKEN_SOURCE_SETTINGS``, never secrets) are kept by the token-source
    auth types, with ``client_id`` and ``scopes``; a profile's section is the ``profile`` of
    ``databricks-cli`` and ``external-browser``. Returns a ``PersonalAccessToken``,
    ``OAuthClientCredentials`` or ``TokenSourceCredential``. Raises, every message in
    ``wording``'s terms and never with a value: ``AmbiguousCredentialsError`` for a token and
    client credentials with no auth type pinned; ``SourceUnavailableError`` (or, for a profile,
    ``UnusableProfileError``) for an auth type not in ``AUTH_TYPES``; ``CredentialSourceError``
    for a missing field or an unusable host, secret, client id or scopes.
    """
    fields = _Fields(
        host=_trimmed(host),
        token=_trimmed(token),
        client_id=_text(client_id),
        client_secret=_trimmed(client_secret),
        scopes=_text(scopes),
        settings={
            key: text
            for key, value in (settings or {}).items()
            if (text := _text(value)) is not None
        },
    )
    pinned = _text(auth_type)
    chosen = _chosen_auth_type(fields, pinned, implied_auth_type, wording)
    rule = AUTH_TYPES[chosen]
    credentials = fields.present("token", "client_id", "client_secret")
    if fields.host is None:
        from brickgate.domain.credential_field_errors import missing_host_error

        raise missing_host_error(wording, credentials)
    missing = [name for name in rule.needs if getattr(fields, name) is None]
    if missing:
        from brickgate.domain.credential_field_errors import missing_fields_error

        raise missing_fields_error(
            wording, missing, credentials, chosen if pinned is not None else None
        )
    return rule.build(_host(fields.host, trusted_hosts, wording), fields, wording)


def _chosen_auth_type(
    fields: _Fields, pinned: str | None, implied: str | None, wording: FieldWording
) -> str:
    if pinned is not None:
        if pinned.lower() not in AUTH_TYPES:
            from brickgate.domain.credential_field_errors import unsupported_pinned_error

            raise unsupported_pinned_error(wording, pinned)
        return pinned.lower()
    has_token = fields.token is not None
    has_client = bool(fields.present("client_id", "client_secret"))
    if has_token and has_client:
        from brickgate.domain.credential_field_errors import ambiguous_error

        raise ambiguous_error(wording)
    if has_token:
        return "pat"
    if has_client:
        return "oauth-m2m"
    if implied is not None:
        if implied not in AUTH_TYPES:
            from brickgate.domain.credential_field_errors import unsupported_implied_error

            raise unsupported_implied_error(wording, implied)
        return implied
    from brickgate.domain.credential_field_errors import no_credential_error

    raise no_credential_error(wording, host_given=fields.host is not None)


def _host(
    host: str | WorkspaceHost, trusted_hosts: Iterable[str], wording: FieldWording
) -> WorkspaceHost:
    if isinstance(host, WorkspaceHost):
        return host
    try:
        return WorkspaceHost.parse(host, trusted_hosts=trusted_hosts)
    except InvalidHostError as error:
        raise wording.error(f"{wording.host} is not usable: {error}") from None


def _secret(value: str | Secret | None, field: str, wording: FieldWording) -> Secret:
    if isinstance(value, Secret):
        return value
    what = "token" if field == "token" else "client secret"
    try:
        return Secret(value or "", what=what)
    except InvalidCredentialError as error:
        raise wording.error(f"{wording.shown(field)} is not usable: {error}") from None


_SCOPE_SEPARATORS = re.compile(r"[\s,]+")


def _scopes(text: str | None, wording: FieldWording) -> str:
    scopes = [scope for scope in _SCOPE_SEPARATORS.split(text or "") if scope]
    if any(not ("!" <= char <= "~") for scope in scopes for char in scope):
        raise wording.error(f"{wording.scopes} contains a control or non-ASCII character; fix it")
    return " ".join(scopes) or DEFAULT_SCOPES


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


_Parsed = TypeVar("_Parsed", Secret, WorkspaceHost)


def _trimmed(value: str | _Parsed | None) -> str | _Parsed | None:
    return _text(value) if isinstance(value, str) else value
