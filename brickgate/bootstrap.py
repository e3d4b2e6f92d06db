"""Plain wiring of one client's object graph: what ``Client`` runs, and what the container calls."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from brickgate.domain.credentials import Credential, TokenSourceCredential
from brickgate.domain.hosts import WorkspaceHost
from brickgate.settings import BrickgateSettings

if TYPE_CHECKING:
    from brickgate._async.session import AsyncWorkspaceSession
    from brickgate._sync.session import WorkspaceSession
    from brickgate.adapters.credentials.browser_logins import BrowserLoginHolder
    from brickgate.adapters.credentials.explicit import ExplicitSource
    from brickgate.adapters.credentials.file import FileCredentialStore
    from brickgate.adapters.transport.retry_policy import RetryPolicy
    from brickgate.adapters.transport.wire import Limits, Timeouts
    from brickgate.config import ClientConfig
    from brickgate.domain.resolution import Resolution
    from brickgate.ports.credentials import CredentialSource
    from brickgate.ports.refresh_tokens import RefreshTokenStore
    from brickgate.services.credential_chain import CredentialChain
    from brickgate.services.surfaces import SurfaceRouter

CONFIG_DIR_VARIABLE = "BRICKGATE_CONFIG_DIR"
FAKE_HOST = "fake-workspace.cloud.databricks.com"
"""The host a client over a given transport reports (nothing is sent to it)."""

RefreshStoreFor = Callable[[Credential], "RefreshTokenStore | None"]

__all__ = [
    "CONFIG_DIR_VARIABLE",
    "FAKE_HOST",
    "ClientWiring",
    "arguments_store",
    "browser_logins_for",
    "chain_order",
    "client_wiring",
    "credential_of",
    "file_store_for",
    "holders",
    "limits_from",
    "max_in_flight_of",
    "resolve_for_client",
    "retry_policy_from",
    "router_factory",
    "timeouts_from",
]


def arguments_store(credential: Credential | None) -> ExplicitSource:
    """The "arguments" source: holds the credential passed explicitly, if any."""
    from brickgate.adapters.credentials.explicit import ExplicitSource
    from brickgate.services.credential_chain import EXPLICIT_SOURCE

    return ExplicitSource(credential, name=EXPLICIT_SOURCE)


def file_store_for(environ: Mapping[str, str], settings: BrickgateSettings) -> FileCredentialStore:
    """brickgate's credentials file, under ``settings.config_dir`` when that is set."""
    from brickgate.adapters.credentials.file import FileCredentialStore

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
    from brickgate.adapters.credentials.browser_logins import BrowserLoginHolder

    return [store for store in stores if isinstance(store, BrowserLoginHolder)]


def browser_logins_for(
    settings: BrickgateSettings,
    keyring: Callable[[], object],
    file: object,
) -> RefreshStoreFor:
    """Where the browser login of a credential is kept: the keyring (when enabled), then the file.

    The returned function gives ``None`` for a credential that is not an ``external-browser`` one.
    """

    def store_for(credential: Credential) -> RefreshTokenStore | None:
        if not isinstance(credential, TokenSourceCredential):
            return None
        if credential.auth_type != "external-browser":
            return None
        from brickgate.adapters.credentials.browser_logins import StoredBrowserLogins
        from brickgate.domain.tokens import BROWSER_CLIENT_ID

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


def timeouts_from(settings: BrickgateSettings) -> Timeouts:
    """HTTP timeouts from the settings; the stream idle timeout is bounded by ``timeout``
    unless it was set itself."""
    from brickgate.adapters.transport.wire import Timeouts

    idle = settings.stream_idle_timeout
    if "stream_idle_timeout" not in settings.model_fields_set:
        idle = min(idle, settings.timeout)
    return Timeouts(connect=settings.connect_timeout, read=settings.timeout, stream_idle=idle)


def retry_policy_from(settings: BrickgateSettings) -> RetryPolicy:
    """The retry policy from the settings; the retry budget is bounded by twice ``timeout``
    unless it was set itself."""
    from brickgate.adapters.transport.retry_policy import RetryPolicy

    budget = settings.retry_budget
    if "retry_budget" not in settings.model_fields_set:
        budget = min(budget, 2 * settings.timeout)
    return RetryPolicy(max_retries=settings.max_retries, total_budget=budget)


def limits_from(settings: BrickgateSettings) -> Limits:
    """Response size limits from the settings."""
    from brickgate.adapters.transport.wire import Limits

    return Limits(
        body=settings.max_response_bytes,
        event=settings.max_event_bytes,
        compression_ratio=settings.max_compression_ratio,
    )


