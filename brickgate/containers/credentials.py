"""The credentials container: every credential source, the chain, and where logins are saved."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from dependency_injector import containers, providers

from brickgate.adapters.credentials.browser_logins import BrowserLoginHolder, StoredBrowserLogins
from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
from brickgate.adapters.credentials.env import EnvironmentSource
from brickgate.adapters.credentials.explicit import ExplicitSource
from brickgate.adapters.credentials.file import FileCredentialStore
from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.domain.credentials import Credential, TokenSourceCredential
from brickgate.domain.resolution import Resolution
from brickgate.domain.tokens import BROWSER_CLIENT_ID
from brickgate.ports.credentials import CredentialSource
from brickgate.ports.refresh_tokens import RefreshTokenStore
from brickgate.services.credential_chain import EXPLICIT_SOURCE, CredentialChain
from brickgate.settings import BrickgateSettings

CONFIG_DIR_VARIABLE = "BRICKGATE_CONFIG_DIR"


def arguments_store(credential: Credential | None) -> ExplicitSource:
    """The "arguments" source: holds the credential passed explicitly, if any."""
    return ExplicitSource(credential, name=EXPLICIT_SOURCE)


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


def holders(stores: Iterable[object]) -> list[BrowserLoginHolder]:
    """The stores that can keep a browser login (a host application's own store may not)."""
    return [store for store in stores if isinstance(store, BrowserLoginHolder)]


def browser_logins_for(
    settings: BrickgateSettings,
    keyring: Callable[[], object],
    file: object,
) -> Callable[[Credential], RefreshTokenStore | None]:
    """Where the browser login of a credential is kept: the keyring (when enabled), then the file.

    The returned function gives ``None`` for a credential that is not an ``external-browser`` one.
    """

    def store_for(credential: Credential) -> RefreshTokenStore | None:
        if not isinstance(credential, TokenSourceCredential):
            return None
        if credential.auth_type != "external-browser":
            return None
        stores = [keyring()] if settings.use_keyring else []
        client_id = credential.setting("client_id") or BROWSER_CLIENT_ID
        return StoredBrowserLogins(holders([*stores, file]), credential.host, client_id)

    return store_for


def resolve_for_client(chain: CredentialChain) -> Resolution:
    """Resolve credentials for a client: stop at the first source that has them."""
    return chain.resolve(exhaustive=False)


def credential_of(resolution: Resolution) -> Credential:
    """The credential a resolution settled on."""
    return resolution.credential


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
