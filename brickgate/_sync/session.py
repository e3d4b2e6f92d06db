# Generated from _async/session.py by tools/unasync.py: do not edit.
"""One client's workspace session: owns its HTTP pool and the transports and services on it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from brickgate.adapters.tokens._sync.factory import token_source_of
from brickgate.adapters.transport._sync.http import HttpTransport
from brickgate.adapters.transport._sync.policies import (
    AuthenticatedTransport,
    GatedTransport,
    RetryingTransport,
)
from brickgate.adapters.transport.gate import BackoffGate
from brickgate.adapters.transport.retry_policy import RetryPolicy
from brickgate.adapters.transport.wire import DEFAULT_LIMITS, Limits, Timeouts
from brickgate.domain.catalog import Catalog
from brickgate.domain.credentials import Credential
from brickgate.ports._sync.tokens import TokenSource
from brickgate.ports._sync.workspace import WorkspaceTransport
from brickgate.ports.clock import Clock
from brickgate.ports.refresh_tokens import RefreshTokenStore
from brickgate.services._sync.chat import ChatService
from brickgate.services.surfaces import SurfaceRouter

if TYPE_CHECKING:
    from brickgate.services._sync.batch import BatchRunner
    from brickgate.services._sync.sql_batch import SqlBatchService


class Services:
    """What a client calls: chat, its batch twin behind the shared gate, and SQL batches.

    ``owner`` is what the session closes; ``tokens`` the token source (``None`` over a given
    transport). The batch runner and the SQL batch service are made on first use, once.
    """

    def __init__(
        self,
        owner: WorkspaceTransport,
        chat: ChatService,
        tokens: TokenSource | None,
        *,
        batch: Callable[[], BatchRunner],
        sql: Callable[[], SqlBatchService],
    ) -> None:
        self.owner, self.chat, self.tokens = owner, chat, tokens
        self._make_batch, self._make_sql = batch, sql
        self._lock = threading.Lock()
        self._batch: BatchRunner | None = None
        self._sql: SqlBatchService | None = None

    @property
    def batch(self) -> BatchRunner:
        """The batch runner (its chat service goes through the batch gate)."""
        with self._lock:
            if self._batch is None:
                self._batch = self._make_batch()
            return self._batch

    @property
    def sql(self) -> SqlBatchService:
        """The SQL batch service."""
        with self._lock:
            if self._sql is None:
                self._sql = self._make_sql()
            return self._sql


RefreshStoreFor = Callable[[Credential], RefreshTokenStore | None]


class WorkspaceSession:
    """Builds a client's object graph on first use, once, and closes what it built, once.

    Without a ``transport``, ``credential()`` is resolved, ``http_client()`` makes the pool,
    and the HTTP driver on it is wrapped in auth; the token source comes from the token factory
    for every auth type, over the unauthenticated driver (``environ`` is what tool and OIDC
    sources read, default ``os.environ``; ``refresh_store`` gives a browser login's
    refresh-token store). A ``transport`` given (a fake, or a host application's own) takes the
    place of driver and auth: no credentials are resolved and no HTTP pool is made. Either way
    the retry policy (the only retrying layer) and, for batch calls, the batch gate under it
    apply, so a fake answering 503 or 429 is ridden out as the workspace's answer would be.
    Building is thread-safe: concurrent first calls build one graph.
    """

    def __init__(
        self,
        *,
        credential: Callable[[], Credential],
        http_client: Callable[[], Any],
        router: Callable[[Credential | None], SurfaceRouter],
        clock: Clock,
        timeouts: Timeouts,
        policy: RetryPolicy,
        catalog: Catalog,
        transport: WorkspaceTransport | None = None,
        max_in_flight: int | None = None,
        tags: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
        environ: Mapping[str, str] | None = None,
        refresh_store: RefreshStoreFor | None = None,
    ) -> None:
        self._limits = limits
        self._credential = credential
        self._http_client = http_client
        self._router = router
        self._clock = clock
        self._timeouts = timeouts
        self._policy = policy
        self._catalog = catalog
        self._transport = transport
        self._max_in_flight = max_in_flight
        self._tags = tags
        self._environ = environ
        self._refresh_store = refresh_store
        self._lock = threading.Lock()
        self._services: Services | None = None
        self.closed = False

    @property
    def services(self) -> Services:
        """The services, built on first use."""
        services = self._services
        if services is None:
            with self._lock:
                services = self._services
                if services is None:
                    services = self._services = self._build()
        return services

    def _build(self) -> Services:
        clock, gate = self._clock, BackoffGate(self._clock)
        tokens: TokenSource | None = None
        if self._transport is not None:
            owner = authed = self._transport
            plain = RetryingTransport(authed, self._policy, clock)
            gated = GatedTransport(authed, gate)
            batch = RetryingTransport(gated, self._policy, clock)
            router = self._router(None)
        else:
            credential = self._credential()
            driver: WorkspaceTransport = HttpTransport(
                self._http_client(),
                credential.host,
                clock,
                timeouts=self._timeouts,
                limits=self._limits,
            )
            owner = driver
            store = self._refresh_store(credential) if self._refresh_store else None
            tokens = token_source_of(
                credential,
                transport=driver,
                clock=clock,
                environ=self._environ,
                refresh_store=store,
            )
            authed = AuthenticatedTransport(driver, tokens)
            plain = RetryingTransport(authed, self._policy, clock)
            gated = GatedTransport(authed, gate)
            batch = RetryingTransport(gated, self._policy, clock)
            router = self._router(credential)
        limit = self._limits.body

        def batch_runner() -> BatchRunner:
            from brickgate.services._sync.batch import BatchRunner

            chat = ChatService(
                batch, self._catalog, router, tags=self._tags, assembled_limit=limit
            )
            return BatchRunner(chat.chat, clock)

        def sql_service() -> SqlBatchService:
            from brickgate.services._sync.sql_batch import SqlBatchService

            return SqlBatchService(plain, clock)

        chat = ChatService(
            plain, self._catalog, router, tags=self._tags, assembled_limit=limit
        )
        return Services(owner, chat, tokens, batch=batch_runner, sql=sql_service)

    def close(self) -> None:
        """Close what the session built (the HTTP pool, or the given transport); idempotent."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            services = self._services
        if services is not None:
            services.owner.close()
