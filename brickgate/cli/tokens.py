"""``brickgate auth status`` / ``auth token`` and the browser login of ``brickgate login``."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from brickgate.bootstrap import holders
from brickgate.cli.render import credential_lines, to_json, trace_table
from brickgate.cli.state import CliState
from brickgate.domain.errors import ConfigurationError, InvalidLoginError
from brickgate.domain.hosts import WorkspaceHost
from brickgate.domain.resolution import Resolution
from brickgate.domain.tokens import BROWSER_CLIENT_ID, AccessToken
from brickgate.settings import BrickgateSettings

ProfileOption = Annotated[
    str | None, typer.Option("--profile", "-p", help="Profile name (default: DEFAULT).")
]


def lifetime_text(seconds: float | None) -> str:
    """``expires in 41 min`` (``in 2 h 5 min``, ``in 30 s``), or ``does not expire``."""
    if seconds is None:
        return "does not expire"
    whole = int(seconds)
    if whole < 60:
        return f"expires in {whole} s"
    hours, minutes = divmod(whole // 60, 60)
    return f"expires in {hours} h {minutes} min" if hours else f"expires in {minutes} min"


def browser_login_to(
    state: CliState,
    settings: BrickgateSettings,
    *,
    host: str | None,
    profile: str,
    client_id: str | None,
    open_browser: bool,
) -> str:
    """Run ``brickgate login --browser``; return the host logged in to.

    The refresh token is saved under ``profile`` in the OS keyring (unless ``--store file`` or
    keyring use is off), else in the 0600 credentials file. Raises ``InvalidLoginError`` when
    no host is given or known, and what the browser login raises (nothing is stored then).
    """
    from brickgate.adapters.credentials.browser_logins import StoredBrowserLogins
    from brickgate.adapters.tokens import browser_login
    from brickgate.adapters.transport._sync.http import HttpTransport

    container = state.container(settings)
    workspace = _login_host(state, settings, host, profile)
    stores: list[Any] = [container.file_store()]
    if settings.use_keyring and settings.store == "keyring":
        stores.insert(0, container.keyring_store())
    client = client_id or BROWSER_CLIENT_ID
    clock = container.clock()
    driver = HttpTransport(container.http_client(), workspace, clock, timeouts=container.timeouts())
    try:
        browser_login(
            workspace,
            transport=driver,
            clock=clock,
            store=StoredBrowserLogins(holders(stores), workspace, client),
            profile=profile,
            client_id=client,
            browser=container.browser_opener() if open_browser else None,
            announce=lambda text: state.err.print(text, markup=False, soft_wrap=True),
        )
    finally:
        driver.close()
    return workspace.url


def _login_host(
    state: CliState, settings: BrickgateSettings, host: str | None, profile: str
) -> WorkspaceHost:
    text = host or state.host
    if text is not None:
        return WorkspaceHost.parse(text, trusted_hosts=settings.trusted_hosts)
    try:
        return state.container(settings).credential_chain().resolve(profile).credential.host
    except ConfigurationError:
        raise InvalidLoginError(
            f"--browser needs --host HOST (profile {profile!r} has no host to log in to)"
        ) from None


def _status_json(resolution: Resolution, access: AccessToken | None, now: float) -> str:
    credential = resolution.credential
    return to_json(
        {
            "host": credential.host.url,
            "auth_type": credential.auth_type,
            "source": resolution.source,
            "profile": resolution.profile,
            "token_source": access.source if access else None,
            "expires_at": access.expires_at if access else None,
            "expires_in_seconds": access.expires_in(now) if access else None,
            "trace": [
                {"source": e.source, "outcome": e.outcome, "reason": e.reason, "where": e.where}
                for e in resolution.trace
            ],
        }
    )


def status(
    ctx: typer.Context,
    profile: ProfileOption = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not fetch a token nor ask the workspace.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object for scripts.")] = False,
) -> None:
    """Which credentials are used, from which source, and how long their token lives."""
    state: CliState = ctx.obj
    settings = state.settings(profile=profile)
    container = state.container(settings)
    resolution = container.credential_chain().resolve(exhaustive=True)
    state.check_host(resolution.credential, settings, resolution.source)
    access: AccessToken | None = None
    count: int | None = None
    now = container.clock().time()
    if not offline:
        with state.client_for(resolution.credential, settings) as client:
            access = client.access_token()
            now = container.clock().time()
            count = len(client.endpoints())
    if as_json:
        state.out.print(_status_json(resolution, access, now), markup=False, soft_wrap=True)
        return
    out = state.out
    for line in credential_lines(resolution.credential):
        out.print(line, markup=False)
    out.print(f"Auth type: {resolution.credential.auth_type}", markup=False)
    if access is not None:
        lifetime = lifetime_text(access.expires_in(now))
        out.print(f"Token: from {access.source}, {lifetime}", markup=False)
    out.print(f"Source: {resolution.source}", markup=False)
    out.print(f"Profile: {resolution.profile or '(default)'}", markup=False)
    out.print(trace_table(resolution))
    if count is not None:
        out.print(f"Workspace: accepts these credentials ({count} serving endpoints).")


def token(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Print a fresh access token for other tools (stdout, nothing else on the line)."""
    state: CliState = ctx.obj
    with state.client(profile=profile) as client:
        access = client.access_token()
    sys.stdout.write(access.token.get_secret_value() + "\n")
    sys.stdout.flush()
