"""The stored-record codec shared by the file and keyring stores: credential <-> JSON object."""

from __future__ import annotations

from collections.abc import Sequence

from brickgate.domain.credentials import (
    Credential,
    FieldWording,
    OAuthClientCredentials,
    credential_from_fields,
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
    "trusted_host",
)


def credential_to_record(credential: Credential) -> dict[str, str]:
    """Return the JSON record brickgate stores for ``credential`` (it holds the secret).

    A trusted loopback host (a local server logged in to with ``--trust-host``) is saved with
    its trust (``trusted_host``), so later runs use the profile without trusting it again.
    """
    trust = _trust_of(credential.host)
    if isinstance(credential, OAuthClientCredentials):
        return {
            "auth_type": credential.auth_type,
            "host": credential.host.url,
            "client_id": credential.client_id,
            "client_secret": credential.client_secret.get_secret_value(),
            "scopes": credential.scopes,
            **trust,
        }
    return {
        "auth_type": credential.auth_type,
        "host": credential.host.url,
        "token": credential.token.get_secret_value(),
        **trust,
    }


def _trust_of(host: WorkspaceHost) -> dict[str, str]:
    if host.cloud is Cloud.CUSTOM and host.is_loopback:
        return {"trusted_host": host.name}
    return {}


def _saved_trust(fields: dict[str, str]) -> tuple[str, ...]:
    """The loopback host a record was trusted for at login (never any other host)."""
    name = fields.get("trusted_host", "")
    return (name,) if name and WorkspaceHost(name=name, cloud=Cloud.CUSTOM).is_loopback else ()


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
    try:
        return credential_from_fields(
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


def check_profile_name(source: str, profile: str) -> None:
    """Raise ``CredentialStoreError`` unless ``profile`` is non-empty printable text."""
    if not isinstance(profile, str) or not profile.strip():
        raise CredentialStoreError(source, "a profile name must be non-empty text")
    if any(not char.isprintable() for char in profile):
        raise CredentialStoreError(
            source, "a profile name must not contain control characters or line breaks"
        )
