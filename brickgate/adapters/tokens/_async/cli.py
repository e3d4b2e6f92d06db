"""Tokens from the Databricks CLI: ``databricks auth token``, never its token cache."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from brickgate.adapters.tokens._async.cache import AsyncRefreshingSource
from brickgate.adapters.tokens.primitives import async_blocking
from brickgate.adapters.tokens.subprocesses import find_program, run_bounded
from brickgate.domain.errors import CredentialSourceError, SourceUnavailableError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.tokens import RefreshPolicy, TimedToken
from brickgate.domain.tool_tokens import (
    CLI_SOURCE,
    cli_failure,
    cli_token,
    cli_version,
    supports_force_refresh,
)
from brickgate.ports.clock import Clock

logger = logging.getLogger("brickgate.tokens")

CLI_PATH_VARIABLE = "DATABRICKS_CLI_PATH"
TOKEN_TIMEOUT = 60.0
VERSION_TIMEOUT = 5.0

__all__ = ["CLI_PATH_VARIABLE", "AsyncDatabricksCliSource"]


class AsyncDatabricksCliSource(AsyncRefreshingSource):
    """Tokens printed by ``databricks auth token --profile P`` (or ``--host H`` without one).

    The program is ``cli_path`` (a profile's ``databricks_cli_path``), else
    ``DATABRICKS_CLI_PATH`` from ``environ``, else ``databricks`` on its ``PATH``; missing, it
    raises ``SourceUnavailableError`` ("skipped: databricks CLI not found"). The CLI keeps and
    refreshes its own login; this source re-runs it ahead of expiry and, after ``invalidate``
    (a 401), once with ``--force-refresh`` when the CLI has it (the version is probed once, on
    the first forced refresh). A failed run raises the error of ``cli_failure``, which says
    what to run. Each run is limited to ``timeout`` seconds.
    """

    def __init__(
        self,
        host: WorkspaceHost,
        *,
        clock: Clock,
        environ: Mapping[str, str],
        profile: str | None = None,
        cli_path: str | None = None,
        timeout: float = TOKEN_TIMEOUT,
        policy: RefreshPolicy | None = None,
    ) -> None:
        super().__init__(clock, policy)
        self._host = host
        self._profile = profile
        self._cli_path = cli_path
        self._environ = dict(environ)
        self._timeout = timeout
        self._force_flag: bool | None = None

    def describe(self) -> str:
        """``databricks-cli (profile P)`` or ``databricks-cli (host H)``."""
        target = f"profile {self._profile}" if self._profile else f"host {self._host.url}"
        return f"{CLI_SOURCE} ({target})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"

    def program(self) -> str:
        """The CLI to run; ``SourceUnavailableError`` when there is none."""
        configured = (self._cli_path or self._environ.get(CLI_PATH_VARIABLE, "")).strip()
        if configured:
            return configured
        return find_program("databricks", self._environ, source=CLI_SOURCE, what="databricks CLI")

    async def _fetch(self, force: bool) -> TimedToken:
        program = self.program()
        target = ["--profile", self._profile] if self._profile else ["--host", self._host.url]
        argv = [program, "auth", "token", *target]
        if force and await self._has_force_refresh(program):
            argv.append("--force-refresh")
        start = self._clock.time()
        try:
            done = await async_blocking(
                run_bounded, argv, source=CLI_SOURCE, timeout=self._timeout, environ=self._environ
            )
        except SourceUnavailableError:
            raise SourceUnavailableError(
                CLI_SOURCE, f"skipped: databricks CLI not found at {program}"
            ) from None
        if done.returncode != 0:
            raise cli_failure(
                done.stderr + "\n" + done.stdout, host=self._host, profile=self._profile
            )
        return cli_token(done.stdout, start)

    async def _has_force_refresh(self, program: str) -> bool:
        if self._force_flag is None:
            try:
                done = await async_blocking(
                    run_bounded,
                    [program, "version", "--output", "json"],
                    source=CLI_SOURCE,
                    timeout=VERSION_TIMEOUT,
                    environ=self._environ,
                )
                version = cli_version(done.stdout) if done.returncode == 0 else None
            except CredentialSourceError:
                version = None
            self._force_flag = supports_force_refresh(version)
            if not self._force_flag:
                logger.warning(
                    "%s: this Databricks CLI has no --force-refresh (needs v0.296.0 or later); "
                    "its cache may hand out a stale token. Update the CLI",
                    self.describe(),
                )
        return self._force_flag
