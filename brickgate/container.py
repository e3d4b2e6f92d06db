"""The composition root: the dependency-injector container that picks brickgate's adapters."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
from dependency_injector import containers, providers

from brickgate.adapters.clock import SystemClock
from brickgate.adapters.credentials.databrickscfg import DatabricksConfigSource
from brickgate.adapters.credentials.env import EnvironmentSource
from brickgate.adapters.credentials.file import FileCredentialStore
from brickgate.adapters.credentials.keyring import KeyringStore
from brickgate.adapters.credentials.memory import MemoryCredentialStore
from brickgate.adapters.transport.auth import (
    StaticTokenProvider,
    async_bearer_auth_for,
    bearer_auth_for,
)
from brickgate.adapters.transport.http import HttpChatTransport, build_http_client
from brickgate.adapters.transport.http_async import (
    AsyncHttpChatTransport,
    build_async_http_client,
)
from brickgate.adapters.transport.http_core import Timeouts
from brickgate.adapters.transport.oauth import AsyncOAuthTokenSource, OAuthTokenSource
from brickgate.adapters.transport.retry import (
    AsyncRetryingTransport,
    RetryingTransport,
    RetryPolicy,
)
from brickgate.adapters.transport.statements import HttpStatementTransport
from brickgate.adapters.transport.statements_async import AsyncHttpStatementTransport
from brickgate.domain.catalog import Catalog
from brickgate.domain.credentials import DEFAULT_PROFILE, Credential, PersonalAccessToken
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.resolution import Resolution
from brickgate.ports.clock import Clock
from brickgate.ports.credentials import CredentialSource
from brickgate.ports.tokens import AsyncTokenProvider, TokenProvider
from brickgate.ports.transport import AsyncChatTransport, ChatTransport
from brickgate.services.batch import AsyncBatchRunner, BatchRunner
from brickgate.services.batch_gate import AsyncGatedTransport, BackoffGate, GatedTransport
from brickgate.services.chat_service import AsyncChatService, ChatService
from brickgate.services.credential_chain import (
    EXPLICIT_SOURCE,
    CredentialChain,
    credential_from_arguments,
)
from brickgate.services.sql_batch import SqlBatchService
from brickgate.services.sql_batch_async import AsyncSqlBatchService
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


def resolve_for_client(chain: CredentialChain) -> Resolution:
    """Resolve credentials for a client: stop at the first source that has them."""
    return chain.resolve(exhaustive=False)


def credential_of(resolution: Resolution) -> Credential:
    """The credential a resolution settled on."""
    return resolution.credential


def timeouts_from(settings: BrickgateSettings) -> Timeouts:
    """HTTP timeouts from the settings."""
    return Timeouts(
        connect=settings.connect_timeout,
        read=settings.timeout,
        stream_idle=settings.stream_idle_timeout,
    )


def retry_policy_from(settings: BrickgateSettings) -> RetryPolicy:
    """The retry policy from the settings."""
    return RetryPolicy(max_retries=settings.max_retries, total_budget=settings.retry_budget)


def token_provider_for(credential: Credential, client: httpx.Client, clock: Clock) -> TokenProvider:
    """A static provider for a personal access token, an OAuth token source otherwise."""
    if isinstance(credential, PersonalAccessToken):
        return StaticTokenProvider(credential.token)
    return OAuthTokenSource(credential, client, clock)


def async_token_provider_for(
    credential: Credential, client: httpx.AsyncClient, clock: Clock
) -> AsyncTokenProvider:
    """The async twin of ``token_provider_for``."""
    if isinstance(credential, PersonalAccessToken):
        return StaticTokenProvider(credential.token)
    return AsyncOAuthTokenSource(credential, client, clock)


def http_transport_for(
    client: httpx.Client,
    credential: Credential,
    tokens: TokenProvider,
    clock: Clock,
    timeouts: Timeouts,
    settings: BrickgateSettings,
) -> HttpChatTransport:
    """The HTTP transport to the credential's host, sending its bearer token."""
    return HttpChatTransport(
        client,
        credential.host,
        bearer_auth_for(client, credential.host, tokens),
        surface=settings.surface,
        clock=clock,
        timeouts=timeouts,
    )


