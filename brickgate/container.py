"""The composition root: the dependency-injector container that picks brickgate's adapters."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from dependency_injector import containers, providers

from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
from brickgate.adapters.credentials.env import EnvironmentSource
from brickgate.adapters.credentials.file import FileCredentialStore
from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.adapters.credentials.memory import MemoryCredentialStore
from brickgate.domain.credentials import DEFAULT_PROFILE, Credential
from brickgate.domain.errors import ConfigurationError
from brickgate.ports.credentials import CredentialSource
from brickgate.services.credential_chain import EXPLICIT_SOURCE, CredentialChain
from brickgate.settings import BrickgateSettings, load_settings

CONFIG_DIR_VARIABLE = "BRICKGATE_CONFIG_DIR"


def arguments_store(credential: Credential | None) -> MemoryCredentialStore:
    """The "arguments" source: holds the credential passed explicitly, if any."""
    stored = {DEFAULT_PROFILE: credential} if credential is not None else {}
    return MemoryCredentialStore(stored, name=EXPLICIT_SOURCE)


def file_store_for(environ: Mapping[str, str], settings: BrickgateSettings) -> FileCredentialStore:
    """brickgate's credentials file, under ``settings.config_dir`` when that is set."""
    if settings.config_dir is not None:
        environ = {**environ, CONFIG_DIR_VARIABLE: str(settings.config_dir)}
    return FileCredentialStore.at_default_path(environ, trusted_hosts=settings.trusted_hosts)


def chain_order(
    settings: BrickgateSettings,
    explicit: CredentialSource,
    environment: CredentialSource,
    keyring: Callable[[], CredentialSource],
    file: CredentialSource,
    databrickscfg: CredentialSource,
) -> list[CredentialSource]:
    """The sources in DESIGN.md order; the keyring is left out (not even built) when disabled."""
    sources = [explicit, environment]
    if settings.use_keyring:
        sources.append(keyring())
    sources += [file, databrickscfg]
    return sources


class BrickgateContainer(containers.DeclarativeContainer):
    """Every adapter brickgate uses, each behind a provider a host application can override.

    Nest it with ``providers.Container(BrickgateContainer, settings=...)`` and override any
    provider, e.g. ``container.keyring_store.override(providers.Object(store))``. Settings are
    read when first needed, never at import time. Prefer ``create_container()``.
    """

    # Settings and the process environment
    settings = providers.Singleton(load_settings)
    environ = providers.Object(os.environ)
    explicit_credential: providers.Provider[Credential | None] = providers.Object(None)

    # Credential sources, in chain order
    explicit_source = providers.Singleton(arguments_store, explicit_credential)
    env_source = providers.Singleton(
        EnvironmentSource, environ, trusted_hosts=settings.provided.trusted_hosts
    )
    keyring_store = providers.Singleton(KeyringStore, trusted_hosts=settings.provided.trusted_hosts)
    file_store = providers.Singleton(file_store_for, environ, settings)
    databrickscfg_source = providers.Singleton(
        DatabricksConfigSource, environ, trusted_hosts=settings.provided.trusted_hosts
    )

    # The credential chain, and where `brickgate login` saves
    credential_sources = providers.Callable(
        chain_order,
        settings,
        explicit_source,
        env_source,
        keyring_store.provider,
        file_store,
        databrickscfg_source,
    )
    credential_chain = providers.Factory(
        CredentialChain,
        credential_sources,
        environ=environ,
        default_profile=settings.provided.profile,
    )
    login_store = providers.Selector(
        settings.provided.store, keyring=keyring_store, file=file_store
    )

    # Transport and clients: clock, HTTP clients (sync and async kept apart, see
    # style-and-testing.md section 5.4), transports and the client factories go here.


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
        if name not in known:
            raise ConfigurationError(
                f"create_container() has no provider named {name!r}; "
                f"choose from: {', '.join(sorted(known))}"
            )
        replacement = value if isinstance(value, providers.Provider) else providers.Object(value)
        known[name].override(replacement)
    return container
