"""The workspace container: HTTP pools, policies and services, built per client by a session."""

from __future__ import annotations

from typing import Any, ClassVar

from dependency_injector import containers, providers

from brickgate._async.session import AsyncWorkspaceSession
from brickgate._sync.session import WorkspaceSession
from brickgate.adapters.clock import SystemClock
from brickgate.adapters.transport.wire import build_http_client
from brickgate.bootstrap import (
    FAKE_HOST,
    limits_from,
    max_in_flight_of,
    retry_policy_from,
    router_factory,
    timeouts_from,
)
from brickgate.domain.catalog import Catalog
from brickgate.domain.credentials import Credential
from brickgate.settings import BrickgateSettings

__all__ = [
    "FAKE_HOST",
    "WorkspaceContainer",
    "limits_from",
    "max_in_flight_of",
    "retry_policy_from",
    "router_factory",
    "timeouts_from",
]


class WorkspaceContainer(containers.DeclarativeContainer):
    """How a client reaches its workspace: pools (one per session, owned by it), policies,
    services. ``given_transport`` replaces the whole HTTP stack (fakes, host applications)."""

    settings: providers.Dependency[BrickgateSettings] = providers.Dependency()
    credential: providers.Dependency[Credential] = providers.Dependency()
    environ: providers.Provider[Any] = providers.Object(None)
    browser_logins: providers.Provider[Any] = providers.Object(None)
    given_transport: providers.Provider[Any] = providers.Object(None)
    default_tags: providers.Provider[Any] = providers.Object(None)

    clock = providers.Singleton(SystemClock)
    catalog = providers.Singleton(Catalog)
    timeouts = providers.Singleton(timeouts_from, settings)
    retry_policy = providers.Singleton(retry_policy_from, settings)
    limits = providers.Singleton(limits_from, settings)
    router = providers.Callable(router_factory, settings)

    http_client = providers.Factory(
        build_http_client, timeouts=timeouts, backend=settings.provided.http_backend
    )
    async_http_client = providers.Factory(
        build_http_client,
        asynchronous=True,
        timeouts=timeouts,
        backend=settings.provided.http_backend,
    )
    _session_parts: ClassVar[dict[str, Any]] = {
        "credential": credential.provider,
        "router": router,
        "clock": clock,
        "timeouts": timeouts,
        "policy": retry_policy,
        "catalog": catalog,
        "transport": given_transport,
        "tags": default_tags,
        "limits": limits,
        "environ": environ,
        "refresh_store": browser_logins,
    }
    session = providers.Factory(
        WorkspaceSession, http_client=http_client.provider, **_session_parts
    )
    async_session = providers.Factory(
        AsyncWorkspaceSession,
        http_client=async_http_client.provider,
        max_in_flight=providers.Callable(max_in_flight_of, settings),
        **_session_parts,
    )
