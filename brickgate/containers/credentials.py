"""The credentials container: every credential source, the chain, and where logins are saved."""

from __future__ import annotations

from collections.abc import Mapping

from dependency_injector import containers, providers

from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
from brickgate.adapters.credentials.env import EnvironmentSource
from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.bootstrap import (
    CONFIG_DIR_VARIABLE,
    arguments_store,
    browser_logins_for,
    chain_order,
    credential_of,
    file_store_for,
    holders,
    resolve_for_client,
)
from brickgate.domain.credentials import Credential
from brickgate.services.credential_chain import CredentialChain
from brickgate.settings import BrickgateSettings

__all__ = [
    "CONFIG_DIR_VARIABLE",
    "CredentialsContainer",
    "arguments_store",
    "browser_logins_for",
    "chain_order",
    "credential_of",
    "file_store_for",
    "holders",
    "resolve_for_client",
]


class CredentialsContainer(containers.DeclarativeContainer):
    """Credential sources in chain order, the chain, the resolution and the login store."""

    settings: providers.Dependency[BrickgateSettings] = providers.Dependency()
    environ: providers.Dependency[Mapping[str, str]] = providers.Dependency()
    explicit_credential: providers.Provider[Credential | None] = providers.Object(None)

    explicit_source = providers.Singleton(arguments_store, explicit_credential)
    env_source = providers.Singleton(
        EnvironmentSource, environ, trusted_hosts=settings.provided.trusted_hosts
    )
    keyring_store = providers.Singleton(KeyringStore, trusted_hosts=settings.provided.trusted_hosts)
    file_store = providers.Singleton(file_store_for, environ, settings)
    databrickscfg_source = providers.Singleton(
        DatabricksConfigSource, environ, trusted_hosts=settings.provided.trusted_hosts
    )
    sources = providers.Callable(
        chain_order,
        settings,
        explicit_source,
        env_source,
        keyring_store.provider,
        file_store,
        databrickscfg_source,
    )
    chain = providers.Factory(
        CredentialChain, sources, environ=environ, default_profile=settings.provided.profile
    )
    login_store = providers.Selector(
        settings.provided.store, keyring=keyring_store, file=file_store
    )
    browser_logins = providers.Callable(
        browser_logins_for, settings, keyring_store.provider, file_store
    )
    resolution = providers.Singleton(resolve_for_client, chain)
    credential = providers.Callable(credential_of, resolution)