def async_http_transport_for(
    client: httpx.AsyncClient,
    credential: Credential,
    tokens: AsyncTokenProvider,
    clock: Clock,
    timeouts: Timeouts,
    settings: BrickgateSettings,
) -> AsyncHttpChatTransport:
    """The async twin of ``http_transport_for``."""
    return AsyncHttpChatTransport(
        client,
        credential.host,
        async_bearer_auth_for(client, credential.host, tokens),
        surface=settings.surface,
        clock=clock,
        timeouts=timeouts,
        max_in_flight=settings.max_in_flight or None,
    )


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


# Batch: factories used by the "Batch" providers at the end of the container


def batch_transport_for(
    chat_transport: providers.Provider[ChatTransport],
    http_transport: providers.Provider[ChatTransport],
    gate: BackoffGate,
    policy: RetryPolicy,
    clock: Clock,
) -> ChatTransport:
    """The batch's chat transport: the gate under the retries, so every 429 pauses every worker.

    When ``chat_transport`` was replaced (``Client.with_transport``), the gate wraps it instead.
    """
    if chat_transport.last_overriding is not None:
        return GatedTransport(chat_transport(), gate)
    return RetryingTransport(GatedTransport(http_transport(), gate), policy, clock)


def async_batch_transport_for(
    chat_transport: providers.Provider[AsyncChatTransport],
    http_transport: providers.Provider[AsyncChatTransport],
    gate: BackoffGate,
    policy: RetryPolicy,
    clock: Clock,
) -> AsyncChatTransport:
    """The async twin of ``batch_transport_for``."""
    if chat_transport.last_overriding is not None:
        return AsyncGatedTransport(chat_transport(), gate)
    return AsyncRetryingTransport(AsyncGatedTransport(http_transport(), gate), policy, clock)


def batch_runner_for(service: ChatService, gate: BackoffGate, clock: Clock) -> BatchRunner:
    """A batch runner sending through ``service``."""
    return BatchRunner(service.chat, gate, clock)


def async_batch_runner_for(
    service: AsyncChatService, gate: BackoffGate, clock: Clock
) -> AsyncBatchRunner:
    """An async batch runner sending through ``service``."""
    return AsyncBatchRunner(service.chat, gate, clock)


def statement_transport_for(
    client: httpx.Client,
    credential: Credential,
    tokens: TokenProvider,
    clock: Clock,
    timeouts: Timeouts,
) -> HttpStatementTransport:
    """The SQL Statement Execution transport to the credential's host."""
    auth = bearer_auth_for(client, credential.host, tokens)
    return HttpStatementTransport(client, credential.host, auth, clock=clock, timeouts=timeouts)


