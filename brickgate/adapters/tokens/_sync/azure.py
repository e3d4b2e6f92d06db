# Generated from adapters/tokens/_async/azure.py by tools/unasync.py: do not edit.
"""Tokens from the Azure CLI: ``az account get-access-token`` for Azure Databricks hosts."""

from __future__ import annotations

from collections.abc import Mapping

from brickgate.adapters.tokens._sync.cache import RefreshingSource
from brickgate.adapters.tokens.primitives import blocking
from brickgate.adapters.tokens.subprocesses import find_program, run_bounded
from brickgate.domain.errors import SourceUnavailableError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.tokens import RefreshPolicy, TimedToken
from brickgate.domain.tool_tokens import (
    AZ_SOURCE,
    AZURE_CLOUDS,
    AZURE_DATABRICKS_APP_ID,
    az_failure,
    az_token,
)
from brickgate.ports.clock import Clock

AZ_TIMEOUT = 30.0

__all__ = ["AzureCliSource"]


class AzureCliSource(RefreshingSource):
    """Tokens from ``az account get-access-token --resource <Azure Databricks app id>``.

    Only for ``*.azuredatabricks.net`` (and the Azure Government and China zones): any other
    host raises ``SourceUnavailableError`` at construction. ``tenant`` adds ``--tenant``,
    ``subscription`` adds ``--subscription``. ``az`` is looked up on ``environ``'s ``PATH``
    (missing: ``SourceUnavailableError``). A failed run raises ``CredentialSourceError``
    saying to run ``az login``; each run is limited to ``timeout`` seconds.
    """

    def __init__(
        self,
        host: WorkspaceHost,
        *,
        clock: Clock,
        environ: Mapping[str, str],
        tenant: str | None = None,
        subscription: str | None = None,
        timeout: float = AZ_TIMEOUT,
        policy: RefreshPolicy | None = None,
    ) -> None:
        if host.cloud not in AZURE_CLOUDS:
            raise SourceUnavailableError(
                AZ_SOURCE,
                f"skipped: {host.url} is not an Azure Databricks workspace "
                "(azure-cli works only with *.azuredatabricks.net hosts)",
            )
        super().__init__(clock, policy)
        self._host = host
        self._environ = dict(environ)
        self._tenant = tenant
        self._subscription = subscription
        self._timeout = timeout

    def describe(self) -> str:
        """``azure-cli`` with the tenant when one is set."""
        return f"{AZ_SOURCE} (tenant {self._tenant})" if self._tenant else AZ_SOURCE

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"

    def _fetch(self, force: bool) -> TimedToken:
        program = find_program("az", self._environ, source=AZ_SOURCE, what="Azure CLI (az)")
        argv = [program, "account", "get-access-token", "--resource", AZURE_DATABRICKS_APP_ID]
        argv += ["--output", "json"]
        if self._tenant:
            argv += ["--tenant", self._tenant]
        if self._subscription:
            argv += ["--subscription", self._subscription]
        start = self._clock.time()
        done = blocking(
            run_bounded, argv, source=AZ_SOURCE, timeout=self._timeout, environ=self._environ
        )
        if done.returncode != 0:
            raise az_failure(done.stderr + "\n" + done.stdout, host=self._host, tenant=self._tenant)
        return az_token(done.stdout, start)
