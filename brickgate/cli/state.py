"""What every command shares: global options, the two consoles and container construction.

Importing it is cheap (``brickgate --help`` does): rich, the settings and the container are
imported when a command first uses them.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from brickgate._sync.client import Client
    from brickgate.container import BrickgateContainer
    from brickgate.domain.credentials import Credential
    from brickgate.settings import BrickgateSettings

PIPED_WIDTH = 160


def stdout_console() -> Console:
    """A console on the current ``sys.stdout`` (results); wide tables when it is not a TTY."""
    from rich.console import Console

    width = None if _isatty(sys.stdout) else PIPED_WIDTH
    return Console(highlight=False, soft_wrap=True, width=width)


def stderr_console() -> Console:
    """A console on the current ``sys.stderr`` (diagnostics); wide tables when not a TTY."""
    from rich.console import Console

    width = None if _isatty(sys.stderr) else PIPED_WIDTH
    return Console(stderr=True, highlight=False, soft_wrap=True, width=width)


@dataclass
class CliState:
    """Global options of one ``brickgate`` run, and the provider overrides tests inject.

    ``overrides`` are passed to ``create_container`` (provider name to value), so a test can
    swap the keyring or file store without touching the machine's own. The consoles ``out``
    and ``err`` are made on first use.
    """

    profile: str | None = None
    host: str | None = None
    debug: bool = False
    trusted_hosts: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    _out: Console | None = field(default=None, repr=False)
    _err: Console | None = field(default=None, repr=False)

    @property
    def out(self) -> Console:
        """The console for results (standard output)."""
        if self._out is None:
            self._out = stdout_console()
        return self._out

    @property
    def err(self) -> Console:
        """The console for diagnostics (standard error)."""
        if self._err is None:
            self._err = stderr_console()
        return self._err

    def settings(self, *, profile: str | None = None, **values: Any) -> BrickgateSettings:
        """Settings from ``BRICKGATE_*`` plus the global options; raises ``ConfigurationError``."""
        from brickgate.config import ClientConfig

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
        from brickgate._sync.client import Client
        from brickgate.cli.probe import refuse_plain_http

        settings = self.settings(profile=profile)
        container = self.container(settings, **overrides)
        credential: Credential = container.credential()
        self.check_host(credential, settings, container.resolution().source)
        refuse_plain_http(credential.host)

        return Client(container=container), container

    def client(self, *, profile: str | None = None, **overrides: Any) -> Client:
        """The client of ``connect()``."""
        return self.connect(profile=profile, **overrides)[0]

    def client_for(self, credential: Credential, settings: BrickgateSettings) -> Client:
        """A client using exactly ``credential`` (nothing else is resolved)."""
        from brickgate._sync.client import Client
        from brickgate.cli.probe import refuse_plain_http

        refuse_plain_http(credential.host)

        return Client(container=self.container(settings, explicit_credential=credential))

    def check_host(self, credential: Credential, settings: BrickgateSettings, source: str) -> None:
        """Refuse credentials for another host than ``--host``: a token goes to its own host."""
        if self.host is None:
            return
        from brickgate.domain.errors import ConfigurationError
        from brickgate.domain.hosts import WorkspaceHost

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
