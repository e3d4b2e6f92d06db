"""The composition root: brickgate's containers, one per role, composed into one.

``BrickgateContainer`` nests a ``CredentialsContainer`` (sources, chain, login store) and a
``WorkspaceContainer`` (pools, policies, services, built per client by a session) and exposes
their providers under flat names, so a host application can nest it and override any of them.
"""

from __future__ import annotations

import os
import webbrowser
from typing import Any

from dependency_injector import containers, providers

from brickgate._async.session import AsyncWorkspaceSession
from brickgate._sync.session import WorkspaceSession
from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
from brickgate.adapters.credentials.env import EnvironmentSource
from brickgate.adapters.credentials.file import FileCredentialStore
from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.adapters.transport.retry_policy import RetryPolicy
from brickgate.adapters.transport.wire import Timeouts
from brickgate.config import ClientConfig
from brickgate.containers.credentials import CredentialsContainer
from brickgate.containers.workspace import WorkspaceContainer
from brickgate.domain.catalog import Catalog
from brickgate.domain.credentials import Credential
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.resolution import Resolution
from brickgate.ports.clock import Clock
from brickgate.ports.credentials import CredentialSource, CredentialStore
from brickgate.services.credential_chain import CredentialChain
from brickgate.settings import BrickgateSettings, load_settings

__all__ = ["BrickgateContainer", "create_client_container", "create_container"]


class BrickgateContainer(containers.DeclarativeContainer):
    """Every adapter brickgate uses, each behind a provider a host application can override.

    Nest it with ``providers.Container(BrickgateContainer, settings=...)`` and override any
    provider, e.g. ``container.keyring_store.override(providers.Object(store))``. Settings are
    read when first needed, never at import time. Prefer ``create_container()``.
    """

    settings = providers.Singleton(load_settings)
    environ = providers.Object(os.environ)
    browser_opener: providers.Provider[Any] = providers.Object(webbrowser.open)

    credentials = providers.Container(CredentialsContainer, settings=settings, environ=environ)
    explicit_credential: providers.Provider[Credential | None] = credentials.explicit_credential
    explicit_source: providers.Provider[CredentialSource] = credentials.explicit_source
    env_source: providers.Provider[EnvironmentSource] = credentials.env_source
    keyring_store: providers.Provider[KeyringStore] = credentials.keyring_store
    file_store: providers.Provider[FileCredentialStore] = credentials.file_store
    databrickscfg_source: providers.Provider[DatabricksConfigSource] = (
        credentials.databrickscfg_source
    )
    credential_sources: providers.Provider[list[CredentialSource]] = credentials.sources
    credential_chain: providers.Provider[CredentialChain] = credentials.chain
    login_store: providers.Provider[CredentialStore] = credentials.login_store
    resolution: providers.Provider[Resolution] = credentials.resolution
    credential: providers.Provider[Credential] = credentials.credential

    browser_logins: providers.Provider[Any] = credentials.browser_logins
    workspace = providers.Container(
        WorkspaceContainer,
        settings=settings,
        credential=credentials.credential,
        environ=environ,
        browser_logins=credentials.browser_logins,
    )
    given_transport: providers.Provider[Any] = workspace.given_transport
    default_tags: providers.Provider[Any] = workspace.default_tags
    clock: providers.Provider[Clock] = workspace.clock
    catalog: providers.Provider[Catalog] = workspace.catalog
    timeouts: providers.Provider[Timeouts] = workspace.timeouts
    retry_policy: providers.Provider[RetryPolicy] = workspace.retry_policy
    http_client: providers.Provider[Any] = workspace.http_client
    async_http_client: providers.Provider[Any] = workspace.async_http_client
    session: providers.Provider[WorkspaceSession] = workspace.session
    async_session: providers.Provider[AsyncWorkspaceSession] = workspace.async_session


def create_container(
    settings: BrickgateSettings | None = None, **overrides: Any
) -> BrickgateContainer:
    """Build a container; ``settings`` default to ``BRICKGATE_*`` variables read now.

    Each keyword names a provider to override, with a provider or a plain value (wrapped in
    ``providers.Object``): ``create_container(keyring_store=MemoryCredentialStore())``.
    Returns the container; raises ``ConfigurationError`` for invalid settings or an unknown
    provider name.
    """
    container = BrickgateContainer()
    container.settings.override(providers.Object(settings or load_settings()))
    known = container.providers
    for name, value in overrides.items():
        provider = known.get(name)
        if provider is None or isinstance(provider, providers.Container):
            choices = sorted(n for n, p in known.items() if not isinstance(p, providers.Container))
            raise ConfigurationError(
                f"create_container() has no provider named {name!r}; "
                f"choose from: {', '.join(choices)}"
            )
        replacement = value if isinstance(value, providers.Provider) else providers.Object(value)
        provider.override(replacement)
    return container


_CONFIG_KEYS = frozenset(
    {
        "host",
        "token",
        "profile",
        "client_id",
        "client_secret",
        "auth_type",
        "trusted_hosts",
        "surface",
        "max_retries",
        "timeout",
        "tags",
    }
)


def create_client_container(
    config: ClientConfig | None = None, *, transport: Any = None, **overrides: Any
) -> BrickgateContainer:
    """The container behind ``Client(...)``: settings, explicit credentials and overrides.

    ``config`` holds the client's arguments (or pass them as keywords: ``host=``, ``token=``,
    ``profile=``, ``client_id=``, ``client_secret=``, ``auth_type=``, ``trusted_hosts=``,
    ``surface=``, ``max_retries=``, ``timeout=``, ``tags=``); what is left ``None`` falls back to
    ``BRICKGATE_*`` settings. A given ``transport`` replaces the whole HTTP stack, and then no
    credentials are resolved. Other keywords override providers by name
    (``http_client=httpx.Client(...)``, ``clock=FakeClock()``). Raises ``ConfigurationError``
    for invalid arguments or settings.
    """
    arguments = {key: overrides.pop(key) for key in list(overrides) if key in _CONFIG_KEYS}
    if "trusted_hosts" in arguments:
        arguments["trusted_hosts"] = tuple(arguments["trusted_hosts"])
    if config is None:
        config = ClientConfig(**arguments)
    elif arguments:
        raise ConfigurationError(
            f"pass client arguments either in config or as keywords, not both: {sorted(arguments)}"
        )
    settings = config.settings()
    overrides = {"explicit_credential": config.explicit_credential(settings), **overrides}
    if config.tags:
        overrides.setdefault("default_tags", dict(config.tags))
    if transport is not None:
        overrides["given_transport"] = transport
    return create_container(settings, **overrides)