def router_factory(settings: BrickgateSettings) -> Callable[[Credential | None], SurfaceRouter]:
    """Makes the surface router for a client's host (a placeholder host over a given transport)."""
    from brickgate.services.surfaces import SurfaceRouter

    def router(credential: Credential | None) -> SurfaceRouter:
        if credential is None:
            return SurfaceRouter(WorkspaceHost.parse(FAKE_HOST), settings.surface)
        return SurfaceRouter(credential.host, settings.surface)

    return router


def max_in_flight_of(settings: BrickgateSettings) -> int | None:
    """The async in-flight limit (``None``: no limit)."""
    return settings.max_in_flight or None


class ClientWiring:
    """One client's graph built by hand, as ``BrickgateContainer`` would build it by default.

    Settings and the explicit credential are read when made; the credential chain runs on the
    first ``resolution()`` (once), and the keyring store is made only if the chain reaches it.
    """

    def __init__(self, config: ClientConfig, environ: Mapping[str, str] | None = None) -> None:
        self.settings = config.settings()
        self.explicit = config.explicit_credential(self.settings)
        self.tags = dict(config.tags) if config.tags else None
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self._lock = threading.Lock()
        self._resolution: Resolution | None = None
        self._keyring: Any = None
        self._file: FileCredentialStore | None = None

    def keyring_store(self) -> Any:
        """The keyring store, made on first use."""
        if self._keyring is None:
            from brickgate.adapters.credentials.keyring import KeyringStore

            self._keyring = KeyringStore(trusted_hosts=self.settings.trusted_hosts)
        return self._keyring

    def file_store(self) -> FileCredentialStore:
        """brickgate's credentials file store, made on first use."""
        if self._file is None:
            self._file = file_store_for(self.environ, self.settings)
        return self._file

    def chain(self) -> CredentialChain:
        """The default credential chain over this client's settings and environment."""
        from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
        from brickgate.adapters.credentials.env import EnvironmentSource
        from brickgate.services.credential_chain import CredentialChain

        trusted = self.settings.trusted_hosts
        sources = chain_order(
            self.settings,
            arguments_store(self.explicit),
            EnvironmentSource(self.environ, trusted_hosts=trusted),
            self.keyring_store,
            self.file_store(),
            DatabricksConfigSource(self.environ, trusted_hosts=trusted),
        )
        return CredentialChain(sources, environ=self.environ, default_profile=self.settings.profile)

    def resolution(self) -> Resolution:
        """The client's resolution (the chain stops at the first hit); resolved once."""
        with self._lock:
            if self._resolution is None:
                self._resolution = resolve_for_client(self.chain())
            return self._resolution

    def credential(self) -> Credential:
        """The credential the resolution settled on."""
        return credential_of(self.resolution())

    def _session_options(self) -> dict[str, Any]:
        from brickgate.adapters.clock import SystemClock
        from brickgate.domain.catalog import Catalog

        return {
            "credential": self.credential,
            "router": router_factory(self.settings),
            "clock": SystemClock(),
            "timeouts": timeouts_from(self.settings),
            "policy": retry_policy_from(self.settings),
            "catalog": Catalog(),
            "tags": self.tags,
            "limits": limits_from(self.settings),
            "environ": self.environ,
            "refresh_store": browser_logins_for(
                self.settings, self.keyring_store, self.file_store()
            ),
        }

    def _http_client(self, *, asynchronous: bool) -> Callable[[], Any]:
        timeouts, backend = timeouts_from(self.settings), self.settings.http_backend

        def make() -> Any:
            from brickgate.adapters.transport.wire import build_http_client

            return build_http_client(asynchronous=asynchronous, timeouts=timeouts, backend=backend)

        return make

    def session(self) -> WorkspaceSession:
        """A blocking workspace session for this client (its pool is made on first use)."""
        from brickgate._sync.session import WorkspaceSession

        return WorkspaceSession(
            http_client=self._http_client(asynchronous=False), **self._session_options()
        )

    def async_session(self) -> AsyncWorkspaceSession:
        """An asyncio workspace session for this client (its pool is made on first use)."""
        from brickgate._async.session import AsyncWorkspaceSession

        return AsyncWorkspaceSession(
            http_client=self._http_client(asynchronous=True),
            max_in_flight=max_in_flight_of(self.settings),
            **self._session_options(),
        )


def client_wiring(config: ClientConfig) -> ClientWiring:
    """The hand-built graph behind ``Client(...)`` without a container.

    Raises ``ConfigurationError`` for invalid arguments or settings.
    """
    return ClientWiring(config)
