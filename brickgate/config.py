"""``ClientConfig``: what a caller chose for one client, read into settings and credentials."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from brickgate.domain.credentials import Credential, Secret
from brickgate.settings import BrickgateSettings, load_settings


@dataclass(frozen=True)
class ClientConfig:
    """The arguments of ``Client(...)``, ``resolve_credentials(...)`` and the CLI's global options.

    Arguments left ``None`` fall back to the ``BRICKGATE_*`` settings; ``trusted_hosts`` adds to
    ``BRICKGATE_TRUSTED_HOSTS``. The token and client secret are left out of the repr; they are
    checked (and wrapped in ``Secret``) when the explicit credential is built.
    """

    host: str | None = None
    token: str | Secret | None = field(default=None, repr=False)
    profile: str | None = None
    client_id: str | None = None
    client_secret: str | Secret | None = field(default=None, repr=False)
    auth_type: str | None = None
    trusted_hosts: tuple[str, ...] = ()
    surface: str | None = None
    max_retries: int | None = None
    timeout: float | None = None
    tags: Mapping[str, str] | None = None
    extra_settings: dict[str, Any] = field(default_factory=dict)

    def settings(self) -> BrickgateSettings:
        """The settings: ``BRICKGATE_*`` variables read now, with this config's choices on top.

        Raises ``ConfigurationError`` for an invalid setting.
        """
        chosen = {
            "profile": self.profile,
            "surface": self.surface,
            "max_retries": self.max_retries,
            "timeout": self.timeout,
            **self.extra_settings,
        }
        settings = load_settings(**{k: v for k, v in chosen.items() if v is not None})
        if self.trusted_hosts:
            hosts = (*settings.trusted_hosts, *self.trusted_hosts)
            settings = settings.model_copy(update={"trusted_hosts": hosts})
        return settings

    def explicit_credential(self, settings: BrickgateSettings) -> Credential | None:
        """The credential passed explicitly (host + token, host + client id/secret, or host +
        a token-source ``auth_type``), if any.

        Raises the ``ConfigurationError`` of incomplete, ambiguous or malformed arguments.
        """
        from brickgate.services.credential_chain import credential_from_arguments

        return credential_from_arguments(
            host=self.host,
            token=self.token,
            client_id=self.client_id,
            client_secret=self.client_secret,
            auth_type=self.auth_type,
            trusted_hosts=settings.trusted_hosts,
        )
