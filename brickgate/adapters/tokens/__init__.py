"""Token sources (PAT, OAuth M2M, Databricks CLI, browser login, OIDC federation, Azure CLI).

``token_source_for`` / ``async_token_source_for`` pick one by auth type; every refreshable
source follows ``RefreshPolicy`` (refresh ahead of expiry, one flight, backoff on failure).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from brickgate._lazy import lazy_exports

if TYPE_CHECKING:
    from brickgate.adapters.tokens._async.azure import AsyncAzureCliSource
    from brickgate.adapters.tokens._async.browser import (
        AsyncBrowserSource,
        async_browser_login,
        browser_login_command,
        login_key,
    )
    from brickgate.adapters.tokens._async.cache import AsyncRefreshingSource
    from brickgate.adapters.tokens._async.cli import AsyncDatabricksCliSource
    from brickgate.adapters.tokens._async.factory import (
        SUPPORTED_AUTH_TYPES,
        async_token_source_for,
        async_token_source_of,
    )
    from brickgate.adapters.tokens._async.m2m import AsyncClientCredentialsSource
    from brickgate.adapters.tokens._async.oidc import AsyncOidcSource
    from brickgate.adapters.tokens._async.static import AsyncStaticTokenSource
    from brickgate.adapters.tokens._sync.azure import AzureCliSource
    from brickgate.adapters.tokens._sync.browser import BrowserSource, browser_login
    from brickgate.adapters.tokens._sync.cache import RefreshingSource
    from brickgate.adapters.tokens._sync.cli import DatabricksCliSource
    from brickgate.adapters.tokens._sync.factory import token_source_for, token_source_of
    from brickgate.adapters.tokens._sync.m2m import ClientCredentialsSource
    from brickgate.adapters.tokens._sync.oidc import OidcSource
    from brickgate.adapters.tokens._sync.static import StaticTokenSource
    from brickgate.adapters.tokens.memory_store import MemoryRefreshTokenStore

_LAZY = {
    "AsyncAzureCliSource": "brickgate.adapters.tokens._async.azure",
    "AsyncBrowserSource": "brickgate.adapters.tokens._async.browser",
    "AsyncClientCredentialsSource": "brickgate.adapters.tokens._async.m2m",
    "AsyncDatabricksCliSource": "brickgate.adapters.tokens._async.cli",
    "AsyncOidcSource": "brickgate.adapters.tokens._async.oidc",
    "AsyncRefreshingSource": "brickgate.adapters.tokens._async.cache",
    "AsyncStaticTokenSource": "brickgate.adapters.tokens._async.static",
    "AzureCliSource": "brickgate.adapters.tokens._sync.azure",
    "BrowserSource": "brickgate.adapters.tokens._sync.browser",
    "ClientCredentialsSource": "brickgate.adapters.tokens._sync.m2m",
    "DatabricksCliSource": "brickgate.adapters.tokens._sync.cli",
    "MemoryRefreshTokenStore": "brickgate.adapters.tokens.memory_store",
    "OidcSource": "brickgate.adapters.tokens._sync.oidc",
    "RefreshingSource": "brickgate.adapters.tokens._sync.cache",
    "SUPPORTED_AUTH_TYPES": "brickgate.adapters.tokens._async.factory",
    "StaticTokenSource": "brickgate.adapters.tokens._sync.static",
    "async_browser_login": "brickgate.adapters.tokens._async.browser",
    "async_token_source_for": "brickgate.adapters.tokens._async.factory",
    "async_token_source_of": "brickgate.adapters.tokens._async.factory",
    "browser_login": "brickgate.adapters.tokens._sync.browser",
    "browser_login_command": "brickgate.adapters.tokens._async.browser",
    "login_key": "brickgate.adapters.tokens._async.browser",
    "token_source_for": "brickgate.adapters.tokens._sync.factory",
    "token_source_of": "brickgate.adapters.tokens._sync.factory",
}


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)


__all__ = [
    "SUPPORTED_AUTH_TYPES",
    "AsyncAzureCliSource",
    "AsyncBrowserSource",
    "AsyncClientCredentialsSource",
    "AsyncDatabricksCliSource",
    "AsyncOidcSource",
    "AsyncRefreshingSource",
    "AsyncStaticTokenSource",
    "AzureCliSource",
    "BrowserSource",
    "ClientCredentialsSource",
    "DatabricksCliSource",
    "MemoryRefreshTokenStore",
    "OidcSource",
    "RefreshingSource",
    "StaticTokenSource",
    "async_browser_login",
    "async_token_source_for",
    "async_token_source_of",
    "browser_login",
    "browser_login_command",
    "login_key",
    "token_source_for",
    "token_source_of",
]
