"""Client and AsyncClient: the façade applications hold."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from typing_extensions import Self, Unpack

from brickgate.domain.chat import ChatResponse, EmbeddingResponse, Endpoint
from brickgate.domain.credentials import parse_login
from brickgate.domain.params import CallParams, ChatParams
from brickgate.domain.sql import AiQueryJob
from brickgate.services.batch import DEFAULT_CONCURRENCY, AsyncBatchRun, BatchRun
from brickgate.services.chat_service import AsyncChatService, ChatService, Messages
from brickgate.services.sql_batch import SqlBatchResult, StatusCallback
from brickgate.services.streams import AsyncStream, Stream

if TYPE_CHECKING:
    from brickgate.container import BrickgateContainer
    from brickgate.domain.catalog import ModelEntry
    from brickgate.domain.resolution import Resolution
    from brickgate.ports.transport import AsyncChatTransport, ChatTransport

Surface = Literal["auto", "serving-endpoints", "ai-gateway"]


class _ClientBase:
    """Construction shared by the sync and async clients."""

    def __init__(
        self,
        host: str | None = None,
        token: str | None = None,
        *,
        profile: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        trusted_hosts: Sequence[str] = (),
        surface: Surface | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        container: BrickgateContainer | None = None,
    ) -> None:
        from brickgate.container import create_client_container

        if container is not None:
            self._container = container
            return
        self._container = create_client_container(
            host=host,
            token=token,
            profile=profile,
            client_id=client_id,
            client_secret=client_secret,
            trusted_hosts=tuple(trusted_hosts),
            surface=surface,
            max_retries=max_retries,
            timeout=timeout,
        )
        self._container.resolution()

    @classmethod
    def from_login(cls, login: str, **kwargs: Any) -> Self:
        """A client for ``"HOST::TOKEN"``; raises ``InvalidLoginError`` saying what is wrong."""
        credential = parse_login(login, trusted_hosts=kwargs.get("trusted_hosts", ()))
        return cls(host=credential.host.url, token=credential.token.get_secret_value(), **kwargs)

    @property
    def resolution(self) -> Resolution:
        """Which credential is used and why: the credential chain's trace (no secrets)."""
        resolution: Resolution = self._container.resolution()
        return resolution


