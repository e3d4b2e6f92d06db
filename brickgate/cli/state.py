"""What every command shares: global options, the two consoles and container construction."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.console import Console

from brickgate.cli.probe import refuse_plain_http
from brickgate.config import ClientConfig
from brickgate.domain.credentials import Credential
from brickgate.domain.errors import ConfigurationError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.settings import BrickgateSettings

if TYPE_CHECKING:
    from brickgate._sync.client import Client
    from brickgate.container import BrickgateContainer

PIPED_WIDTH = 160


def stdout_console() -> Console:
    """A console on the current ``sys.stdout`` (results); wide tables when it is not a TTY."""
    width = None if _isatty(sys.stdout) else PIPED_WIDTH
    return Console(highlight=False, soft_wrap=True, width=width)


def stderr_console() -> Console:
    """A console on the current ``sys.stderr`` (diagnostics); wide tables when not a TTY."""
    width = None if _isatty(sys.stderr) else PIPED_WIDTH
    return Console(stderr=True, highlight=False, soft_wrap=True, width=width)


@dataclass
class CliState:
    """Global options of one ``brickgate`` run, and the provider overrides tests inject.

    ``overrides`` are passed to ``create_container`` (provider name to value), so a test can
    swap the keyring or file store without touching the machine's own.
    """

    profile: str | None = None
    host: str | None = None
    debug: bool = False
    trusted_hosts: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    out: Console = field(default_factory=stdout_console)
    err: Console = field(default_factory=stderr_console)

    def settings(self, *, profile: str | None = None, **values: Any) -> BrickgateSettings:
        """Settings from ``BRICKGATE_*`` plus the global options; raises ``ConfigurationError``."""
        chosen = profile if profile is not None else self.profile
        config = ClientConfig(
            profile=chosen, trusted_hosts=self.trusted_hosts, extra_settings=dict(values)
        )
        return config.settings()

    def container(
        self, settings: BrickgateSettings | None = None, **overrides: Any
    ) -> BrickgateContainer:
        """A container on ``settings`` (default: ``self.settings()``) with the test overrides."""
        from brickgate.container import create_container

        merged = {**self.overrides, **overrides}
        return create_container(settings or self.settings(), **merged)

    def connect(
        self, *, profile: str | None = None, **overrides: Any
    ) -> tuple[Client, BrickgateContainer]:
        """A client on the credential chain, and its container; checks ``--host`` against it.

        ``overrides`` replace container providers by name (``batch_gate=...``). Raises
        ``NoCredentialsError`` (and the chain's other errors) when nothing usable is found,
        ``ConfigurationError`` when the credentials found are for another host or a trusted
        local host speaks plain http.
        """
        settings = self.settings(profile=profile)
        container = self.container(settings, **overrides)
        credential: Credential = container.credential()
        self.check_host(credential, settings, container.resolution().source)
        refuse_plain_http(credential.host)
        from brickgate._sync.client import Client

        return Client(container=container), container

    def client(self, *, profile: str | None = None, **overrides: Any) -> Client:
        """The client of ``connect()``."""
        return self.connect(profile=profile, **overrides)[0]

    def client_for(self, credential: Credential, settings: BrickgateSettings) -> Client:
        """A client using exactly ``credential`` (nothing else is resolved)."""
        refuse_plain_http(credential.host)
        from brickgate._sync.client import Client

        return Client(container=self.container(settings, explicit_credential=credential))

    def check_host(self, credential: Credential, settings: BrickgateSettings, source: str) -> None:
        """Refuse credentials for another host than ``--host``: a token goes to its own host."""
        if self.host is None:
            return
        trusted = (*settings.trusted_hosts, credential.host.name)
        wanted = WorkspaceHost.parse(self.host, trusted_hosts=trusted)
        if wanted.url != credential.host.url:
            raise ConfigurationError(
                f"the credentials found ({source}) are for {credential.host.url}, not "
                f"{wanted.url}; run `brickgate login --host {wanted.url} --profile NAME` "
                "and pass --profile NAME"
            )


def stdin_is_tty() -> bool:
    """True when a person types on standard input."""
    return _isatty(sys.stdin)


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:
        return False