def async_statement_transport_for(
    client: httpx.AsyncClient,
    credential: Credential,
    tokens: AsyncTokenProvider,
    clock: Clock,
    timeouts: Timeouts,
) -> AsyncHttpStatementTransport:
    """The async twin of ``statement_transport_for``."""
    auth = async_bearer_auth_for(client, credential.host, tokens)
    return AsyncHttpStatementTransport(
        client, credential.host, auth, clock=clock, timeouts=timeouts
    )


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

    # Transport and clients (sync and async kept apart: no provider depends on both)
    clock = providers.Singleton(SystemClock)
    resolution = providers.Singleton(resolve_for_client, credential_chain)
    credential = providers.Callable(credential_of, resolution)
    timeouts = providers.Singleton(timeouts_from, settings)
    retry_policy = providers.Singleton(retry_policy_from, settings)
    catalog = providers.Singleton(Catalog)

    # The HTTP library (httpx or httpx2) is the http_backend setting; the rest follows the client
    http_client = providers.Singleton(
        build_http_client, timeouts=timeouts, backend=settings.provided.http_backend
    )
    token_provider = providers.Singleton(token_provider_for, credential, http_client, clock)
    http_transport = providers.Singleton(
        http_transport_for, http_client, credential, token_provider, clock, timeouts, settings
    )
    chat_transport = providers.Singleton(RetryingTransport, http_transport, retry_policy, clock)
    chat_service = providers.Singleton(ChatService, chat_transport, catalog)

    async_http_client = providers.Singleton(
        build_async_http_client, timeouts=timeouts, backend=settings.provided.http_backend
    )
    async_token_provider = providers.Singleton(
        async_token_provider_for, credential, async_http_client, clock
    )
    async_http_transport = providers.Singleton(
        async_http_transport_for,
        async_http_client,
        credential,
        async_token_provider,
        clock,
        timeouts,
        settings,
    )
    async_chat_transport = providers.Singleton(
        AsyncRetryingTransport, async_http_transport, retry_policy, clock
    )
    async_chat_service = providers.Singleton(AsyncChatService, async_chat_transport, catalog)

    # Batch: local runs behind a shared back-off gate, remote ai_query over SQL statements
    batch_gate = providers.Singleton(BackoffGate, clock)
    batch_chat_transport = providers.Singleton(
        batch_transport_for,
        chat_transport.provider,
        http_transport.provider,
        batch_gate,
        retry_policy,
        clock,
    )
    batch_chat_service = providers.Singleton(ChatService, batch_chat_transport, catalog)
    batch_runner = providers.Factory(batch_runner_for, batch_chat_service, batch_gate, clock)
    async_batch_chat_transport = providers.Singleton(
        async_batch_transport_for,
        async_chat_transport.provider,
        async_http_transport.provider,
        batch_gate,
        retry_policy,
        clock,
    )
    async_batch_chat_service = providers.Singleton(
        AsyncChatService, async_batch_chat_transport, catalog
    )
    async_batch_runner = providers.Factory(
        async_batch_runner_for, async_batch_chat_service, batch_gate, clock
    )
    statement_transport = providers.Singleton(
        statement_transport_for, http_client, credential, token_provider, clock, timeouts
    )
    sql_batch_service = providers.Singleton(SqlBatchService, statement_transport, clock)
    async_statement_transport = providers.Singleton(
        async_statement_transport_for,
        async_http_client,
        credential,
        async_token_provider,
        clock,
        timeouts,
    )
    async_sql_batch_service = providers.Singleton(
        AsyncSqlBatchService, async_statement_transport, clock
    )


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


def create_client_container(
    *,
    host: str | None = None,
    token: str | None = None,
    profile: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    trusted_hosts: Sequence[str] = (),
    surface: str | None = None,
    max_retries: int | None = None,
    timeout: float | None = None,
    transport: ChatTransport | None = None,
    async_transport: AsyncChatTransport | None = None,
    **overrides: Any,
) -> BrickgateContainer:
    """The container behind ``Client(...)``: settings, explicit credentials and overrides.

    Arguments left ``None`` fall back to ``BRICKGATE_*`` settings. A given ``transport`` (or
    ``async_transport``) replaces the HTTP stack, and then no credentials are resolved. Other
    keywords override providers by name (``http_client=httpx.Client(transport=...)``).
    Raises ``ConfigurationError`` for invalid arguments or settings.
    """
    chosen = {
        "profile": profile,
        "surface": surface,
        "max_retries": max_retries,
        "timeout": timeout,
    }
    settings = load_settings(**{k: v for k, v in chosen.items() if v is not None})
    if trusted_hosts:
        extra = tuple(trusted_hosts)
        settings = settings.model_copy(update={"trusted_hosts": (*settings.trusted_hosts, *extra)})
    explicit = credential_from_arguments(
        host=host,
        token=token,
        client_id=client_id,
        client_secret=client_secret,
        trusted_hosts=settings.trusted_hosts,
    )
    replaced: dict[str, Any] = {"explicit_credential": explicit, **overrides}
    if transport is not None:
        replaced["chat_transport"] = transport
    if async_transport is not None:
        replaced["async_chat_transport"] = async_transport
    return create_container(settings, **replaced)