class Client(_ClientBase):
    """A synchronous Databricks LLM client.

    ``Client()`` uses the default credential chain; ``Client(host=..., token=...)``,
    ``Client(profile="prod")`` and ``Client.from_login("host::token")`` pick credentials
    explicitly. Raises ``NoCredentialsError`` when none are found (nothing is sent to find out).
    Use it as a context manager, or call ``close()``, to release pooled connections.
    """

    @classmethod
    def with_transport(cls, transport: ChatTransport, **kwargs: Any) -> Client:
        """A client over a given transport (e.g. ``FakeChatTransport``), with no credentials."""
        from brickgate.container import create_client_container

        return cls(container=create_client_container(transport=transport, **kwargs))

    _cached_service: ChatService | None = None

    @property
    def _service(self) -> ChatService:
        service = self._cached_service
        if service is None:
            service = self._cached_service = self._container.chat_service()
        return service

    def chat(self, model: str, messages: Messages, **params: Unpack[ChatParams]) -> ChatResponse:
        """Send ``messages`` (a string is one user message) to ``model``; return the reply.

        Raises ``ApiError`` subclasses for error answers, ``TransportError``/``TimeoutError``
        when no answer came, ``InvalidRequestError`` for a request that cannot be sent.
        """
        return self._service.chat(model, messages, params)

    def stream(self, model: str, messages: Messages, **params: Unpack[ChatParams]) -> Stream:
        """A streamed reply: ``with client.stream(...) as s: for chunk in s: ...``."""
        return self._service.stream(model, messages, params)

    def embed(
        self, model: str, inputs: str | Sequence[str], **params: Unpack[CallParams]
    ) -> EmbeddingResponse:
        """Embedding vectors for ``inputs``, in input order."""
        return self._service.embed(model, inputs, params)

    def endpoints(self, **params: Unpack[CallParams]) -> list[Endpoint]:
        """The workspace's serving endpoints, live."""
        return self._service.endpoints(params)

    def endpoint(self, name: str, **params: Unpack[CallParams]) -> Endpoint:
        """One serving endpoint; ``NotFoundError`` when it does not exist."""
        return self._service.endpoint(name, params)

    def models(
        self, *, include_retired: bool = False, **params: Unpack[CallParams]
    ) -> list[ModelEntry]:
        """The built-in model catalog merged with what the workspace serves.

        Served models come first; retired models the workspace does not serve are left out
        unless ``include_retired``.
        """
        return self._service.models(params, include_retired=include_retired)

    def batch(
        self,
        model: str,
        items: Iterable[object],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        **params: Unpack[ChatParams],
    ) -> BatchRun:
        """Chat with ``model`` once per item; results come back as each finishes.

        ``items`` are ``BatchItem``s, ``(id, prompt)`` tuples or ``{"id", "prompt" |
        "messages", ...}`` dicts (other keys are that item's chat parameters). Iterate the
        returned ``BatchRun`` for ``BatchResult``s (a reply or the item's typed error);
        ``run.summary`` holds the totals. At most ``concurrency`` requests are in flight, and a
        429 pauses every worker for its ``Retry-After``. Raises ``InvalidRequestError`` for a
        ``concurrency`` below 1; per-item problems become that item's error.
        """
        self._batch_used = True
        runner = self._container.batch_runner()
        return runner.run(model, items, params, concurrency=concurrency)

    def batch_sql(
        self,
        model: str,
        source_table: str,
        prompt_column: str,
        output_table: str,
        *,
        warehouse_id: str,
        model_parameters: Mapping[str, Any] | None = None,
        replace: bool = False,
        on_status: StatusCallback | None = None,
    ) -> SqlBatchResult:
        """Run ``ai_query(model, prompt_column)`` over ``source_table`` on a SQL warehouse,
        writing every row plus a ``response`` column to ``output_table``.

        Waits for the statement (``on_status(status, elapsed)`` sees each poll), cancels it on
        ``KeyboardInterrupt``, and returns the result with the output's row count. Raises
        ``InvalidRequestError`` for an unsafe table, column, model name or parameter (nothing
        sent), ``RemoteError`` when the statement ends FAILED or CANCELED, ``ApiError``
        subclasses when the API refuses.
        """
        job = AiQueryJob.create(
            model,
            source_table,
            prompt_column,
            output_table,
            warehouse_id=warehouse_id,
            model_parameters=model_parameters,
            replace=replace,
        )
        self._sql_used = True
        return self._container.sql_batch_service().run(job, on_status).raise_for_state()

    _batch_used = False
    _sql_used = False

    def close(self) -> None:
        """Release pooled connections; idempotent."""
        if self._cached_service is not None:
            self._cached_service.close()
        if self._batch_used:
            self._container.batch_chat_service().close()
        if self._sql_used:
            self._container.sql_batch_service().transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_ClientBase):
    """The asyncio twin of ``Client``: same constructor, awaitable methods.

    Use ``async with brickgate.AsyncClient() as client:`` or ``await client.aclose()``.
    """

    @classmethod
    def with_transport(cls, transport: AsyncChatTransport, **kwargs: Any) -> AsyncClient:
        """A client over a given async transport (e.g. ``FakeAsyncChatTransport``)."""
        from brickgate.container import create_client_container

        return cls(container=create_client_container(async_transport=transport, **kwargs))

    _cached_service: AsyncChatService | None = None

    @property
    def _service(self) -> AsyncChatService:
        service = self._cached_service
        if service is None:
            service = self._cached_service = self._container.async_chat_service()
        return service

    async def chat(
        self, model: str, messages: Messages, **params: Unpack[ChatParams]
    ) -> ChatResponse:
        """Send ``messages`` to ``model``; return the reply (errors as for ``Client.chat``)."""
        return await self._service.chat(model, messages, params)

    def stream(self, model: str, messages: Messages, **params: Unpack[ChatParams]) -> AsyncStream:
        """A streamed reply: ``async with client.stream(...) as s: async for chunk in s``."""
        return self._service.stream(model, messages, params)

    async def embed(
        self, model: str, inputs: str | Sequence[str], **params: Unpack[CallParams]
    ) -> EmbeddingResponse:
        """Embedding vectors for ``inputs``, in input order."""
        return await self._service.embed(model, inputs, params)

    async def endpoints(self, **params: Unpack[CallParams]) -> list[Endpoint]:
        """The workspace's serving endpoints, live."""
        return await self._service.endpoints(params)

    async def endpoint(self, name: str, **params: Unpack[CallParams]) -> Endpoint:
        """One serving endpoint; ``NotFoundError`` when it does not exist."""
        return await self._service.endpoint(name, params)

    async def models(
        self, *, include_retired: bool = False, **params: Unpack[CallParams]
    ) -> list[ModelEntry]:
        """The built-in model catalog merged with what the workspace serves (see ``Client``)."""
        return await self._service.models(params, include_retired=include_retired)

    def batch(
        self,
        model: str,
        items: Iterable[object] | AsyncIterable[object],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        **params: Unpack[ChatParams],
    ) -> AsyncBatchRun:
        """The async twin of ``Client.batch``: ``async for result in client.batch(...)``;
        ``items`` may also be an async iterable."""
        self._batch_used = True
        runner = self._container.async_batch_runner()
        return runner.run(model, items, params, concurrency=concurrency)

    async def batch_sql(
        self,
        model: str,
        source_table: str,
        prompt_column: str,
        output_table: str,
        *,
        warehouse_id: str,
        model_parameters: Mapping[str, Any] | None = None,
        replace: bool = False,
        on_status: StatusCallback | None = None,
    ) -> SqlBatchResult:
        """The async twin of ``Client.batch_sql``: run ``ai_query(model, prompt_column)`` over
        ``source_table`` on a SQL warehouse, writing every row plus a ``response`` column to
        ``output_table``.

        Waits for the statement (``on_status(status, elapsed)`` sees each poll), cancels it
        when the awaiting task is cancelled (or on ``KeyboardInterrupt``) and re-raises, and
        returns the result with the output's row count. Raises ``InvalidRequestError`` for an
        unsafe table, column, model name or parameter (nothing sent), ``RemoteError`` when the
        statement ends FAILED or CANCELED, ``ApiError`` subclasses when the API refuses.
        """
        job = AiQueryJob.create(
            model,
            source_table,
            prompt_column,
            output_table,
            warehouse_id=warehouse_id,
            model_parameters=model_parameters,
            replace=replace,
        )
        self._sql_used = True
        service = self._container.async_sql_batch_service()
        return (await service.run(job, on_status)).raise_for_state()

    _batch_used = False
    _sql_used = False

    async def aclose(self) -> None:
        """Release pooled connections; idempotent."""
        if self._cached_service is not None:
            await self._cached_service.aclose()
        if self._batch_used:
            await self._container.async_batch_chat_service().aclose()
        if self._sql_used:
            await self._container.async_sql_batch_service().transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
