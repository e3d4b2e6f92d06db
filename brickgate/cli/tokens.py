"""``brickgate auth status`` / ``auth token`` and the browser login of ``brickgate login``."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from brickgate.cli.state import CliState

if TYPE_CHECKING:
    from brickgate.cli.diagnose import Diagnosis
    from brickgate.domain.errors import BrickgateError
    from brickgate.domain.hosts import WorkspaceHost
    from brickgate.domain.tokens import AccessToken
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
    from brickgate.bootstrap import holders
    from brickgate.domain.tokens import BROWSER_CLIENT_ID

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
    from brickgate.domain.errors import ConfigurationError, InvalidLoginError
    from brickgate.domain.hosts import WorkspaceHost

    text = host or state.host
    if text is not None:
        return WorkspaceHost.parse(text, trusted_hosts=settings.trusted_hosts)
    try:
        return state.container(settings).credential_chain().resolve(profile).credential.host
    except ConfigurationError:
        raise InvalidLoginError(
            f"--browser needs --host HOST (profile {profile!r} has no host to log in to)"
        ) from None


def status(
    ctx: typer.Context,
    profile: ProfileOption = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not fetch a token nor ask the workspace.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object for scripts.")] = False,
) -> None:
    """Which credentials are used, from which source, and how long their token lives.

    Always prints the table of sources; exits 2 when no credentials can be used.
    """
    from brickgate.cli.diagnose import diagnose, from_resolution, known_profiles
    from brickgate.cli.errors import exit_code, one_line
    from brickgate.cli.render import to_json
    from brickgate.domain.errors import BrickgateError, ConfigurationError

    state: CliState = ctx.obj
    settings = state.settings(profile=profile)
    container = state.container(settings)
    chain = container.credential_chain()
    failure: BrickgateError | None = None
    try:
        resolution = chain.resolve(exhaustive=True)
        report = from_resolution(resolution, known_profiles(chain))
        state.check_host(resolution.credential, settings, resolution.source)
    except ConfigurationError as error:
        failure = error
        report = diagnose(chain, settings.profile)
    check = _WorkspaceCheck(now=container.clock().time())
    if failure is None and not offline and report.credential is not None:
        try:
            with state.client_for(report.credential, settings) as client:
                check.access = client.access_token()
                check.now = container.clock().time()
                check.endpoints = len(client.endpoints())
        except BrickgateError as error:
            failure = error
    shown_profile = settings.profile
    if as_json:
        document = _status_document(report, shown_profile, check, failure)
        state.out.print(to_json(document), markup=False, soft_wrap=True)
    else:
        _print_status(state, report, shown_profile, check)
    if failure is not None:
        state.err.print(one_line(failure, profile=settings.profile), markup=False)
        raise typer.Exit(exit_code(failure))


@dataclass
class _WorkspaceCheck:
    now: float
    access: AccessToken | None = None
    endpoints: int | None = None


def _status_document(
    report: Diagnosis,
    profile: str | None,
    check: _WorkspaceCheck,
    failure: BrickgateError | None,
) -> dict[str, Any]:
    from brickgate.cli.errors import one_line
    from brickgate.cli.render import credential_dict

    credential, access = report.credential, check.access
    return {
        "ok": failure is None,
        "host": credential.host.url if credential else None,
        "auth_type": credential.auth_type if credential else None,
        "source": report.source,
        "profile": profile,
        "credential": credential_dict(credential) if credential else None,
        "token_source": access.source if access else None,
        "expires_at": access.expires_at if access else None,
        "expires_in_seconds": access.expires_in(check.now) if access else None,
        "trace": [row.as_dict() for row in report.rows],
        "known_profiles": list(report.known_profiles),
        "workspace_accepts": True if check.endpoints is not None else None,
        "serving_endpoints": check.endpoints,
        "error": one_line(failure, profile=profile) if failure is not None else None,
    }


def _print_status(
    state: CliState, report: Diagnosis, profile: str | None, check: _WorkspaceCheck
) -> None:
    from brickgate.cli.render import credential_lines, report_table

    out, credential = state.out, report.credential
    if credential is not None:
        for line in credential_lines(credential):
            out.print(line, markup=False)
        out.print(f"Auth type: {credential.auth_type}", markup=False)
        if check.access is not None:
            lifetime = lifetime_text(check.access.expires_in(check.now))
            out.print(f"Token: from {check.access.source}, {lifetime}", markup=False)
        out.print(f"Source: {report.source}", markup=False)
    else:
        out.print("Credentials: none usable (the table says why)", markup=False)
    out.print(f"Profile: {profile or '(default)'}", markup=False)
    out.print(report_table(report.rows))
    if report.known_profiles:
        out.print(f"Saved profiles: {', '.join(report.known_profiles)}", markup=False)
    if check.endpoints is not None:
        out.print(
            f"Workspace: accepts these credentials ({check.endpoints} serving endpoints).",
            markup=False,
        )


def token(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Print a fresh access token for other tools (stdout, nothing else on the line)."""
    state: CliState = ctx.obj
    with state.client(profile=profile) as client:
        access = client.access_token()
    sys.stdout.write(access.token.get_secret_value() + "\n")
    sys.stdout.flush()
