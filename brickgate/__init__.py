"""brickgate: a safe, fast, honest client for LLMs served by Databricks.

Every public name is imported on first use, so ``import brickgate`` costs next to nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from brickgate._version import __version__

if TYPE_CHECKING:
    from brickgate._async.client import AsyncClient
    from brickgate._sync.client import Client
    from brickgate.auth import resolve_credentials
    from brickgate.domain.batch import (
        BatchItem,
        BatchResult,
        BatchSummary,
    )
    from brickgate.domain.catalog import (
        ModelEntry,
        ModelSpec,
    )
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
    from brickgate.domain.hosts import (
        Cloud,
        WorkspaceHost,
    )
    from brickgate.domain.resolution import (
        Resolution,
        TraceEntry,
    )
    from brickgate.services._async.batch import AsyncBatchRun
    from brickgate.services._async.streams import AsyncStream
    from brickgate.services._sync.batch import BatchRun
    from brickgate.services._sync.streams import Stream
    from brickgate.services.sql_batch import SqlBatchResult

_LAZY = {
    "Adjustment": "brickgate.domain.chat",
    "AmbiguousCredentialsError": "brickgate.domain.errors",
    "ApiError": "brickgate.domain.errors",
    "AsyncBatchRun": "brickgate.services._async.batch",
    "AsyncClient": "brickgate._async.client",
    "AsyncStream": "brickgate.services._async.streams",
    "AuthenticationError": "brickgate.domain.errors",
    "BadRequestError": "brickgate.domain.errors",
    "BatchItem": "brickgate.domain.batch",
    "BatchResult": "brickgate.domain.batch",
    "BatchRun": "brickgate.services._sync.batch",
    "BatchSummary": "brickgate.domain.batch",
    "BrickgateError": "brickgate.domain.errors",
    "CallOptions": "brickgate.domain.chat",
    "ChatChunk": "brickgate.domain.chat",
    "ChatRequest": "brickgate.domain.chat",
    "ChatResponse": "brickgate.domain.chat",
    "Citation": "brickgate.domain.chat",
    "Client": "brickgate._sync.client",
    "ClientClosedError": "brickgate.domain.errors",
    "Cloud": "brickgate.domain.hosts",
    "ConfigurationError": "brickgate.domain.errors",
    "ConflictError": "brickgate.domain.errors",
    "ConnectError": "brickgate.domain.errors",
    "Credential": "brickgate.domain.credentials",
    "CredentialSourceError": "brickgate.domain.errors",
    "CredentialStoreError": "brickgate.domain.errors",
    "EmbeddingResponse": "brickgate.domain.chat",
    "Endpoint": "brickgate.domain.chat",
    "InvalidCredentialError": "brickgate.domain.errors",
    "InvalidHostError": "brickgate.domain.errors",
    "InvalidLoginError": "brickgate.domain.errors",
    "InvalidRequestError": "brickgate.domain.errors",
    "Message": "brickgate.domain.chat",
    "ModelEntry": "brickgate.domain.catalog",
    "ModelSpec": "brickgate.domain.catalog",
    "NoCredentialsError": "brickgate.domain.errors",
    "NotFoundError": "brickgate.domain.errors",
    "OAuthClientCredentials": "brickgate.domain.credentials",
    "PermissionDeniedError": "brickgate.domain.errors",
    "PersonalAccessToken": "brickgate.domain.credentials",
    "RateLimitError": "brickgate.domain.errors",
    "RemoteError": "brickgate.domain.errors",
    "Resolution": "brickgate.domain.resolution",
    "ResponseTooLargeError": "brickgate.domain.errors",
    "ResponsesOnlyError": "brickgate.domain.errors",
    "Secret": "brickgate.domain.credentials",
    "ServerError": "brickgate.domain.errors",
    "SourceUnavailableError": "brickgate.domain.errors",
    "SqlBatchResult": "brickgate.services.sql_batch",
    "Stream": "brickgate.services._sync.streams",
    "StreamError": "brickgate.domain.errors",
    "TimeoutError": "brickgate.domain.errors",
    "TokenSourceCredential": "brickgate.domain.credentials",
    "ToolCall": "brickgate.domain.chat",
    "ToolCallDelta": "brickgate.domain.chat",
    "TraceEntry": "brickgate.domain.resolution",
    "TransportError": "brickgate.domain.errors",
    "UnknownProfileError": "brickgate.domain.errors",
    "UnsafeFileError": "brickgate.domain.errors",
    "UnusableProfileError": "brickgate.domain.errors",
    "Usage": "brickgate.domain.chat",
    "WorkspaceHost": "brickgate.domain.hosts",
    "parse_login": "brickgate.domain.credentials",
    "resolve_credentials": "brickgate.auth",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'brickgate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
