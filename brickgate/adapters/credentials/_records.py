"""The stored-record codec shared by the file and keyring stores: credential <-> JSON object."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from brickgate.domain.credential_fields import FieldWording, credential_from_fields
from brickgate.domain.credentials import (
    TOKEN_SOURCE_SETTINGS,
    Credential,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
)
from brickgate.domain.errors import (
    CredentialSourceError,
    CredentialStoreError,
    SourceUnavailableError,
)
from brickgate.domain.hosts import Cloud, WorkspaceHost

_RECORD_TEXT_FIELDS = (
    "host",
    "auth_type",
    "token",
    "client_id",
    "client_secret",
    "scopes",
    "refresh_token",
    "trusted_host",
    *(name for name in TOKEN_SOURCE_SETTINGS if name not in ("client_id", "scopes", "profile")),
)
BROWSER_AUTH_TYPE = "external-browser"


@dataclass(frozen=True, slots=True)
class BrowserLogin:
    """What ``brickgate login --browser`` stores for a profile: host, client id, refresh token.

    Read back, the profile is a ``TokenSourceCredential`` (``external-browser``) and the refresh
    token is only handed to the browser token source (``refresh_token_of``).
    """

    host: WorkspaceHost
    client_id: str
    refresh_token: Secret
    auth_type: Literal["external-browser"] = "external-browser"


Storable = Credential | BrowserLogin


def credential_to_record(credential: Storable) -> dict[str, str]:
    """Return the JSON record brickgate stores for ``credential`` (it holds the secret).

    A trusted loopback host (a local server logged in to with ``--trust-host``) is saved with
    its trust (``trusted_host``), so later runs use the profile without trusting it again.
    """
    record = _record_of(credential)
    host = credential.host
    if host.cloud is Cloud.CUSTOM and host.is_loopback:
        record["trusted_host"] = host.name
    return record


def _saved_trust(fields: dict[str, str]) -> tuple[str, ...]:
    """The loopback host a record was trusted for at login (never any other host)."""
    name = fields.get("trusted_host", "")
    return (name,) if name and WorkspaceHost(name=name, cloud=Cloud.CUSTOM).is_loopback else ()


def _record_of(credential: Storable) -> dict[str, str]:
    if isinstance(credential, BrowserLogin):
        return {
            "auth_type": credential.auth_type,
            "host": credential.host.url,
            "client_id": credential.client_id,
            "refresh_token": credential.refresh_token.get_secret_value(),
        }
    if isinstance(credential, OAuthClientCredentials):
        return {
            "auth_type": credential.auth_type,
            "host": credential.host.url,
            "client_id": credential.client_id,
            "client_secret": credential.client_secret.get_secret_value(),
            "scopes": credential.scopes,
        }
    if not isinstance(credential, PersonalAccessToken):
        settings = {k: v for k, v in credential.settings.items() if k != "profile"}
        return {**settings, "auth_type": credential.auth_type, "host": credential.host.url}
    return {
        "auth_type": credential.auth_type,
        "host": credential.host.url,
        "token": credential.token.get_secret_value(),
    }


def credential_from_record(
    record: object,
    *,
    source: str,
    where: str,
    profile: str,
    trusted_hosts: Sequence[str] = (),
) -> Credential:
    """Rebuild a credential from a stored record, validating its host and secrets again.

    The record goes through ``credential_from_fields``, as every source's fields do. Raises
    ``CredentialSourceError`` naming ``where`` (never a value) when the record is not usable,
    an auth type this brickgate cannot use included (brickgate's stores hold what it wrote),
    and ``AmbiguousCredentialsError`` for a token and client credentials with no auth type.
    """
    fields = _text_fields(record, source=source, where=where, profile=profile)
    wording = FieldWording.for_keys(
        source,
        context=f"{where} is not usable: ",
        fix=f"Replace it with: brickgate login --profile {profile}",
    )
    auth_type = fields.get("auth_type", "").strip().lower()
    settings: dict[str, str | None] = {
        name: fields.get(name)
        for name in TOKEN_SOURCE_SETTINGS
        if name not in ("client_id", "scopes", "profile")
    }
    if auth_type == BROWSER_AUTH_TYPE:
        settings["profile"] = profile
    try:
        return credential_from_fields(
            settings=settings,
            wording=wording,
            host=fields.get("host"),
            token=fields.get("token"),
            client_id=fields.get("client_id"),
            client_secret=fields.get("client_secret"),
            scopes=fields.get("scopes"),
            auth_type=fields.get("auth_type"),
            trusted_hosts=(*trusted_hosts, *_saved_trust(fields)),
        )
    except SourceUnavailableError as error:
        raise CredentialSourceError(source, error.reason) from None


def _text_fields(record: object, *, source: str, where: str, profile: str) -> dict[str, str]:
    remedy = f"Replace it with: brickgate login --profile {profile}"
    if not isinstance(record, dict):
        raise CredentialSourceError(
            source, f"{where} is not usable: it is not a JSON object. {remedy}"
        )
    fields: dict[str, str] = {}
    for key in _RECORD_TEXT_FIELDS:
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise CredentialSourceError(
                source, f"{where} is not usable: its {key!r} is not text. {remedy}"
            )
        fields[key] = value
    return fields


def refresh_token_of(record: object) -> Secret | None:
    """The refresh token a browser-login record holds, ``None`` for any other record."""
    if not isinstance(record, dict):
        return None
    value = record.get("refresh_token")
    if not isinstance(value, str) or not value.strip():
        return None
    return Secret(value.strip(), what="refresh token")


def check_profile_name(source: str, profile: str) -> None:
    """Raise ``CredentialStoreError`` unless ``profile`` is non-empty printable text."""
    if not isinstance(profile, str) or not profile.strip():
        raise CredentialStoreError(source, "a profile name must be non-empty text")
    if any(not char.isprintable() for char in profile):
        raise CredentialStoreError(
            source, "a profile name must not contain control characters or line breaks"
        )
