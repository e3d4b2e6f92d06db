"""brickgate: a safe, fast, honest client for LLMs served by Databricks."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from brickgate._version import __version__
from brickgate.domain.batch import BatchItem, BatchResult, BatchSummary
from brickgate.domain.chat import (
    Adjustment,
    CallOptions,
    ChatChunk,
    ChatRequest,
    ChatResponse,
    Citation,
    EmbeddingResponse,
    Endpoint,
    Message,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from brickgate.domain.credentials import (
    Credential,
    OAuthClientCredentials,
    PersonalAccessToken,
    Secret,
    TokenSourceCredential,
    parse_login,
)
from brickgate.domain.errors import (
    AmbiguousCredentialsError,
    ApiError,
    AuthenticationError,
    BadRequestError,
    BrickgateError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    ConnectError,
    CredentialSourceError,
    CredentialStoreError,
    InvalidCredentialError,
    InvalidHostError,
    InvalidLoginError,
    InvalidRequestError,
    NoCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RemoteError,
    ResponsesOnlyError,
    ResponseTooLargeError,
    ServerError,
    SourceUnavailableError,
    StreamError,
    TimeoutError,
    TransportError,
    UnknownProfileError,
    UnsafeFileError,
    UnusableProfileError,
)
from brickgate.domain.hosts import Cloud, WorkspaceHost
from brickgate.domain.resolution import Resolution, TraceEntry

if TYPE_CHECKING:
    from brickgate.auth import resolve_credentials
    from brickgate.client import AsyncClient, Client
    from brickgate.domain.catalog import ModelEntry, ModelSpec
    from brickgate.services._async.batch import AsyncBatchRun
    from brickgate.services._async.streams import AsyncStream
    from brickgate.services._sync.batch import BatchRun
    from brickgate.services._sync.streams import Stream
    from brickgate.services.sql_batch import SqlBatchResult

_LAZY = {
    "AsyncBatchRun": "brickgate.services._async.batch",
    "AsyncClient": "brickgate._async.client",
    "BatchRun": "brickgate.services._sync.batch",
    "SqlBatchResult": "brickgate.services.sql_batch",
    "AsyncStream": "brickgate.services._async.streams",
    "Client": "brickgate._sync.client",
    "ModelEntry": "brickgate.domain.catalog",
    "ModelSpec": "brickgate.domain.catalog",
    "Stream": "brickgate.services._sync.streams",
    "resolve_credentials": "brickgate.auth",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'brickgate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Adjustment",
    "AmbiguousCredentialsError",
    "ApiError",
    "AsyncBatchRun",
    "AsyncClient",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "BatchItem",
    "BatchResult",
    "BatchRun",
    "BatchSummary",
    "BrickgateError",
    "CallOptions",
    "ChatChunk",
    "ChatRequest",
    "ChatResponse",
    "Citation",
    "Client",
    "ClientClosedError",
    "Cloud",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "Credential",
    "CredentialSourceError",
    "CredentialStoreError",
    "EmbeddingResponse",
    "Endpoint",
    "InvalidCredentialError",
    "InvalidHostError",
    "InvalidLoginError",
    "InvalidRequestError",
    "Message",
    "ModelEntry",
    "ModelSpec",
    "NoCredentialsError",
    "NotFoundError",
    "OAuthClientCredentials",
    "PermissionDeniedError",
    "PersonalAccessToken",
    "RateLimitError",
    "RemoteError",
    "Resolution",
    "ResponseTooLargeError",
    "ResponsesOnlyError",
    "Secret",
    "ServerError",
    "SourceUnavailableError",
    "SqlBatchResult",
    "Stream",
    "StreamError",
    "TimeoutError",
    "TokenSourceCredential",
    "ToolCall",
    "ToolCallDelta",
    "TraceEntry",
    "TransportError",
    "UnknownProfileError",
    "UnsafeFileError",
    "UnusableProfileError",
    "Usage",
    "WorkspaceHost",
    "__version__",
    "parse_login",
    "resolve_credentials",
]
