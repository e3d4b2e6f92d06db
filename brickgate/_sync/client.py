# Generated from _async/client.py by tools/unasync.py: do not edit.
"""The client applications hold: chat, stream, embed, list, batch — one workspace session each."""

from __future__ import annotations

from collections.abc import Iterable, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from brickgate.config import ClientConfig
from brickgate.domain.credentials import parse_login
from brickgate.domain.errors import ConfigurationError
from brickgate.settings import DEFAULT_CONCURRENCY

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from brickgate._sync.session import WorkspaceSession
    from brickgate.container import BrickgateContainer
    from brickgate.domain.catalog import ModelEntry
    from brickgate.domain.chat import ChatResponse, EmbeddingResponse, Endpoint
    from brickgate.domain.params import CallParams, ChatParams
    from brickgate.domain.resolution import Resolution
    from brickgate.domain.tokens import AccessToken
    from brickgate.ports._sync.workspace import WorkspaceTransport
    from brickgate.services._sync.batch import BatchRun
    from brickgate.services._sync.streams import Stream
    from brickgate.services.preparation import Messages
    from brickgate.services.sql_batch import SqlBatchResult, StatusCallback

Surface = Literal["auto", "serving-endpoints", "ai-gateway"]


class Client:
    """A Databricks LLM client: ``Client`` blocks, ``Client`` is awaited; both alike.

    ``Client()`` uses the default credential chain; ``Client(host=..., token=...)``,
    ``Client(profile="prod")``, ``Client(host=..., auth_type="databricks-cli")`` (any
    token-source auth type) and ``Client.from_login("host::token")`` pick credentials
    explicitly. Raises ``NoCredentialsError`` when none are found (nothing is sent to
    find out). ``tags`` are AI Gateway request tags sent with every chat call (a call's own
    ``tags=`` add to them); each call may pick its wire ``protocol=`` (``"auto"`` by default:
    Responses for models that only speak it, Anthropic Messages for Claude features only it
    carries, Chat Completions otherwise). The HTTP pool is made on first use and released by
    ``close()`` (or leaving an ``with`` block); every call raises only brickgate errors.
    """

    def __init__(
        self,
        host: str | None = None,
        token: str | None = None,
        *,
        profile: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        auth_type: str | None = None,
        trusted_hosts: Sequence[str] = (),
        surface: Surface | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        tags: Mapping[str, str] | None = None,
        container: BrickgateContainer | None = None,
    ) -> None:
        self._container = container
        if container is None:
            from brickgate.bootstrap import client_wiring

            wiring = client_wiring(
                ClientConfig(
                    host=host,
                    token=token,
                    profile=profile,
                    client_id=client_id,
                    client_secret=client_secret,
                    auth_type=auth_type,
                    trusted_hosts=tuple(trusted_hosts),
                    surface=surface,
                    max_retries=max_retries,
                    timeout=timeout,
                    tags=tags,
                )
            )
            wiring.resolution()
            self._resolve: Callable[[], Resolution] = wiring.resolution
            self._session: WorkspaceSession = wiring.session()
        else:
            self._resolve = container.resolution
            self._session = container.session()

    @classmethod
    def from_login(cls, login: str, **kwargs: Any) -> Self:
        """A client for ``"HOST::TOKEN"``; raises ``InvalidLoginError`` saying what is wrong."""
        credential = parse_login(login, trusted_hosts=kwargs.get("trusted_hosts", ()))
        return cls(host=credential.host.url, token=credential.token.get_secret_value(), **kwargs)

    @classmethod
    def with_transport(cls, transport: WorkspaceTransport, **kwargs: Any) -> Self:
        """A client whose every call (chat, listings, statements) goes through ``transport``
        (e.g. ``brickgate.testing.FakeTransport``): no credentials are looked for and
        nothing leaves the process unless ``transport`` sends it; retries and the batch gate
        apply as they would to the workspace. Keywords override container providers by name
        (``clock=...``, ``retry_policy=...``)."""
        from brickgate.container import create_client_container

        return cls(container=create_client_container(transport=transport, **kwargs))

    @property
    def resolution(self) -> Resolution:
        """Which credential is used and why: the credential chain's trace (no secrets)."""
        return self._resolve()

    def access_token(self) -> AccessToken:
        """A valid access token from this client's token source, for other tools.

        Returns the token (a ``Secret``), the auth type, the source's ``describe()`` and when
        the token expires. Raises ``ConfigurationError`` for a client over a given transport
        (it has no credentials) and the token source's errors (``AuthenticationError`` saying
        what to run, ``CredentialSourceError``, ``TransportError``).
        """
        from brickgate.domain.tokens import AccessToken

        tokens = self._session.services.tokens
        if tokens is None:
            raise ConfigurationError("this client uses a given transport: it has no access token")
        token = tokens.token()
        expires_at = getattr(tokens, "expires_at", None)
        return AccessToken(
            token,
            self.resolution.credential.auth_type,
            tokens.describe(),
            float(expires_at) if isinstance(expires_at, (int, float)) else None,
        )

    def chat(
        self, model: str, messages: Messages, **params: Unpack[ChatParams]
    ) -> ChatResponse:
        """Send ``messages`` (a string is one user message) to ``model``; return the reply.

        Raises ``ApiError`` subclasses for error answers, ``TransportError``/``TimeoutError``
        when no answer came, ``InvalidRequestError`` for a request that cannot be sent.
        """
        return self._session.services.chat.chat(model, messages, params)

    def stream(self, model: str, messages: Messages, **params: Unpack[ChatParams]) -> Stream:
        """A streamed reply, sent when entered: ``with client.stream(...) as s``, then iterate."""
        return self._session.services.chat.stream(model, messages, params)

    def embed(
        self, model: str, inputs: str | Sequence[str], **params: Unpack[CallParams]
    ) -> EmbeddingResponse:
        """Embedding vectors for ``inputs``, in input order."""
        return self._session.services.chat.embed(model, inputs, params)

    def endpoints(self, **params: Unpack[CallParams]) -> list[Endpoint]:
        """The workspace's serving endpoints, live."""
        return self._session.services.chat.endpoints(params)

    def endpoint(self, name: str, **params: Unpack[CallParams]) -> Endpoint:
        """One serving endpoint; ``NotFoundError`` when it does not exist."""
        return self._session.services.chat.endpoint(name, params)

    def models(
        self, *, include_retired: bool = False, **params: Unpack[CallParams]
    ) -> list[ModelEntry]:
        """The built-in model catalog merged with what the workspace serves.

        Served models come first; retired models the workspace does not serve are left out
        unless ``include_retired``.
        """
        chat = self._session.services.chat
        return chat.models(params, include_retired=include_retired)

    def batch(
        self,
        model: str,
        items: Iterable[object] | Iterable[object],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        **params: Unpack[ChatParams],
    ) -> BatchRun:
        """Chat with ``model`` once per item; results come back as each finishes.

        ``items`` are ``BatchItem``s, ``(id, prompt)`` tuples or ``{"id", "prompt" |
        "messages", ...}`` dicts (other keys are that item's chat parameters); the async client
        also takes an async iterable. Iterate the returned run for ``BatchResult``s (a reply or
        the item's typed error); ``run.summary`` holds the totals. At most ``concurrency``
        requests are in flight, and a 429 pauses every worker for its ``Retry-After``. Raises
        ``InvalidRequestError`` for a ``concurrency`` below 1; per-item problems become that
        item's error.
        """
        runner = self._session.services.batch
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

        Waits for the statement (``on_status(status, elapsed)`` sees each poll), cancels it
        when interrupted (``KeyboardInterrupt``, or cancelling the awaiting task) and re-raises,
        and returns the result with the output's row count. Raises ``InvalidRequestError`` for
        an unsafe table, column, model name or parameter (nothing sent), ``RemoteError`` when
        the statement ends FAILED or CANCELED, ``ApiError`` subclasses when the API refuses.
        """
        from brickgate.domain.sql import AiQueryJob

        job = AiQueryJob.create(
            model,
            source_table,
            prompt_column,
            output_table,
            warehouse_id=warehouse_id,
            model_parameters=model_parameters,
            replace=replace,
        )
        result = self._session.services.sql.run(job, on_status)
        return result.raise_for_state()

    def close(self) -> None:
        """Release the HTTP pool (or close the given transport); idempotent."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
