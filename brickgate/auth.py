"""``resolve_credentials``: run the default credential chain without any network call."""

from __future__ import annotations

from collections.abc import Iterable

from brickgate.domain.credentials import Secret
from brickgate.domain.resolution import Resolution


def resolve_credentials(
    profile: str | None = None,
    *,
    host: str | None = None,
    token: str | Secret | None = None,
    client_id: str | None = None,
    client_secret: str | Secret | None = None,
    auth_type: str | None = None,
    trusted_hosts: Iterable[str] = (),
) -> Resolution:
    """Resolve credentials as ``Client()`` would: arguments, environment, keyring, files.

    Every source is checked so the trace shows which ones are shadowed. ``trusted_hosts`` adds
    to ``BRICKGATE_TRUSTED_HOSTS``. Returns a ``Resolution`` (``.credential``, ``.trace``,
    ``.explain()``). Raises ``NoCredentialsError`` (every place looked at, secrets masked),
    ``UnknownProfileError``, or the ``ConfigurationError`` of bad arguments or a broken source.
    """
    from brickgate.config import ClientConfig
    from brickgate.container import create_container

    config = ClientConfig(
        host=host,
        token=token,
        client_id=client_id,
        client_secret=client_secret,
        auth_type=auth_type,
        trusted_hosts=tuple(trusted_hosts),
    )
    settings = config.settings()
    container = create_container(settings, explicit_credential=config.explicit_credential(settings))
    return container.credential_chain().resolve(profile, exhaustive=True)
