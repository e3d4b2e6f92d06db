"""The stored-record codec shared by the file and keyring stores: credential <-> JSON object."""

from __future__ import annotations

from collections.abc import Sequence

from brickgate.domain.credentials import (
    Credential,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
    shown_auth_type,
)
from brickgate.domain.errors import (
    CredentialSourceError,
    CredentialStoreError,
    InvalidCredentialError,
    InvalidHostError,
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
    record = _trust_of(credential.host)
    if isinstance(credential, OAuthClientCredentials):
        return {
            "auth_type": credential.auth_type,
            "host": credential.host.url,
            "client_id": credential.client_id,
            "client_secret": credential.client_secret.get_secret_value(),
            "scopes": credential.scopes,
            **record,
        }
    return {
        "auth_type": credential.auth_type,
        "host": credential.host.url,
        "token": credential.token.get_secret_value(),
        **record,
    }


def _trust_of(host: WorkspaceHost) -> dict[str, str]:
    if host.cloud is Cloud.CUSTOM and host.is_loopback:
        return {"trusted_host": host.name}
    return {}


def _saved_trust(fields: dict[str, str]) -> tuple[str, ...]:
    name = fields.get("trusted_host", "")
    try:
        return (name,) if name and WorkspaceHost(name=name, cloud=Cloud.CUSTOM).is_loopback else ()
    except ValueError:
        return ()


def credential_from_record(
    record: object,
    *,
    source: str,
    where: str,
    profile: str,
    trusted_hosts: Sequence[str] = (),
) -> Credential:
    """Rebuild a credential from a stored record, validating its host and secrets again.

    Raises ``CredentialSourceError`` naming ``where`` (never a value) when the record is not
    usable.
    """
    fields = _text_fields(record, source=source, where=where, profile=profile)

    def broken(problem: str) -> CredentialSourceError:
        return CredentialSourceError(
            source,
            f"{where} is not usable: {problem}. "
            f"Replace it with: brickgate login --profile {profile}",
        )

    host_text = fields.get("host")
    if not host_text:
        raise broken("it has no 'host'")
    try:
        host = WorkspaceHost.parse(host_text, trusted_hosts=(*trusted_hosts, *_saved_trust(fields)))
    except InvalidHostError as error:
        raise CredentialSourceError(
            source,
            f"{where} is not usable: {error}. If it is a local server or proxy you trust, "
            "pass trusted_hosts=[...] or set BRICKGATE_TRUSTED_HOSTS; otherwise replace it "
            f"with: brickgate login --profile {profile}",
        ) from None
    auth_type = fields.get("auth_type") or ("pat" if "token" in fields else "oauth-m2m")
    try:
        if auth_type == "pat":
            token = fields.get("token")
            if not token:
                raise broken("it has no 'token'")
            return PersonalAccessToken(host=host, token=Secret(token))
        if auth_type == "oauth-m2m":
            client_id, client_secret = fields.get("client_id"), fields.get("client_secret")
            if not client_id or not client_secret:
                raise broken("it needs both 'client_id' and 'client_secret'")
            return OAuthClientCredentials(
                host=host,
                client_id=client_id,
                client_secret=Secret(client_secret, what="client secret"),
                scopes=fields.get("scopes") or "all-apis",
            )
    except InvalidCredentialError as error:
        raise broken(str(error)) from None
    raise broken(f"its auth_type {shown_auth_type(auth_type)} is not one of 'pat', 'oauth-m2m'")


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
