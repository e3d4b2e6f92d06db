"""The workspace container: HTTP pools, policies and services, built per client by a session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dependency_injector import containers, providers

from brickgate._async.session import AsyncWorkspaceSession
from brickgate._sync.session import WorkspaceSession
from brickgate.adapters.clock import SystemClock
from brickgate.adapters.transport.retry_policy import RetryPolicy
from brickgate.adapters.transport.wire import Limits, Timeouts, build_http_client
from brickgate.domain.catalog import Catalog
from brickgate.domain.credentials import Credential
from brickgate.domain.hosts import WorkspaceHost
from brickgate.services.surfaces import SurfaceRouter
from brickgate.settings import BrickgateSettings

FAKE_HOST = "fake-workspace.cloud.databricks.com"
"""The host a client over a given transport reports (nothing is sent to it)."""


def timeouts_from(settings: BrickgateSettings) -> Timeouts:
    """HTTP timeouts from the settings; the stream idle timeout is bounded by ``timeout``
    unless it was set itself."""
    idle = settings.stream_idle_timeout
    if "stream_idle_timeout" not in settings.model_fields_set:
        idle = min(idle, settings.timeout)
    return Timeouts(connect=settings.connect_timeout, read=settings.timeout, stream_idle=idle)


def retry_policy_from(settings: BrickgateSettings) -> RetryPolicy:
    """The retry policy from the settings; the retry budget is bounded by twice ``timeout``
    unless it was set itself."""
    budget = settings.retry_budget
    if "retry_budget" not in settings.model_fields_set:
        budget = min(budget, 2 * settings.timeout)
    return RetryPolicy(max_retries=settings.max_retries, total_budget=budget)


def limits_from(settings: BrickgateSettings) -> Limits:
    """Response size limits from the settings."""
    return Limits(
        body=settings.max_response_bytes,
        event=settings.max_event_bytes,
        compression_ratio=settings.max_compression_ratio,
    )


def router_factory(settings: BrickgateSettings) -> Callable[[Credential | None], SurfaceRouter]:
    """Makes the surface router for a client's host (a placeholder host over a given transport)."""

    def router(credential: Credential | None) -> SurfaceRouter:
        if credential is None:
            return SurfaceRouter(WorkspaceHost.parse(FAKE_HOST), settings.surface)
        return SurfaceRouter(credential.host, settings.surface)

    return router


def max_in_flight_of(settings: BrickgateSettings) -> int | None:
    """The async in-flight limit (``None``: no limit)."""
    return settings.max_in_flight or None


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
    session = providers.Factory(
        WorkspaceSession,
        credential=credential.provider,
        http_client=http_client.provider,
        router=router,
        clock=clock,
        timeouts=timeouts,
        policy=retry_policy,
        catalog=catalog,
        transport=given_transport,
        tags=default_tags,
        limits=limits,
        environ=environ,
        refresh_store=browser_logins,
    )
    async_session = providers.Factory(
        AsyncWorkspaceSession,
        credential=credential.provider,
        http_client=async_http_client.provider,
        router=router,
        clock=clock,
        timeouts=timeouts,
        policy=retry_policy,
        catalog=catalog,
        transport=given_transport,
        max_in_flight=providers.Callable(max_in_flight_of, settings),
        tags=default_tags,
        limits=limits,
        environ=environ,
        refresh_store=browser_logins,
    )
